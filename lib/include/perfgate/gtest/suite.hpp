// perfgate/gtest/suite.hpp - What a suite program is made of.
//
// A suite is a GoogleTest program whose main() is PERFGATE_SUITE_MAIN: it loads the settings, the
// targets and the suite's threshold table once (failing before any load is sent if any is wrong),
// and stops runs cleanly on SIGINT/SIGTERM. Each test runs one scenario:
//
//   TEST_F(ConcurrentUsers, SustainedLoad) {
//     http::FlowWorkload workload(url("http"), client_options("sustained_load", "http"),
//                                 browsing_user());
//     EXPECT_MEETS_THRESHOLDS(run("sustained_load", workload));
//   }
//
// run() takes the load from the table for the active profile and hands it to run::run_scenario
// (run/scenario.hpp), which runs and judges it; the adapter writes
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

// Runs scenario `name` of the suite's table with `workload` (see the file comment).
metrics::RunResult run_scenario(const std::string& name, load::Workload& workload,
                                const RunHooks& hooks = {});

// The base of every suite's tests.
class SuiteTest : public ::testing::Test {
 protected:
  // Fails the test when the suite could not start (see SuiteEnvironment).
  void SetUp() override;
  const config::Target& target(const std::string& name) const {
    return suite().targets.require(name);
  }
  // The target's URL, parsed.
  net::Url url(const std::string& name) const { return net::Url::parse(target(name).url); }
  // HTTP client options for a scenario: its timeouts from the table, TLS checks from the target.
  net::ClientOptions client_options(const std::string& scenario,
                                    const std::string& target_name) const;
  const config::ScenarioConfig& scenario(const std::string& name) const {
    return suite().table.scenario(name);
  }
  metrics::RunResult run(const std::string& name, load::Workload& workload,
                         const RunHooks& hooks = {}) {
    return run_scenario(name, workload, hooks);
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
