// suite.cpp - Suite environment, scenario runner and suite main().
#include "perfgate/gtest/suite.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <array>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string_view>
#include <thread>

#include "perfgate/config/baseline.hpp"
#include "perfgate/core/clock.hpp"
#include "perfgate/metrics/catalog.hpp"
#include "perfgate/metrics/process_sampler.hpp"
#include "perfgate/net/reachability.hpp"
#include "perfgate/report/console.hpp"
#include "perfgate/report/progress.hpp"
#include "perfgate/report/results_file.hpp"

#ifndef PERFGATE_DEFAULT_THRESHOLDS_DIR
#define PERFGATE_DEFAULT_THRESHOLDS_DIR "thresholds"
#endif
#ifndef PERFGATE_DEFAULT_RESULTS_DIR
#define PERFGATE_DEFAULT_RESULTS_DIR "perf-results"
#endif
#ifndef PERFGATE_SOURCE_REVISION
#define PERFGATE_SOURCE_REVISION "unknown"
#endif

namespace perfgate::gtest {
namespace {

std::optional<SuiteContext>& context_slot() {
  static std::optional<SuiteContext> context;
  return context;
}

// Why the suite could not start, when it could not.
std::optional<std::string>& setup_failure() {
  static std::optional<std::string> why;
  return why;
}

extern "C" void on_stop_signal(int signal) {
  stop_requested().store(true);
  std::signal(signal, SIG_DFL);  // a second signal ends the program the usual way
}

// The spike of a spike-and-recover plan ends when the last stage at the peak target ends.
std::int64_t spike_end_ns(const load::StagePlan& plan) {
  const double peak = plan.peak();
  std::chrono::nanoseconds t{0}, end{0};
  for (const load::Stage& s : plan.stages()) {
    t += s.duration;
    if (s.target == peak) end = t;
  }
  return end.count();
}

std::optional<std::int64_t> recovery_limit(const config::ScenarioConfig& sc) {
  bool wanted = false;
  std::optional<std::int64_t> limit;
  for (const config::Rule& rule : sc.rules) {
    wanted = wanted || metrics::base_name(rule.metric) == "recovery_time";
    if (rule.metric == "latency" && rule.statistic.kind == config::Statistic::Kind::kPercentile &&
        rule.statistic.percentile == 95) {
      limit = static_cast<std::int64_t>(rule.limits.at(sc.gate));
    }
  }
  if (!wanted) return std::nullopt;
  if (!limit) {
    throw config::ConfigError(
        sc.file, "/scenarios/" + sc.name + "/thresholds",
        "recovery_time needs a \"latency\": {\"p(95)\": ...} rule to recover under");
  }
  return limit;
}

void record_properties(const metrics::RunResult& r) {
  for (const auto& t : r.thresholds) {
    const metrics::MetricInfo* info = metrics::find_metric(t.metric);
    const core::Unit unit = t.statistic == "count" || !info ? core::Unit::kCount : info->unit;
    ::testing::Test::RecordProperty(
        fmt::format("{} {}", t.metric, t.statistic),
        fmt::format("{} {} {} ({}; tier {}; {} samples)",
                    t.measured ? core::format_quantity(*t.measured, unit) : "none", t.comparison,
                    core::format_quantity(t.limit, unit), t.passed ? "pass" : "FAIL", t.tier,
                    t.samples));
  }
}

nlohmann::json run_context(const SuiteContext& s, const config::ScenarioConfig& sc) {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return {{"load", sc.load_json},
          {"targets", s.targets.redacted_json()},
          {"thresholds_file", sc.file},
          {"machine", {{"hostname", host}, {"cores", std::thread::hardware_concurrency()}}},
          {"source_revision", PERFGATE_SOURCE_REVISION}};
}

// The table's `baseline` rule (or PERFGATE_BASELINE): judges the run's change from the stored
// run. With no stored run yet (the first run on a branch) it says so and judges nothing.
void compare_with_baseline(const SuiteContext& s, const config::ScenarioConfig& sc,
                           metrics::RunResult& r) {
  if (!sc.baseline && !s.settings.baseline) return;
  config::BaselineRule rule = sc.baseline.value_or(config::BaselineRule{});
  if (s.settings.baseline) rule.path = *s.settings.baseline;
  const std::string file =
      std::filesystem::is_directory(rule.path) ? report::results_path(rule.path, r) : rule.path;
  if (!std::filesystem::exists(file)) {
    r.context["baseline"] = {{"file", file}, {"note", "no baseline run there: not compared"}};
    std::cout << fmt::format("perfgate: no baseline at {}: {} not compared\n", file, r.scenario);
    return;
  }
  const metrics::RunResult before = report::read_results(file);
  if (const auto why = config::incomparable(before, r)) {
    // The table asks for a comparison that cannot be made: a failed rule, not a silent pass.
    metrics::ThresholdOutcome o;
    o.metric = "baseline";
    o.statistic = "profile";
    o.comparison = "==";
    o.tier = "none";
    o.note = fmt::format("{} not compared with {}: {}", r.scenario, file, *why);
    r.thresholds.push_back(o);
    r.passed = false;
    r.context["baseline"] = {{"file", file}, {"note", o.note}};
    std::cout << "perfgate: " << o.note << '\n';
    return;
  }
  config::apply_baseline(config::compare_runs(before, r, config::rule_statistics(sc),
                                              rule.max_regression, sc.min_samples),
                         rule.max_regression, file, r);
}

// A bad URL or a target that takes no connection fails the suite here, before any load, naming
// the target and where its address came from. (The database suite's own check connects to "pg".)
void check_target(const config::Target& t) {
  if (t.name == "pg") return;
  const auto fail = [&t](const std::string& why) {
    return core::Error(fmt::format("target {} (from {}): {}", t.name, t.source, why));
  };
  net::Url url;
  try {
    url = net::Url::parse(t.url);
  } catch (const core::Error& e) {
    throw fail(e.what());
  }
  if (const auto why = net::unreachable_reason(url, std::chrono::seconds(5), t.insecure)) {
    throw fail(fmt::format("{} is not reachable: {}", url.to_string(), *why));
  }
}

// One measured run of `profile` (a scenario's load, or a capacity search's step), named after
// its scenario but not judged.
struct Measurement {
  metrics::RunResult result;
  metrics::MetricSet set;  // what was declared: the shares to derive again after annotate
  bool ran = false;        // false when a stop was asked for before it began
  std::optional<load::SetUpOutcome> setup;
};

Measurement measure(const SuiteContext& s, const config::ScenarioConfig& sc,
                    load::Workload& workload, const load::LoadProfile& profile,
                    const std::string& label) {
  Measurement m;
  metrics::MetricSet& set = m.set;
  std::optional<int> pid;
  if (!s.required_targets.empty()) {
    if (const config::Target* t = s.targets.find(s.required_targets.front())) pid = t->pid;
  }
  metrics::ProcessSampler sampler(set, pid);
  const std::optional<std::int64_t> limit = recovery_limit(sc);

  metrics::RunResult& r = m.result;
  r.started_at_ms = core::unix_millis_now();
  if (!stop_requested().load()) {
    sampler.start(core::SteadyClock::now());
    report::ProgressLine progress(std::cout, label, report::ProgressLine::stdout_is_terminal());
    load::RunOptions options;
    options.exceedance_limit_ns = limit.value_or(0);
    options.stop_requested = &stop_requested();
    options.on_progress = [&progress](const load::Progress& p) { progress.update(p); };
    load::ExecutorOutcome outcome = load::run(workload, profile, set, options);
    progress.finish();
    sampler.stop();
    outcome.recorder.merge(sampler.recorder());
    r = metrics::collect(set, outcome.recorder, outcome.steady_seconds,
                         outcome.stage_steady_seconds);
    r.started_at_ms =
        core::unix_millis_now() - static_cast<std::int64_t>(outcome.duration_s * 1000);
    r.duration_s = outcome.duration_s;
    r.interrupted = outcome.interrupted;
    m.ran = true;
    m.setup = outcome.setup;
    if (const auto& su = outcome.setup) {
      std::cout << fmt::format("set-up: {} of {} slots started in {:.1f} s{}{}\n", su->started,
                               su->slots, su->seconds,
                               su->failed ? fmt::format(", {} failed", su->failed) : "",
                               su->cut ? " (setup_timeout reached: the rest were cut)" : "");
    }
    sampler.add_session_memory(r, outcome.peak_sessions);
    if (limit) {
      const std::int64_t from = spike_end_ns(profile.plan);
      const auto recovered = metrics::recovery_time_ns(outcome.recorder.exceedance(), from);
      metrics::Histogram h;
      // Never recovered: record the rest of the run, a lower bound, and say so.
      h.record(recovered.value_or(static_cast<std::int64_t>(outcome.duration_s * 1e9) - from));
      r.histograms["recovery_time"] = h;
      r.counters["recovered"] = recovered ? 1 : 0;
    }
  } else {
    r.interrupted = true;  // never started: the run was stopped before this scenario
  }
  r.ended_at_ms = core::unix_millis_now();
  r.suite = sc.suite;
  r.scenario = sc.name;
  r.profile = sc.profile;
  r.shard = {static_cast<int>(profile.shard.index), static_cast<int>(profile.shard.count)};
  r.context = run_context(s, sc);
  if (m.setup) {
    r.context["setup"] = {{"seconds", m.setup->seconds},
                          {"slots", m.setup->slots},
                          {"started", m.setup->started},
                          {"failed", m.setup->failed},
                          {"cut", m.setup->cut}};
  }
  return m;
}

// The suite's own figures on a measured run (RunHooks::annotate), and the rates they feed.
void annotate(const RunHooks& hooks, Measurement& m) {
  if (!hooks.annotate) return;
  hooks.annotate(m.result);
  if (m.ran) metrics::derive_shares(m.set, m.result);  // counters it added
}

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

// Executor "capacity": open-loop steps at the rates load::CapacitySearch picks, each judged by
// the scenario's rules but for those of the whole search (the `capacity` metric itself and
// min_samples). The result is the highest step that held (else the first step), carrying the
// curve of every step and rates["capacity"].
Measurement search_capacity(const SuiteContext& s, const config::ScenarioConfig& sc,
                            load::Workload& workload, const load::LoadProfile& profile,
                            const RunHooks& hooks) {
  if (profile.shard.count > 1) {
    throw core::Error(fmt::format(
        "scenario {}: a capacity search runs in one process (each step's verdict picks the next "
        "rate), not as shard {}/{}: run it unsharded, and leave it out of sharded runs "
        "(--gtest_filter=-*Capacity*)",
        sc.name, profile.shard.index, profile.shard.count));
  }
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
    while (!stop_requested().load() && core::SteadyClock::now() < resume)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (stop_requested().load()) break;
    load::LoadProfile step = profile;
    step.kind = load::ExecutorKind::kOpenLoop;
    step.plan = load::StagePlan::constant(*rate, plan.step_duration);
    const std::string rate_text = core::format_quantity(*rate, core::Unit::kRate);
    Measurement m = measure(
        s, sc, workload, step,
        fmt::format("{}/{} step {} at {}", sc.suite, sc.name, search.steps() + 1, rate_text));
    annotate(hooks, m);
    config::evaluate(step_rules, m.result);
    if (m.result.interrupted) {  // a step cut short says nothing about its rate
      interrupted = true;
      if (!best && !first) first = std::move(m);
      break;
    }
    metrics::CapacityStep figures = capacity_step(*rate, m.result);
    search.record(*rate, figures.held);
    std::string broken;
    for (const std::string& rule : figures.broken) broken += (broken.empty() ? "" : ", ") + rule;
    std::cout << fmt::format("capacity step {}: {} {} (p95 {}, errors {}, {} samples){}\n",
                             search.steps(), rate_text, figures.held ? "held" : "broke",
                             core::format_quantity(static_cast<double>(figures.p95_ns),
                                                   core::Unit::kDuration),
                             core::format_quantity(figures.error_rate, core::Unit::kPercent),
                             figures.samples, broken.empty() ? "" : ": " + broken)
              << std::flush;
    curve.steps.push_back(std::move(figures));
    if (curve.steps.back().held) {
      best = std::move(m);
    } else if (!first) {
      first = std::move(m);
    }
  }
  interrupted = interrupted || stop_requested().load();
  Measurement out;
  if (best) {
    out = std::move(*best);
  } else if (first) {
    out = std::move(*first);
  } else {  // stopped before the first step: an interrupted run with nothing in it
    out = measure(s, sc, workload, profile, sc.suite + "/" + sc.name);
  }
  curve.highest_held = search.highest_held();
  curve.lowest_broken = search.lowest_broken();
  curve.ended_by =
      interrupted ? std::string("interrupted") : std::string(load::capacity_end_name(search.end()));
  curve.search_s = std::chrono::duration<double>(core::SteadyClock::now() - started).count();
  metrics::RunResult& r = out.result;
  r.interrupted = r.interrupted || interrupted;
  r.rates["capacity"] = metrics::RateFigure{curve.highest_held.value_or(0), 1,
                                            static_cast<std::uint64_t>(curve.steps.size())};
  r.capacity = std::move(curve);
  std::cout << fmt::format(
      "capacity: {} ({}; lowest rate that broke: {})\n",
      r.capacity->highest_held ? core::format_quantity(*r.capacity->highest_held, core::Unit::kRate)
                               : std::string("none held"),
      r.capacity->ended_by,
      r.capacity->lowest_broken
          ? core::format_quantity(*r.capacity->lowest_broken, core::Unit::kRate)
          : std::string("none"));
  return out;
}

}  // namespace

std::atomic<bool>& stop_requested() {
  static std::atomic<bool> flag{false};
  return flag;
}

const SuiteContext& suite() {
  if (!context_slot())
    throw core::Error("perfgate suite context used before SuiteEnvironment::SetUp");
  return *context_slot();
}

SuiteEnvironment::SuiteEnvironment(std::string table_name,
                                   std::vector<std::string> required_targets, WorkloadCheck check)
    : table_name_(std::move(table_name)),
      required_targets_(std::move(required_targets)),
      check_(std::move(check)) {}

void SuiteEnvironment::SetUp() {
  try {
    SuiteContext c;
    c.table_name = table_name_;
    c.required_targets = required_targets_;
    c.settings = config::Settings::from_environment(PERFGATE_DEFAULT_THRESHOLDS_DIR,
                                                    PERFGATE_DEFAULT_RESULTS_DIR);
    const std::string table_path =
        (std::filesystem::path(c.settings.thresholds_dir) / (table_name_ + ".json")).string();
    c.table = config::load_table(table_path, c.settings.profile);
    c.targets = config::Targets::from_environment();
    for (const std::string& name : required_targets_) check_target(c.targets.require(name));
    if (check_) {
      for (const auto& [name, scenario] : c.table.scenarios) check_(scenario, c.targets);
    }
    report::ensure_writable_dir(c.settings.results_dir);
    std::cout << fmt::format("perfgate: suite {} profile {} thresholds {} results {}\n",
                             c.table.suite, c.settings.profile, table_path, c.settings.results_dir);
    for (const std::string& name : required_targets_) {
      std::cout << fmt::format("perfgate: target {} = {}\n", name,
                               c.targets.require(name).redacted());
    }
    context_slot() = std::move(c);
  } catch (const std::exception& e) {
    setup_failure() = std::string("perfgate: not starting the suite: ") + e.what();
    std::cout << *setup_failure() << '\n' << std::flush;
  }
}

void SuiteTest::SetUp() {
  if (setup_failure()) GTEST_FAIL() << *setup_failure();
}

net::ClientOptions SuiteTest::client_options(const std::string& scenario_name,
                                             const std::string& target_name) const {
  const config::ScenarioConfig& sc = scenario(scenario_name);
  net::ClientOptions o;
  o.connect_timeout = sc.connect_timeout;
  o.request_timeout = sc.request_timeout;
  o.insecure = target(target_name).insecure;
  return o;
}

metrics::RunResult run_scenario(const std::string& name, load::Workload& workload,
                                const RunHooks& hooks) {
  const SuiteContext& s = suite();
  const config::ScenarioConfig& sc = s.table.scenario(name);
  load::LoadProfile profile = sc.load;
  profile.shard = s.settings.shard;
  if (hooks.adjust_load) hooks.adjust_load(profile);

  // A rule whose tag selector can match nothing would only say "no samples" after the whole
  // load: say so before any is sent.
  config::DeclaredTags tags;
  if (const std::string key = workload.tag_key(); !key.empty()) tags[key] = workload.tag_values();
  auto& stages = tags["stage"];
  if (const std::size_t n = profile.plan.stages().size(); n > 1) {
    for (std::size_t i = 1; i <= n; ++i) stages.push_back(std::to_string(i));
  }
  if (const auto unmatched = config::unmatched_selectors(sc, tags); !unmatched.empty()) {
    metrics::RunResult r;
    r.suite = sc.suite;
    r.scenario = sc.name;
    r.profile = sc.profile;
    for (const config::UnmatchedSelector& u : unmatched) {
      metrics::ThresholdOutcome o;
      o.metric = u.rule->metric;
      o.statistic = u.rule->statistic.text;
      o.comparison = u.rule->direction == metrics::Direction::kAtMost ? "<=" : ">=";
      o.limit = u.rule->limits.at(sc.gate);
      o.tier = "none";
      o.note = u.why + " (no load was sent)";
      r.thresholds.push_back(std::move(o));
      std::cout << "perfgate: " << u.where() << '\n';
    }
    std::cout << std::flush;
    return r;
  }

  Measurement m;
  if (profile.kind == load::ExecutorKind::kCapacity) {
    m = search_capacity(s, sc, workload, profile, hooks);
  } else {
    m = measure(s, sc, workload, profile, sc.suite + "/" + sc.name);
    annotate(hooks, m);
  }
  metrics::RunResult r = std::move(m.result);
  if (!hooks.load_note.is_null()) r.context["adjusted"] = hooks.load_note;
  config::evaluate(sc, r);
  if (r.shard.count > 1) {
    // A shard's share of the load says nothing about a table's absolute figures (throughput,
    // counts, min_samples): its rules are shown, but the gate is the merged run's.
    r.passed = !r.interrupted;
    r.context["gate"] = "merged run";
  } else {
    compare_with_baseline(s, sc, r);
  }
  const std::string path = report::write_results(s.settings.results_dir, r);
  std::cout << report::console_summary(r) << "results: " << path << '\n' << std::flush;
  record_properties(r);
  return r;
}

namespace {

// `--shard i/N` or `--shard=i/N` on a suite program's command line stands for PERFGATE_SHARD
// (and wins over it); the argument is taken out before GoogleTest sees the rest.
void take_shard_flag(int& argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    std::string value;
    int used = 0;
    if (arg == "--shard" && i + 1 < argc) {
      value = argv[i + 1];
      used = 2;
    } else if (arg.starts_with("--shard=")) {
      value = std::string(arg.substr(8));
      used = 1;
    }
    if (used == 0) continue;
    ::setenv("PERFGATE_SHARD", value.c_str(), 1);  // read, and checked, with the other settings
    for (int j = i; j + used <= argc; ++j) argv[j] = argv[j + used];
    argc -= used;
    --i;
  }
}

}  // namespace

int suite_main(int argc, char** argv, const std::string& table_name,
               const std::vector<std::string>& required_targets, WorkloadCheck check) {
  take_shard_flag(argc, argv);
  ::testing::InitGoogleTest(&argc, argv);
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  ::testing::AddGlobalTestEnvironment(
      new SuiteEnvironment(table_name, required_targets, std::move(check)));
  const int status = RUN_ALL_TESTS();
  return stop_requested().load() && status == 0 ? 1 : status;
}

}  // namespace perfgate::gtest
