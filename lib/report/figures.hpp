// figures.hpp - Turning recorded integers into the figures reports print (internal to report).
#pragma once

#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>

#include "perfgate/metrics/catalog.hpp"
#include "perfgate/metrics/histogram.hpp"
#include "perfgate/metrics/run_result.hpp"

namespace perfgate::report {

// Canonical units (see core::Unit) per recorded integer of metric `key` (1 for unknown keys).
inline double scale_of(std::string_view key) {
  const metrics::MetricInfo* info = metrics::find_metric(key);
  return info ? info->scale : 1.0;
}

inline core::Unit unit_of(std::string_view key) {
  const metrics::MetricInfo* info = metrics::find_metric(key);
  return info ? info->unit : core::Unit::kCount;
}

// A canonical value of metric `key`, for people: "12.3ms", "0.50%", "250.0/s".
inline std::string value_text(double canonical, std::string_view key) {
  return core::format_quantity(canonical, unit_of(key));
}

// Percentile `p` of a histogram of `key`, in canonical units.
inline double percentile_of(const metrics::Histogram& h, std::string_view key, double p) {
  return static_cast<double>(h.percentile(p)) * scale_of(key);
}

// Unix milliseconds as "2026-11-23T10:04:05Z".
inline std::string utc_text(std::int64_t unix_ms) {
  const std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// How many shards a merged run was made from (metrics::merge_shards), 0 for any other run.
inline int merged_shards(const metrics::RunResult& r) {
  const auto it = r.context.find("merged_shards");
  return it != r.context.end() && it->is_number_integer() ? it->get<int>() : 0;
}

// Where a run came from, for people: "one process", "merged from 4 shards", "shard 2 of 4".
inline std::string origin_text(const metrics::RunResult& r) {
  if (r.shard.count > 1)
    return "shard " + std::to_string(r.shard.index) + " of " + std::to_string(r.shard.count);
  if (const int n = merged_shards(r); n > 1) return "merged from " + std::to_string(n) + " shards";
  return "one process";
}

}  // namespace perfgate::report
