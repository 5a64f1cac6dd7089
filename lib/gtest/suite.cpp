// suite.cpp - Suite environment, scenario runner and suite main().
#include "perfgate/gtest/suite.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string_view>
#include <thread>

#include "perfgate/metrics/catalog.hpp"
#include "perfgate/net/reachability.hpp"
#include "perfgate/report/console.hpp"
#include "perfgate/report/progress.hpp"
#include "perfgate/report/results_file.hpp"
#include "perfgate/run/ab.hpp"
#include "perfgate/run/scenario.hpp"

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

// The side whose workload is being built: the baseline only inside an A/B baseline round's
// factory call (see side_target).
run::Side& building_side() {
  static run::Side side = run::Side::kCandidate;
  return side;
}

// Sets the side being built for the life of a factory call.
class BuildingSide {
 public:
  explicit BuildingSide(run::Side side) : previous_(building_side()) { building_side() = side; }
  ~BuildingSide() { building_side() = previous_; }
  BuildingSide(const BuildingSide&) = delete;
  BuildingSide& operator=(const BuildingSide&) = delete;

 private:
  run::Side previous_;
};

extern "C" void on_stop_signal(int signal) {
  stop_requested().store(true);
  std::signal(signal, SIG_DFL);  // a second signal ends the program the usual way
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
  return {{"targets", s.targets.redacted_json()},
          {"thresholds_file", sc.file},
          {"machine", {{"hostname", host}, {"cores", std::thread::hardware_concurrency()}}},
          {"source_revision", PERFGATE_SOURCE_REVISION}};
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

}  // namespace

std::atomic<bool>& stop_requested() {
  static std::atomic<bool> flag{false};
  return flag;
}

const config::Target* SuiteContext::ab_target() const {
  for (const std::string& name : required_targets) {
    if (const config::Target* t = baseline_targets.find(name)) return t;
  }
  return nullptr;
}

const config::Target& side_target(const std::string& name) {
  const SuiteContext& s = suite();
  if (building_side() == run::Side::kBaseline) {
    if (const config::Target* t = s.baseline_targets.find(name)) return *t;
  }
  return s.targets.require(name);
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
    c.baseline_targets = config::Targets::baseline_from_environment();
    for (const std::string& name : required_targets_) {
      if (const config::Target* t = c.baseline_targets.find(name)) check_target(*t);
    }
    if (check_) {
      for (const auto& [name, scenario] : c.table.scenarios) check_(scenario, c.targets);
    }
    report::ensure_writable_dir(c.settings.results_dir);
    std::cout << fmt::format("perfgate: suite {} profile {} thresholds {} results {}\n",
                             c.table.suite, c.settings.profile, table_path, c.settings.results_dir);
    for (const std::string& name : required_targets_) {
      std::cout << fmt::format("perfgate: target {} = {}\n", name,
                               c.targets.require(name).redacted());
      if (const config::Target* t = c.baseline_targets.find(name))
        std::cout << fmt::format("perfgate: baseline target {} = {} (scenarios run A/B)\n", name,
                                 t->redacted());
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

metrics::RunResult run_scenario(const std::string& name, const WorkloadFactory& make,
                                const RunHooks& hooks) {
  const SuiteContext& s = suite();
  run::ScenarioRun how;
  how.scenario = &s.table.scenario(name);
  how.load = how.scenario->load;
  how.load->shard = s.settings.shard;
  if (hooks.adjust_load) hooks.adjust_load(*how.load);
  how.load_note = hooks.load_note;
  how.annotate = hooks.annotate;
  how.context = run_context(s, *how.scenario);
  how.baseline_path = s.settings.baseline;
  how.measure.label = how.scenario->suite + "/" + how.scenario->name;
  how.measure.out = &std::cout;
  how.measure.terminal = report::ProgressLine::stdout_is_terminal();
  how.measure.stop = &stop_requested();
  if (!s.required_targets.empty()) {
    if (const config::Target* t = s.targets.find(s.required_targets.front()))
      how.measure.target_pid = t->pid;
  }
  run::ScenarioOutcome outcome;
  const config::Target* ab = s.ab_target();
  if (ab && how.load->kind == load::ExecutorKind::kCapacity) {
    std::cout << "perfgate: a capacity search runs on the candidate alone, not A/B\n";
    ab = nullptr;
  }
  if (ab) {
    run::AbSides sides;
    sides.make = [&make](run::Side side) {
      const BuildingSide building(side);
      return make();
    };
    sides.baseline_target = ab->redacted();
    sides.baseline_pid = ab->pid;
    how.context["baseline_targets"] = s.baseline_targets.redacted_json();
    outcome = run::run_ab_scenario(sides, how);
  } else {
    const std::unique_ptr<load::Workload> workload = make();
    outcome = run::run_scenario(*workload, how);
  }
  metrics::RunResult& r = outcome.result;
  if (outcome.refused) return r;  // no load was sent: nothing to keep
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
