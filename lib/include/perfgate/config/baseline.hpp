// perfgate/config/baseline.hpp - Judging a run by its change from a stored baseline run.
//
// A team keeps the results of a run on `main` and gates on relative change as well as on absolute
// limits. The same comparison serves `perfgate compare BASELINE CURRENT` and a table's `baseline`
// rule (`{"file": "...", "max_regression": "10%"}`), which applies to every statistic the table's
// rules name.
//
// A change is "worse" in the metric's direction: up for latencies and error rates, down for
// throughput and sessions held. Where both runs keep per-second data for the statistic (every
// histogram's percentiles and mean, throughput, error_rate), the change gets a confidence interval
// from a bootstrap over seconds (stats/change.hpp) and a verdict (stats/verdict.hpp): regressed
// only when worse by more than `max_regression` *and* surely not noise. Other statistics are judged
// on their two figures (regressed when worse by more than `max_regression`), and say so. Either
// way both figures must rest on at least `min_samples` samples. A baseline figure of 0 has no
// relative change: it is shown, never flagged (the absolute limits judge it).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "perfgate/config/thresholds.hpp"
#include "perfgate/metrics/run_result.hpp"
#include "perfgate/stats/change.hpp"
#include "perfgate/stats/verdict.hpp"

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
  // (current - baseline) / baseline; absent when not comparable. For the two sides of an A/B
  // run, the paired rounds' Hodges-Lehmann estimate (stats::ChangeInterval::estimate): the
  // typical round's change, which can differ from the merged figures' ratio.
  std::optional<double> change;
  // The change's confidence interval, when both runs keep per-second data for the statistic.
  std::optional<stats::ChangeInterval> interval;
  // Judged: from the interval when there is one, else from the two figures alone.
  stats::Verdict verdict = stats::Verdict::kInconclusive;
  std::optional<double> longer_by;  // inconclusive: how much more data would decide...
  // ...and of what: longer runs (seconds), more rounds (A/B), more repetitions (benchmarks).
  enum class More { kLength, kRounds, kRepetitions };
  More decided_by = More::kLength;
  bool regressed = false;  // verdict == kRegressed
  bool judged = false;     // a verdict was reached (enough samples, a baseline not 0)
  std::string note;        // why not compared ("no samples", "baseline is 0", ...)
};

// The statistics the table's rules name (count rules excepted).
std::vector<ComparedStatistic> rule_statistics(const ScenarioConfig& scenario);
// p(50), p(95) and p(99) of every histogram (p(50) alone for a benchmark run, whose
// repetitions are compared as units: one shift for every percentile) and every rate in `run`.
std::vector<ComparedStatistic> default_statistics(const metrics::RunResult& run);

// Why `current` cannot be compared with `baseline`, or nullopt when it can: both must be runs
// of one suite and scenario under one profile (a `ci` run against a `nightly` baseline differs
// by its load, not by the code, and would show false regressions).
std::optional<std::string> incomparable(const metrics::RunResult& baseline,
                                        const metrics::RunResult& current);

// The per-second data of `key`'s statistic in `run`, for a bootstrap; nullopt when the run keeps
// none for it. The statistic reads `run`, which must outlive it.
std::optional<stats::RunIntervals> interval_data(const Statistic& statistic, const std::string& key,
                                                 const metrics::RunResult& run);

std::vector<Change> compare_runs(const metrics::RunResult& baseline,
                                 const metrics::RunResult& current,
                                 const std::vector<ComparedStatistic>& statistics,
                                 double max_regression, std::uint64_t min_samples,
                                 const stats::BootstrapOptions& bootstrap = {});

// Against several runs of the baseline (main's last runs): with three or more, each change is
// from their geometric mean and its interval is the run-to-run noise measured across them
// (stats::change_from_history), which the seconds of one run cannot show; with fewer, as
// above against the last of them.
std::vector<Change> compare_runs(const std::vector<const metrics::RunResult*>& baselines,
                                 const metrics::RunResult& current,
                                 const std::vector<ComparedStatistic>& statistics,
                                 double max_regression, std::uint64_t min_samples,
                                 const stats::BootstrapOptions& bootstrap = {});

// "+12.3% [+5.1%, +19.0%] at 99%": the change and, when there is one, its interval.
std::string describe_change(const Change& c);
// "regressed", "inconclusive: runs ~4x as long would decide" ("~4x as many rounds" in A/B,
// "repetitions" for benchmarks), or why it was not judged; with
// the note ("no per-second data: judged on the figures alone") when there is one.
std::string describe_verdict(const Change& c);

// Adds one threshold outcome per change to `current` (tier "baseline", limit the baseline figure
// moved by max_regression) and fails the run when any change regressed. `baseline_file` is
// recorded in the run's context.
void apply_baseline(const std::vector<Change>& changes, double max_regression,
                    const std::string& baseline_file, metrics::RunResult& current);

}  // namespace perfgate::config
