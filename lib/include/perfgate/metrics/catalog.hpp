// perfgate/metrics/catalog.hpp - The metric names perfgate knows: the contract shared by drivers,
// threshold tables, results files and reports.
//
// A metric key is a base name from this catalogue, optionally followed by tags in k6 style:
// `latency`, `latency{behaviour:read_profile}`, `latency{stage:2}`. The base name fixes the kind,
// the unit and the direction of comparison, so a table cannot get "at most" and "at least"
// backwards.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "perfgate/core/units.hpp"

namespace perfgate::metrics {

enum class MetricKind {
  kHistogram,  // one sample per event; statistics p(N), avg, min, max, count
  kRate,       // numerator / denominator over the run; statistics rate, count
};

enum class Direction {
  kAtMost,   // lower is better: latencies, error rates, resource use
  kAtLeast,  // higher is better: throughput, sessions held
};

// How shards' figures of a metric become one run's (metrics/merge.hpp).
enum class Merge {
  kSamples,     // histograms merge exactly; rates add events (per-second rates share the clock)
  kSumOfPeaks,  // a level held at once in every shard (sessions_held): the sum of their maxima
  kRebuilt,     // rebuilt from a driver's context section by that driver's ContextMerge
                // (broadcast_fanout: from each broadcast's latest receipt in any shard)
};

struct MetricInfo {
  std::string_view name;
  MetricKind kind;
  core::Unit unit;
  Direction direction;
  // Canonical units (see core::Unit) per recorded integer: 1 for nanoseconds and bytes, 1e-6 for
  // percentages recorded in parts per million, 1e-3 for rates recorded in thousandths.
  double scale;
  std::string_view definition;
  Merge merge = Merge::kSamples;
};

// Every metric perfgate records.
std::span<const MetricInfo> metric_catalog();

// The catalogue entry for a key's base name ("latency{stage:1}" -> latency); nullptr if unknown.
const MetricInfo* find_metric(std::string_view key);

// A count a run reports in RunResult::counters, declared by a driver with MetricSet::counter:
// what it counts, exactly, and the count it is a part of, as h2load defines its request counts
// (succeeded and failed are parts of done). `part_of` names another counter, or one of the run's
// own counts ("attempted", "completed", "failed"); "" when it is part of none. Counters add up
// over threads and shards.
struct CounterInfo {
  std::string_view name;
  std::string_view definition;
  std::string_view part_of;
};

// Every counter a driver or the executor declares.
std::span<const CounterInfo> counter_catalog();

// The catalogue entry for a counter key's base name ("failed{behaviour:login}" -> failed);
// nullptr if unknown.
const CounterInfo* find_counter(std::string_view key);

// The base name of a key: the text before '{'.
std::string_view base_name(std::string_view key);

// Builds a tagged key: tagged("latency", "stage", "2") == "latency{stage:2}".
std::string tagged(std::string_view name, std::string_view tag, std::string_view value);

}  // namespace perfgate::metrics
