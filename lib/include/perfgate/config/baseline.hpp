// perfgate/config/baseline.hpp - Judging a run by its change from a stored baseline run.
//
// A team keeps the results of a run on `main` and gates on relative change as well as on absolute
// limits. The same comparison serves `perfgate compare BASELINE CURRENT` and a table's `baseline`
// rule (`{"file": "...", "max_regression": "10%"}`), which applies to every statistic the table's
// rules name.
//
// A change is "worse" in the metric's direction: up for latencies and error rates, down for
// throughput and sessions held. It is a regression when worse by more than `max_regression`
// (relative to the baseline figure) and both figures rest on at least `min_samples` samples. A
// baseline figure of 0 has no relative change: it is shown, never flagged (the absolute limits
// judge it).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "perfgate/config/thresholds.hpp"
#include "perfgate/metrics/run_result.hpp"

namespace perfgate::config {

// One statistic of one metric to compare: "latency" "p(95)".
struct ComparedStatistic {
  std::string metric;  // a key; "{tag:*}" expands to every matching key of the current run
  Statistic statistic;
};

struct Change {
  std::string metric;
  std::string statistic;
  metrics::Direction direction = metrics::Direction::kAtMost;
  std::optional<double> baseline;  // canonical units
  std::optional<double> current;
  std::uint64_t baseline_samples = 0;
  std::uint64_t current_samples = 0;
  std::optional<double> change;  // (current - baseline) / baseline; absent when not comparable
  bool regressed = false;
  std::string note;  // why not compared ("no samples", "baseline is 0", ...)
};

// The statistics the table's rules name (count rules excepted).
std::vector<ComparedStatistic> rule_statistics(const ScenarioConfig& scenario);
// p(50), p(95) and p(99) of every histogram and the value of every rate in `run`.
std::vector<ComparedStatistic> default_statistics(const metrics::RunResult& run);

// Why `current` cannot be compared with `baseline`, or nullopt when it can: both must be runs
// of one suite and scenario under one profile (a `ci` run against a `nightly` baseline differs
// by its load, not by the code, and would show false regressions).
std::optional<std::string> incomparable(const metrics::RunResult& baseline,
                                        const metrics::RunResult& current);

std::vector<Change> compare_runs(const metrics::RunResult& baseline,
                                 const metrics::RunResult& current,
                                 const std::vector<ComparedStatistic>& statistics,
                                 double max_regression, std::uint64_t min_samples);

// Adds one threshold outcome per change to `current` (tier "baseline", limit the baseline figure
// moved by max_regression) and fails the run when any change regressed. `baseline_file` is
// recorded in the run's context.
void apply_baseline(const std::vector<Change>& changes, double max_regression,
                    const std::string& baseline_file, metrics::RunResult& current);

}  // namespace perfgate::config
