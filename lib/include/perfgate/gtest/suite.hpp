// perfgate/gtest/suite.hpp - What a suite program is made of.
//
// A suite is a GoogleTest program whose main() is PERFGATE_SUITE_MAIN: it loads the settings, the
// targets and the suite's threshold table once (failing before any load is sent if any is wrong),
// and stops runs cleanly on SIGINT/SIGTERM. Each test runs one scenario:
//
//   TEST_F(ConcurrentUsers, SustainedLoad) {
//     EXPECT_MEETS_THRESHOLDS(run("sustained_load", [&] {
//       return std::make_unique<http::FlowWorkload>(
//           url("http"), client_options("sustained_load", "http"), browsing_user());
//     }));
//   }
//
// run() takes the load from the table for the active profile and hands it to run::run_scenario
// (run/scenario.hpp), which runs and judges it. It takes a function that builds the workload, not
// a workload: when baseline targets are set (PERFGATE_BASELINE_TARGETS, PERFGATE_BASELINE_TARGET_
// <NAME>) for a target the suite requires, the scenario runs A/B (run/ab.hpp) and the function is
// called once per round, with target() and url() answering for that round's side (a name the
// baseline does not set is the candidate's: a database both builds share). The adapter writes
// `<results dir>/<suite>/<scenario>.json`, prints the summary and records the figures with
// RecordProperty (so `ctest --output-junit` carries them). A shard of many (`--shard i/N`, N > 1)
// shows its rules but passes unless interrupted: the gate is the merged run's (`perfgate merge`,
// then `perfgate check`), since a share of the load cannot meet a table's absolute figures.
// A load of executor "capacity" runs a capacity search (load/capacity.hpp) instead: steps at the
// rates the search picks, the result being the highest step that held, with the curve.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "perfgate/config/targets.hpp"
#include "perfgate/config/thresholds.hpp"
#include "perfgate/load/executor.hpp"
#include "perfgate/metrics/run_result.hpp"
#include "perfgate/net/http_connection.hpp"
#include "perfgate/net/url.hpp"

namespace perfgate::gtest {

// Settings, targets and the table of the running suite; loaded once by the environment.
struct SuiteContext {
  std::string table_name;  // "concurrent_users": thresholds/<table_name>.json
  std::vector<std::string> required_targets;
  config::Settings settings;
  config::Targets targets;
  config::ThresholdTable table;
  // The A/B baseline's targets (empty: no A/B run).
  config::Targets baseline_targets;
  // The first required target the baseline sets: scenarios run A/B when there is one.
  const config::Target* ab_target() const;
};

// The running suite's context. Valid inside tests.
const SuiteContext& suite();

// Set by SIGINT/SIGTERM: the scenario in progress stops, and the remaining ones are recorded as
// interrupted without sending load.
std::atomic<bool>& stop_requested();

// Checks one scenario's `workload` settings with the suite's driver (throws ConfigError or
// core::Error), and may check the targets: run for every scenario at start-up, so a bad workload
// or an unreachable target fails before any load is sent.
using WorkloadCheck = std::function<void(const config::ScenarioConfig&, const config::Targets&)>;

// Loads the SuiteContext before any test runs. When that fails (a bad table, an unreachable
// target), it says why once and every test fails with that reason in its own SetUp: a fatal
// failure in an Environment would show each test as SKIPPED and the XML's top-level count as 0
// failures, a green dashboard for a program that exits 1.
class SuiteEnvironment : public ::testing::Environment {
 public:
  SuiteEnvironment(std::string table_name, std::vector<std::string> required_targets,
                   WorkloadCheck check = {});
  void SetUp() override;

 private:
  std::string table_name_;
  std::vector<std::string> required_targets_;
  WorkloadCheck check_;
};

// Optional steps of a run that a suite may need.
struct RunHooks {
  // Changes the load before the run (e.g. a rate found by a probe); `load_note` is recorded in
  // the results' context under "adjusted".
  std::function<void(load::LoadProfile&)> adjust_load;
  nlohmann::json load_note;
  // Adds figures to the result before it is judged and written (e.g. where scaling stopped).
  std::function<void(metrics::RunResult&)> annotate;
};

// Builds a scenario's workload against the targets of the side being run.
using WorkloadFactory = std::function<std::unique_ptr<load::Workload>()>;

// Runs scenario `name` of the suite's table with the workloads `make` builds (see the file
// comment): A/B when the suite has baseline targets, except a capacity search, which runs on the
// candidate alone (its steps follow what it measures) and says so.
metrics::RunResult run_scenario(const std::string& name, const WorkloadFactory& make,
                                const RunHooks& hooks = {});

// The target called `name` of the side whose workload is being built: the baseline's inside an
// A/B baseline round's factory call (when the baseline sets that name), else the candidate's.
const config::Target& side_target(const std::string& name);

// The base of every suite's tests.
class SuiteTest : public ::testing::Test {
 protected:
  // Fails the test when the suite could not start (see SuiteEnvironment).
  void SetUp() override;
  // The target called `name`, of the side being built (see side_target).
  const config::Target& target(const std::string& name) const { return side_target(name); }
  // The target's URL, parsed.
  net::Url url(const std::string& name) const { return net::Url::parse(target(name).url); }
  // HTTP client options for a scenario: its timeouts from the table, TLS checks from the target.
  net::ClientOptions client_options(const std::string& scenario,
                                    const std::string& target_name) const;
  const config::ScenarioConfig& scenario(const std::string& name) const {
    return suite().table.scenario(name);
  }
  // `make` returns a std::unique_ptr to a load::Workload (or a type derived from it).
  template <class Make>
  metrics::RunResult run(const std::string& name, Make&& make, const RunHooks& hooks = {}) {
    return run_scenario(
        name, WorkloadFactory([&make]() -> std::unique_ptr<load::Workload> { return make(); }),
        hooks);
  }
};

// main() of a suite program: GoogleTest set-up, the SuiteEnvironment and signal handling.
// `--shard i/N` runs share i of N of every scenario (as PERFGATE_SHARD=i/N does).
int suite_main(int argc, char** argv, const std::string& table_name,
               const std::vector<std::string>& required_targets, WorkloadCheck check = {});

}  // namespace perfgate::gtest

#define PERFGATE_SUITE_MAIN(table_name, ...)                                     \
  int main(int argc, char** argv) {                                              \
    return ::perfgate::gtest::suite_main(argc, argv, table_name, {__VA_ARGS__}); \
  }

// The same, with a check of every scenario's workload settings before any test runs.
#define PERFGATE_SUITE_MAIN_CHECKED(table_name, check, ...)                             \
  int main(int argc, char** argv) {                                                     \
    return ::perfgate::gtest::suite_main(argc, argv, table_name, {__VA_ARGS__}, check); \
  }
