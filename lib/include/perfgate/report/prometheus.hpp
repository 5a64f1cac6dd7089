// perfgate/report/prometheus.hpp - Runs as Prometheus metrics: a textfile or a Pushgateway push.
//
// Names are `perfgate_<metric>_<unit>` with DESIGN.md's metric names and Prometheus base units
// (seconds, bytes, ratio): `perfgate_latency_seconds` (a summary: quantiles 0.5, 0.9, 0.95, 0.99,
// 0.999 from the run's histogram, with _sum and _count), `perfgate_error_rate_ratio`,
// `perfgate_throughput_per_second`, ... Every series carries `suite`, `scenario` and `profile`
// labels (and `shard` for a shard's result, and a key's tags: latency{stage:2} -> stage="2").
// Besides the metrics: `perfgate_errors_total{kind}`, `perfgate_operations_total{outcome}`,
// `perfgate_threshold_passed` / `_measured` / `_limit` per rule, `perfgate_run_passed`,
// `perfgate_run_interrupted`, `perfgate_run_duration_seconds`,
// `perfgate_run_end_timestamp_seconds`. The exposition itself is prometheus-cpp's.
#pragma once

#include <string>
#include <vector>

#include "perfgate/metrics/run_result.hpp"

namespace perfgate::report {

// The text exposition format of `runs`.
std::string prometheus_text(const std::vector<metrics::RunResult>& runs);

// Writes the exposition to `path` atomically, as node_exporter's textfile
// collector needs. Throws core::IoError naming the path.
void write_prometheus_textfile(const std::string& path,
                               const std::vector<metrics::RunResult>& runs);

// Pushes `runs` to a Pushgateway (prometheus-cpp's Push(): a POST, so each pushed metric family
// replaces its namesake in the group with this push's series). `url` is the gateway's address
// with an optional grouping key in the Pushgateway's own form:
// `http://host:9091/metrics/job/perfgate/branch/main` (job "perfgate" when absent). Credentials in
// the URL (`http://user:pass@host`) are sent as basic auth and never printed. Throws
// core::IoError (with the URL redacted) when the gateway does not answer 2xx.
void push_to_gateway(const std::string& url, const std::vector<metrics::RunResult>& runs);

}  // namespace perfgate::report
