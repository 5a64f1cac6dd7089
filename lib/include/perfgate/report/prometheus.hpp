// perfgate/report/prometheus.hpp - Runs as Prometheus metrics: a textfile or a Pushgateway push.
//
// Names are `perfgate_<metric>_<unit>` with DESIGN.md's metric names and Prometheus base units
// (seconds, bytes, ratio, per second; a name never says its unit twice): `perfgate_latency_seconds`
// (a summary: quantiles 0.5, 0.9, 0.95, 0.99, 0.999 from the run's histogram, with _sum and
// _count), `perfgate_error_rate_ratio`, `perfgate_throughput_per_second`,
// `perfgate_output_tokens_per_second`, ...
//
// Labels: every series carries `suite`, `scenario` and `profile`; a shard's own result adds
// `shard="i/n"` and a run merged from n shards `shards="n"`, so a sharded run and a one-process
// run of one scenario are different series. A key's tags are labels of their own
// (latency{stage:2} -> stage="2"; a tag named like one of perfgate's labels becomes tag_<name>).
// Two runs that would still carry the same labels (two folders of one scenario, say) are refused
// with std::invalid_argument before anything is written: Prometheus, the Pushgateway and
// node_exporter reject duplicate series whole.
//
// Besides the metrics: `perfgate_errors_total{kind}` for every built-in kind (0 when none
// failed so, which rate() and absent() need) and any other kind the run counted,
// `perfgate_operations_total{outcome}` (completed, failed, interrupted), per rule
// `perfgate_threshold_passed` / `_measured` / `_limit` (labels metric, its tags, statistic,
// tier), `perfgate_run_passed`, `perfgate_run_interrupted`, `perfgate_run_duration_seconds`,
// `perfgate_run_end_timestamp_seconds`. The exposition is prometheus-cpp's serializer.
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

// Pushes `runs` to a Pushgateway with a POST, so each pushed metric family replaces its namesake
// in the group with this push's series. `url` is the gateway's address with an optional grouping
// key in the Pushgateway's own form: `http://host:9091/metrics/job/perfgate/branch/main` (job
// "perfgate" when absent). Credentials in the URL (`http://user:pass@host`) are sent as basic auth
// and never printed. Gives up after 5 s without a connection or 30 s in all. Throws
// std::invalid_argument for a bad URL or indistinguishable runs, and core::IoError (URL redacted)
// when the gateway cannot be reached or does not answer 2xx: the message carries the first line
// of its reply, never the whole of it.
void push_to_gateway(const std::string& url, const std::vector<metrics::RunResult>& runs);

}  // namespace perfgate::report
