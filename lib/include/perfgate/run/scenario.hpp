// perfgate/run/scenario.hpp - A scenario of a threshold table, run and judged.
//
// run_scenario() is what a suite's test does, without GoogleTest: it checks that every rule can
// match something (before any load), measures the workload under the scenario's load (or runs a
// capacity search, run/capacity_search.hpp), lets the caller add its own figures, evaluates the
// rules, applies the shard gate and compares with the baseline run. The caller writes and
// prints the result (report/results_file.hpp, report/console.hpp): gtest/suite.hpp does both.
//
//   run::ScenarioRun how{.scenario = &table.scenario("sustained_load")};
//   how.load.shard = settings.shard;
//   how.measure.label = "users/sustained_load";
//   metrics::RunResult r = run::run_scenario(workload, how).result;
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "perfgate/config/thresholds.hpp"
#include "perfgate/load/executor.hpp"
#include "perfgate/metrics/run_result.hpp"
#include "perfgate/run/measure.hpp"

namespace perfgate::run {

struct ScenarioRun {
  const config::ScenarioConfig* scenario = nullptr;
  // The load to run: the scenario's (`scenario->load`, taken when this is left empty), with the
  // shard and any adjustment (a rate found by a probe) applied by the caller.
  std::optional<load::LoadProfile> load;
  // Recorded as the results' context (targets, machine, revision); `load`, `setup`, `adjusted`,
  // `baseline` and `gate` are added to it.
  nlohmann::json context = nlohmann::json::object();
  // Recorded in the context under "adjusted" when not null: why the load differs from the table.
  nlohmann::json load_note;
  // A stored run to compare with, overriding the table's `baseline` rule's file
  // (PERFGATE_BASELINE); with neither, nothing is compared.
  std::optional<std::string> baseline_path;
  // The caller's own figures, added to a measured result before it is judged (e.g. where
  // scaling stopped); the shares are derived again after it.
  std::function<void(metrics::RunResult&)> annotate;
  // The progress line, the stop flag and the sampled process. recovery_limit_ns is set from
  // the scenario's rules.
  MeasureOptions measure;
};

struct ScenarioOutcome {
  metrics::RunResult result{};  // measured and judged
  // True when the scenario was refused before any load was sent (a rule whose selector matches
  // nothing: one failed outcome per such rule): there is no run to keep.
  bool refused = false;
};

// Runs and judges `how.scenario` with `workload` (see the file comment). Throws
// config::ConfigError for a table that asks for what cannot be computed (recovery_time without
// a p(95) latency rule), core::Error for a capacity search run as a shard.
ScenarioOutcome run_scenario(load::Workload& workload, const ScenarioRun& how);

// Sets the run's suite, scenario and profile from the scenario's.
void name_run(const config::ScenarioConfig& scenario, metrics::RunResult& r);

// The tags `workload` declares under `load`: its tag key's values, and the stages of a plan of
// several (what config::unmatched_selectors checks the rules against).
config::DeclaredTags declared_tags(const load::Workload& workload, const load::LoadProfile& load);

// The table's `baseline` rule (or `path_override`): judges `r`'s change from the stored run and
// adds the outcomes to `r`. The path is a results file or folder; a folder may hold several
// runs, one folder each (DIR/<run>/<suite>/<scenario>.json: main's last runs), and with three or
// more each change is judged against their spread (config::compare_runs). With no stored run yet
// (the first run on a branch) it says so in `r.context["baseline"]` and judges nothing; a stored
// run of another profile or scenario is a failed rule, not a silent pass. Returns a line for the
// user, or "" when nothing was compared.
std::string compare_with_baseline(const config::ScenarioConfig& scenario,
                                  const std::optional<std::string>& path_override,
                                  metrics::RunResult& r);

}  // namespace perfgate::run
