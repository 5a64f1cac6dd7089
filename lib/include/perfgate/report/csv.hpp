// perfgate/report/csv.hpp - Locust-style CSV: stats.csv and stats_history.csv.
//
// The columns are Locust's (`locust --csv`), so dashboards and scripts written for Locust read
// them. Times are milliseconds, as Locust writes them. Mapping:
// - stats.csv: one row per run and duration metric (Type = the metric key, Name =
//   "<suite>/<scenario>"), then an "Aggregated" row over every run's `latency`. For `latency`,
//   Request Count is the attempted operations and Failure Count the failed ones; for other
//   metrics, both count samples. Requests/s is the run's throughput (samples / duration for other
//   metrics). Average Content Size is 0: perfgate does not record body sizes.
// - stats_history.csv: one row per run and second, from the run's per-second series (percentiles
//   at 2 significant digits, totals cumulative). User Count is the run's peak sessions held.
#pragma once

#include <string>
#include <vector>

#include "perfgate/metrics/run_result.hpp"

namespace perfgate::report {

std::string stats_csv(const std::vector<metrics::RunResult>& runs);
std::string stats_history_csv(const std::vector<metrics::RunResult>& runs);

// Writes both into `dir` (created if needed). Throws core::IoError naming the file.
void write_csv(const std::string& dir, const std::vector<metrics::RunResult>& runs);

}  // namespace perfgate::report
