// figures.hpp - Turning recorded integers into the figures reports print (internal to report).
#pragma once

#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

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

// The figures an A/B run's two sides are shown by: one row per side (metrics::AbRun).
struct AbSideRow {
  std::string side;  // "baseline (A)", "candidate (B)"
  std::uint64_t operations = 0;
  std::string p50, p95, p99;  // latency, "-" without samples
  std::string throughput;     // "-" when the run has none
  std::string error_rate;
};

// The rows of an A/B run, baseline first; empty for any other run.
inline std::vector<AbSideRow> ab_side_rows(const metrics::RunResult& r) {
  if (!r.ab || !r.ab->baseline) return {};
  const auto row = [](const std::string& side, const metrics::RunResult& run) {
    AbSideRow out;
    out.side = side;
    out.operations = run.attempted;
    const auto h = run.histograms.find("latency");
    const auto p = [&](double q) {
      return h != run.histograms.end() && h->second.count() > 0
                 ? value_text(percentile_of(h->second, "latency", q), "latency")
                 : std::string("-");
    };
    out.p50 = p(50);
    out.p95 = p(95);
    out.p99 = p(99);
    const auto rate = [&run](const char* key) {
      const auto it = run.rates.find(key);
      return it != run.rates.end() ? value_text(it->second.value(), key) : std::string("-");
    };
    out.throughput = rate("throughput");
    out.error_rate = rate("error_rate");
    return out;
  };
  return {row("baseline (A)", *r.ab->baseline), row("candidate (B)", r)};
}

// "A/B: 8 rounds of 5.0 s (ABBAABBA) against http://...": how an A/B run was made.
inline std::string ab_text(const metrics::RunResult& r) {
  if (!r.ab) return "";
  return "A/B: " + std::to_string(r.ab->order.size()) + " rounds of " +
         core::format_quantity(r.ab->round_s * 1e9, core::Unit::kDuration) + " (" + r.ab->order +
         ") against baseline " + r.ab->baseline_target;
}

}  // namespace perfgate::report
