// perfgate/metrics/run_result.hpp - Everything one scenario run measured, and its results file.
//
// A RunResult holds the histograms themselves (not just their percentiles), so results from shards
// or repeated runs merge exactly. Its JSON form is the versioned results file of DESIGN.md:
// `<results dir>/<suite>/<scenario>.json`.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "perfgate/metrics/histogram.hpp"
#include "perfgate/metrics/recorder.hpp"

namespace perfgate::metrics {

inline constexpr int kResultsSchemaVersion = 1;

// A rate metric: numerator / denominator (failed / attempted; completed / steady seconds).
struct RateFigure {
  double numerator = 0;
  double denominator = 0;
  // The samples the figure rests on (attempted operations, probes, ...).
  std::uint64_t samples = 0;
  double value() const { return denominator > 0 ? numerator / denominator : 0.0; }
};

// The verdict on one rule of a threshold table.
struct ThresholdOutcome {
  std::string metric;              // the key, e.g. "latency{stage:2}"
  std::string statistic;           // "p(95)", "avg", "rate", ...
  std::string comparison;          // "<=" or ">="
  double limit = 0;                // gating tier's limit, canonical units of the metric
  std::optional<double> measured;  // absent when the metric has no samples
  std::uint64_t samples = 0;
  bool passed = false;
  std::string tier;               // best tier met ("excellent", "good", "acceptable") or "none"
  std::string note;               // why it failed when not a plain miss ("no samples", ...)
  std::uint64_t min_samples = 0;  // fewer samples than this and the rule fails, whatever its value
};

// One step of a capacity search (load/capacity.hpp): the rate offered and what it measured.
struct CapacityStep {
  double rate = 0;            // offered arrivals per second
  bool held = false;          // every gating rule held at this rate
  std::uint64_t samples = 0;  // latency samples of the step
  double throughput = 0;      // completed operations per second
  double error_rate = 0;      // failed / attempted
  std::int64_t p50_ns = 0;    // latency percentiles of the step
  std::int64_t p95_ns = 0;
  std::int64_t p99_ns = 0;
  std::vector<std::string> broken;  // the rules that failed, e.g. "latency p(95)"
};

// A capacity search's answer and its curve of latency against offered rate.
struct CapacityCurve {
  std::optional<double> highest_held;   // the capacity: every threshold held at this rate
  std::optional<double> lowest_broken;  // some threshold broke at this rate
  std::string ended_by;                 // "precision reached", "max_rate held", ...
  double precision = 0;
  double search_s = 0;              // the whole search, steps and cooldowns
  std::vector<CapacityStep> steps;  // in the order run
};

struct RunResult;

// The baseline side of an A/B run (run/ab.hpp). The run that holds it is the candidate side: its
// rounds alternated with these against the baseline target, in `order`, and each side's rounds
// are merged into one result (seconds placed end to end).
struct AbRun {
  std::string baseline_target;  // where the baseline side ran (redacted)
  std::string order;            // rounds as run, "ABBAABBA": A the baseline, B the candidate
  double round_s = 0;           // each round's planned length
  std::shared_ptr<const RunResult> baseline;  // the baseline side's rounds merged; not judged
};

struct ShardInfo {
  int index = 0;
  int count = 1;
};

// What one entry of RunResult::intervals (and of `series`) covers.
enum class IntervalUnit {
  kSecond,      // a second of a load run
  kRepetition,  // a repetition of a Google Benchmark benchmark (A/B: one round)
};

struct RunResult {
  std::string suite;
  std::string scenario;
  std::string profile;
  ShardInfo shard;
  std::int64_t started_at_ms = 0;  // Unix milliseconds
  std::int64_t ended_at_ms = 0;
  double duration_s = 0;  // measured from the first intended start to the last finish
  bool interrupted = false;
  bool passed = false;
  // False when no table judged the run (a merge without --thresholds): `passed` is then false
  // and means nothing; `perfgate check` judges it.
  bool judged = true;
  std::uint64_t min_samples = 0;

  std::uint64_t attempted = 0;  // operations started or dropped
  std::uint64_t completed = 0;  // operations finished without error
  // Operations the harness cut at the end (graceful stop ran out, or a stop was asked for): not
  // in attempted, failed or error_rate, since the target did not fail them.
  std::uint64_t interrupted_operations = 0;
  std::uint64_t failed = 0;  // operations that failed; the sum of `errors`

  std::map<std::string, Histogram> histograms;  // by metric key
  std::map<std::string, RateFigure> rates;      // by metric key
  std::map<std::string, std::uint64_t> errors;  // by error kind
  std::map<std::string, std::uint64_t> counters;
  std::vector<SeriesPoint> series;  // per second
  // Every histogram's samples per second, by metric key (what a comparison's confidence interval
  // rests on); absent in files written before they were kept.
  std::map<std::string, std::vector<IntervalHistogram>> intervals;
  // Seconds for a load run; repetitions for a benchmark run (IntervalHistogram::second is then
  // the repetition's index).
  IntervalUnit interval_unit = IntervalUnit::kSecond;
  // When the run is rounds merged (an A/B side): the second each round starts at, ascending, so a
  // comparison can pair round k with the other side's round k (a round shorter than a second
  // starts where the next does, and holds none). Empty for one continuous run.
  std::vector<std::int64_t> round_starts;
  std::vector<ThresholdOutcome> thresholds;
  // A capacity search's curve; its figures (histograms, rates) are those of the highest rate
  // that held, and rates["capacity"] is that rate.
  std::optional<CapacityCurve> capacity;
  // Set when this run is the candidate side of an A/B run.
  std::optional<AbRun> ab;
  std::string best_tier;                              // lowest tier every rule met, or "none"
  nlohmann::json context = nlohmann::json::object();  // profile, load, targets (redacted), machine

  // The samples behind the run: the count of `latency`, or attempted operations if absent.
  std::uint64_t samples() const;

  nlohmann::json to_json() const;
  // Reads a results file's JSON. Throws std::invalid_argument naming what is wrong (including an
  // unsupported schema_version).
  static RunResult from_json(const nlohmann::json& j);
};

// True when second `second` of `run` (counted from its start, as `intervals` and `series` count)
// lies wholly inside the run: a full second's figures, not the part-second a run ends in, whose
// few samples would read as a collapse of throughput or a shift of latency.
// A repetition is always whole.
inline bool whole_second(const RunResult& run, std::int64_t second) {
  if (run.interval_unit == IntervalUnit::kRepetition) return true;
  return static_cast<double>(second + 1) <= run.duration_s + 1e-6;
}

// Builds a RunResult from merged recorders: histograms and counters by name, errors by kind,
// `error_rate`, `throughput` (completed in steady windows / `steady_seconds`), every declared
// steady rate (over `steady_seconds`, or its stage's entry of `stage_steady_seconds`; a stage
// without steady time has none) and every declared share (derive_shares).
RunResult collect(const MetricSet& set, const Recorder& merged, double steady_seconds,
                  const std::vector<double>& stage_steady_seconds = {});

// (Re)computes `set`'s declared shares from `run.counters`: after a workload added counters to a
// collected run, its shares count them.
void derive_shares(const MetricSet& set, RunResult& run);

}  // namespace perfgate::metrics
