// csv.cpp - Locust-style CSV files.
#include "perfgate/report/csv.hpp"

#include <fmt/format.h>

#include <filesystem>

#include "figures.hpp"
#include "perfgate/report/results_file.hpp"

namespace perfgate::report {
namespace {

constexpr double kPercentiles[] = {50, 66, 75, 80, 90, 95, 98, 99, 99.9, 99.99, 100};
constexpr const char* kPercentileColumns = "50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%";

// A field quoted as CSV needs it (names may hold commas and quotes: "latency{behaviour:a,b}").
std::string field(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string out = "\"";
  for (const char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string ms(double ns) { return fmt::format("{:.3f}", ns / 1e6); }

// The percentile columns of a duration histogram recorded in nanoseconds (N/A when empty, as
// Locust writes).
std::string percentile_fields(const metrics::Histogram& h, double scale) {
  std::string out;
  for (const double p : kPercentiles) {
    if (!out.empty()) out += ',';
    out += h.count() ? ms(static_cast<double>(h.percentile(p)) * scale) : "N/A";
  }
  return out;
}

std::string name_of(const metrics::RunResult& r) {
  std::string name = r.suite + "/" + r.scenario;
  if (r.shard.count > 1) name += fmt::format("#shard{}of{}", r.shard.index, r.shard.count);
  return name;
}

std::uint64_t peak_sessions(const metrics::RunResult& r) {
  const auto it = r.histograms.find("sessions_held");
  return it == r.histograms.end() ? 0 : static_cast<std::uint64_t>(it->second.max());
}

}  // namespace

std::string stats_csv(const std::vector<metrics::RunResult>& runs) {
  std::string out = fmt::format(
      "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,"
      "Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,{}\n",
      kPercentileColumns);
  metrics::Histogram all;
  std::uint64_t all_attempted = 0, all_failed = 0;
  double all_seconds = 0;
  const auto row = [&](const std::string& type, const std::string& name,
                       const metrics::Histogram& h, double scale, std::uint64_t requests,
                       std::uint64_t failures, double per_s, double seconds) {
    fmt::format_to(
        std::back_inserter(out), "{},{},{},{},{},{},{},{},0,{:.3f},{:.3f},{}\n", field(type),
        field(name), requests, failures,
        h.count() ? ms(static_cast<double>(h.percentile(50)) * scale) : "0", ms(h.mean() * scale),
        ms(static_cast<double>(h.min()) * scale), ms(static_cast<double>(h.max()) * scale), per_s,
        seconds > 0 ? static_cast<double>(failures) / seconds : 0.0, percentile_fields(h, scale));
  };
  for (const metrics::RunResult& r : runs) {
    for (const auto& [key, h] : r.histograms) {
      if (unit_of(key) != core::Unit::kDuration) continue;
      const double seconds = r.duration_s;
      if (key == "latency") {
        const auto tp = r.rates.find("throughput");
        row(key, name_of(r), h, scale_of(key), r.attempted, r.failed,
            tp != r.rates.end() ? tp->second.value() : 0.0, seconds);
        all.merge(h);
        all_attempted += r.attempted;
        all_failed += r.failed;
        all_seconds += seconds;
      } else {
        // A behaviour's failures (executor counter failed{behaviour:x}) beside its successes.
        std::uint64_t failures = 0;
        if (metrics::base_name(key) == "latency") {
          const auto f = r.counters.find("failed" + key.substr(std::string_view("latency").size()));
          if (f != r.counters.end()) failures = f->second;
        }
        row(key, name_of(r), h, scale_of(key), h.count() + failures, failures,
            seconds > 0 ? static_cast<double>(h.count()) / seconds : 0.0, seconds);
      }
    }
  }
  row("", "Aggregated", all, scale_of("latency"), all_attempted, all_failed,
      all_seconds > 0 ? static_cast<double>(all.count()) / all_seconds : 0.0, all_seconds);
  return out;
}

std::string stats_history_csv(const std::vector<metrics::RunResult>& runs) {
  std::string out = fmt::format(
      "Timestamp,User Count,Type,Name,Requests/s,Failures/s,{},Total Request Count,"
      "Total Failure Count,Total Median Response Time,Total Average Response Time,"
      "Total Min Response Time,Total Max Response Time,Total Average Content Size\n",
      kPercentileColumns);
  for (const metrics::RunResult& r : runs) {
    metrics::Histogram total(2);
    std::uint64_t requests = 0, failures = 0;
    const std::int64_t start_s = r.started_at_ms / 1000;
    for (const metrics::SeriesPoint& p : r.series) {
      total.merge(p.latency);
      requests += p.completed + p.failed;
      failures += p.failed;
      fmt::format_to(std::back_inserter(out), "{},{},latency,{},{},{},{},{},{},{},{},{},{},0\n",
                     start_s + p.second, peak_sessions(r), field(name_of(r)),
                     p.completed + p.failed, p.failed, percentile_fields(p.latency, 1.0), requests,
                     failures, total.count() ? ms(static_cast<double>(total.percentile(50))) : "0",
                     ms(total.mean()), ms(static_cast<double>(total.min())),
                     ms(static_cast<double>(total.max())));
    }
  }
  return out;
}

void write_csv(const std::string& dir, const std::vector<metrics::RunResult>& runs) {
  write_file_atomically((std::filesystem::path(dir) / "stats.csv").string(), stats_csv(runs));
  write_file_atomically((std::filesystem::path(dir) / "stats_history.csv").string(),
                        stats_history_csv(runs));
}

}  // namespace perfgate::report
