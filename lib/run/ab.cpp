// ab.cpp - A/B rounds: alternate the sides, merge each side's rounds, judge the change.
#include "perfgate/run/ab.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <sstream>

#include "perfgate/config/baseline.hpp"
#include "perfgate/core/error.hpp"
#include "perfgate/metrics/merge.hpp"
#include "scenario_steps.hpp"

namespace perfgate::run {

const char* side_name(Side side) { return side == Side::kBaseline ? "baseline" : "candidate"; }

std::vector<Side> ab_order(std::uint32_t rounds) {
  std::vector<Side> order;
  for (std::uint32_t pair = 0; pair < rounds / 2; ++pair) {
    const bool baseline_first = pair % 2 == 0;
    order.push_back(baseline_first ? Side::kBaseline : Side::kCandidate);
    order.push_back(baseline_first ? Side::kCandidate : Side::kBaseline);
  }
  return order;
}

std::string order_text(const std::vector<Side>& order) {
  std::string text;
  for (const Side s : order) text += s == Side::kBaseline ? 'A' : 'B';
  return text;
}

std::uint32_t default_ab_rounds(std::chrono::nanoseconds side_duration) {
  using std::chrono::milliseconds;
  const auto side_ms = std::chrono::duration_cast<milliseconds>(side_duration).count();
  if (side_ms <= 0) return 2 * kAbPairsWanted;  // planned by iterations
  const auto side_s = static_cast<std::uint32_t>(std::max<std::int64_t>(1, side_ms / 1000));
  // The most rounds (up to kAbMaxRoundsASide) that are a whole number of seconds each: a round's
  // part-second is not compared.
  for (std::uint32_t per_side = std::min(side_s, kAbMaxRoundsASide); per_side >= kAbPairsWanted;
       --per_side) {
    if (side_ms % (1000 * static_cast<std::int64_t>(per_side)) == 0) return 2 * per_side;
  }
  return 2 * std::min(side_s, kAbMaxRoundsASide);
}

void judge_ab(const config::ScenarioConfig& sc, metrics::AbRun ab, metrics::RunResult baseline,
              metrics::RunResult& candidate) {
  name_run(sc, baseline);
  const config::BaselineRule rule = sc.baseline.value_or(config::BaselineRule{});
  config::apply_baseline(
      config::compare_runs(baseline, candidate, config::rule_statistics(sc), rule.max_regression,
                           sc.min_samples, {.confidence = rule.confidence}),
      rule.max_regression, "A/B: " + ab.baseline_target, candidate);
  baseline.thresholds.clear();  // not judged: the table's verdicts are the candidate's
  baseline.judged = false;
  baseline.passed = false;
  ab.baseline = std::make_shared<const metrics::RunResult>(std::move(baseline));
  candidate.ab = std::move(ab);
}

namespace {

// One side's rounds: their results, and what its workloads declared (for shares derived again).
struct SideRounds {
  std::vector<metrics::RunResult> results;
  metrics::MetricSet set;
  std::optional<load::SetUpOutcome> setup;  // the first round's
};

}  // namespace

ScenarioOutcome run_ab_scenario(const AbSides& sides, const ScenarioRun& how) {
  const config::ScenarioConfig& sc = *how.scenario;
  const load::LoadProfile profile = how.load.value_or(sc.load);
  if (profile.shard.count > 1)
    throw core::Error("an A/B run is one process's: run it without --shard / PERFGATE_SHARD");
  if (profile.kind == load::ExecutorKind::kCapacity)
    throw core::Error("a capacity search does not run A/B: run the candidate alone");
  std::ostringstream silent;
  std::ostream& out = how.measure.out ? *how.measure.out : silent;
  if (auto refused = detail::refuse_unmatched(*sides.make(Side::kCandidate), how, out))
    return std::move(*refused);

  const std::vector<Side> order =
      ab_order(sc.ab_rounds.value_or(default_ab_rounds(profile.plan.total())));
  load::LoadProfile round = profile;
  const double scale = 2.0 / static_cast<double>(order.size());
  round.plan = profile.plan.scaled(scale);
  if (profile.iterations)
    round.iterations = std::max<std::uint64_t>(1, *profile.iterations * 2 / order.size());
  const double round_s = std::chrono::duration<double>(round.plan.total()).count();
  out << fmt::format(
      "perfgate: A/B against {}: a warm-up round per side, then {} rounds of {:.1f} s, {}\n",
      sides.baseline_target, order.size(), round_s, order_text(order));

  for (const Side side : {Side::kCandidate, Side::kBaseline}) {
    MeasureOptions options = detail::measure_options(how);
    options.label =
        fmt::format("{} warm-up {}", options.label, side == Side::kBaseline ? "A" : "B");
    if (side == Side::kBaseline) options.target_pid = sides.baseline_pid;
    const std::unique_ptr<load::Workload> workload = sides.make(side);
    measure(*workload, round, options);  // not kept
  }

  SideRounds baseline, candidate;
  for (std::size_t i = 0; i < order.size(); ++i) {
    const Side side = order[i];
    MeasureOptions options = detail::measure_options(how);
    options.label = fmt::format("{} {}/{} {}", options.label, i + 1, order.size(),
                                side == Side::kBaseline ? "A" : "B");
    if (side == Side::kBaseline) options.target_pid = sides.baseline_pid;
    SideRounds& into = side == Side::kBaseline ? baseline : candidate;
    const std::unique_ptr<load::Workload> workload = sides.make(side);
    Measurement m = measure(*workload, round, options);
    name_run(sc, m.result);
    if (into.results.empty()) {
      into.set = std::move(m.set);
      into.setup = m.setup;
    }
    into.results.push_back(std::move(m.result));
  }

  const auto merged = [&how](SideRounds& side) {
    Measurement m;
    m.result = metrics::merge_rounds(side.results);
    m.set = std::move(side.set);
    m.ran = true;
    detail::annotate(how, m);
    detail::describe_and_evaluate(how, side.setup, m.result);
    return std::move(m.result);
  };
  metrics::RunResult a = merged(baseline);
  metrics::RunResult r = merged(candidate);

  judge_ab(sc,
           metrics::AbRun{.baseline_target = sides.baseline_target,
                          .order = order_text(order),
                          .round_s = round_s,
                          .baseline = nullptr},
           std::move(a), r);
  r.context["baseline"]["ab_rounds"] = order.size();
  r.context["baseline"]["ab_warmup"] = "a round per side, not measured";
  return {.result = std::move(r)};
}

}  // namespace perfgate::run
