// capacity_search.cpp - Steps at the rates the search picks, each judged; the curve.
#include "perfgate/run/capacity_search.hpp"

#include <fmt/format.h>

#include <sstream>
#include <thread>

#include "perfgate/core/clock.hpp"
#include "perfgate/core/error.hpp"
#include "perfgate/load/capacity.hpp"
#include "perfgate/metrics/catalog.hpp"

namespace perfgate::run {
namespace {

// What a capacity step's figures were, and which rules broke.
metrics::CapacityStep capacity_step(double rate, const metrics::RunResult& r) {
  metrics::CapacityStep step;
  step.rate = rate;
  step.held = r.passed;
  const metrics::Histogram& latency = r.histograms.at("latency");
  step.samples = latency.count();
  step.p50_ns = latency.percentile(50);
  step.p95_ns = latency.percentile(95);
  step.p99_ns = latency.percentile(99);
  if (const auto it = r.rates.find("throughput"); it != r.rates.end())
    step.throughput = it->second.value();
  if (const auto it = r.rates.find("error_rate"); it != r.rates.end())
    step.error_rate = it->second.value();
  for (const metrics::ThresholdOutcome& t : r.thresholds) {
    if (!t.passed) step.broken.push_back(t.metric + " " + t.statistic);
  }
  return step;
}

std::string step_line(std::size_t number, const metrics::CapacityStep& s) {
  std::string broken;
  for (const std::string& rule : s.broken) broken += (broken.empty() ? "" : ", ") + rule;
  return fmt::format("capacity step {}: {} {} (p95 {}, errors {}, {} samples){}\n", number,
                     core::format_quantity(s.rate, core::Unit::kRate), s.held ? "held" : "broke",
                     core::format_quantity(static_cast<double>(s.p95_ns), core::Unit::kDuration),
                     core::format_quantity(s.error_rate, core::Unit::kPercent), s.samples,
                     broken.empty() ? "" : ": " + broken);
}

std::string curve_line(const metrics::CapacityCurve& c) {
  const auto rate = [](const std::optional<double>& r, const char* none) {
    return r ? core::format_quantity(*r, core::Unit::kRate) : std::string(none);
  };
  return fmt::format("capacity: {} ({}; lowest rate that broke: {})\n",
                     rate(c.highest_held, "none held"), c.ended_by, rate(c.lowest_broken, "none"));
}

}  // namespace

Measurement search_capacity(const config::ScenarioConfig& sc, load::Workload& workload,
                            const load::LoadProfile& profile, const MeasureOptions& options,
                            const std::function<void(Measurement&)>& annotate) {
  if (profile.shard.count > 1) {
    throw core::Error(fmt::format(
        "scenario {}: a capacity search runs in one process (each step's verdict picks the next "
        "rate), not as shard {}/{}: run it unsharded, and leave it out of sharded runs "
        "(--gtest_filter=-*Capacity*)",
        sc.name, profile.shard.index, profile.shard.count));
  }
  const auto stopped = [&options] { return options.stop != nullptr && options.stop->load(); };
  std::ostringstream silent;
  std::ostream& out = options.out ? *options.out : silent;
  config::ScenarioConfig step_rules = sc;
  std::erase_if(step_rules.rules, [](const config::Rule& rule) {
    return metrics::base_name(rule.metric) == "capacity";
  });
  step_rules.min_samples = 0;
  const load::CapacityPlan& plan = profile.capacity;
  load::CapacitySearch search(plan);
  metrics::CapacityCurve curve;
  curve.precision = plan.precision;
  std::optional<Measurement> best, first;
  bool interrupted = false;
  const auto started = core::SteadyClock::now();
  while (const std::optional<double> rate = search.next()) {
    // The target drains between steps; a stop cuts the pause short.
    const auto resume =
        core::SteadyClock::now() + (search.steps() > 0 ? plan.cooldown : core::Nanos(0));
    while (!stopped() && core::SteadyClock::now() < resume)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (stopped()) break;
    load::LoadProfile step = profile;
    step.kind = load::ExecutorKind::kOpenLoop;
    step.plan = load::StagePlan::constant(*rate, plan.step_duration);
    MeasureOptions step_options = options;
    step_options.label = fmt::format("{} step {} at {}", options.label, search.steps() + 1,
                                     core::format_quantity(*rate, core::Unit::kRate));
    Measurement m = measure(workload, step, step_options);
    if (annotate) annotate(m);
    config::evaluate(step_rules, m.result);
    if (m.result.interrupted) {  // a step cut short says nothing about its rate
      interrupted = true;
      if (!best && !first) first = std::move(m);
      break;
    }
    metrics::CapacityStep figures = capacity_step(*rate, m.result);
    search.record(*rate, figures.held);
    out << step_line(search.steps(), figures) << std::flush;
    curve.steps.push_back(std::move(figures));
    if (curve.steps.back().held) {
      best = std::move(m);
    } else if (!first) {
      first = std::move(m);
    }
  }
  interrupted = interrupted || stopped();
  Measurement result;
  if (best) {
    result = std::move(*best);
  } else if (first) {
    result = std::move(*first);
  } else {  // stopped before the first step: an interrupted run with nothing in it
    result = measure(workload, profile, options);
  }
  curve.highest_held = search.highest_held();
  curve.lowest_broken = search.lowest_broken();
  curve.ended_by =
      interrupted ? std::string("interrupted") : std::string(load::capacity_end_name(search.end()));
  curve.search_s = std::chrono::duration<double>(core::SteadyClock::now() - started).count();
  metrics::RunResult& r = result.result;
  r.interrupted = r.interrupted || interrupted;
  r.rates["capacity"] = metrics::RateFigure{curve.highest_held.value_or(0), 1,
                                            static_cast<std::uint64_t>(curve.steps.size())};
  out << curve_line(curve) << std::flush;
  r.capacity = std::move(curve);
  return result;
}

}  // namespace perfgate::run
