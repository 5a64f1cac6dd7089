// figures.hpp - Turning recorded integers into the figures reports print (internal to report).
#pragma once

#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>

#include "perfgate/metrics/catalog.hpp"
#include "perfgate/metrics/histogram.hpp"

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

}  // namespace perfgate::report
