// catalog.cpp - The metric catalogue (DESIGN.md, "Metrics").
#include "perfgate/metrics/catalog.hpp"

#include <array>

namespace perfgate::metrics {
namespace {

using core::Unit;
constexpr auto H = MetricKind::kHistogram;
constexpr auto R = MetricKind::kRate;
constexpr auto kMost = Direction::kAtMost;
constexpr auto kLeast = Direction::kAtLeast;

constexpr std::array kCatalog{
    MetricInfo{"latency", H, Unit::kDuration, kMost, 1,
               "operation duration: intended start (open loop) or actual start (closed loop) to "
               "last byte"},
    MetricInfo{"connect", H, Unit::kDuration, kMost, 1, "TCP connect of a new connection"},
    MetricInfo{"tls_handshake", H, Unit::kDuration, kMost, 1, "TLS handshake of a new connection"},
    MetricInfo{"ttfb", H, Unit::kDuration, kMost, 1, "request written to response header received"},
    MetricInfo{"ttft", H, Unit::kDuration, kMost, 1,
               "LLM: request start (intended, in open loop) to the first non-empty output delta "
               "of any kind: reasoning, content or tool call; streamed answers only"},
    MetricInfo{"ttfo", H, Unit::kDuration, kMost, 1,
               "LLM: request start to the first content or tool-call delta (the answer's first "
               "token, after any reasoning); streamed answers only"},
    MetricInfo{"itl", H, Unit::kDuration, kMost, 1,
               "LLM: gap between consecutive output deltas of any kind, one sample per gap"},
    MetricInfo{"tpot", H, Unit::kDuration, kMost, 1,
               "LLM: (e2e - ttft) / (output_tokens - 1), one sample per request"},
    MetricInfo{"e2e", H, Unit::kDuration, kMost, 1,
               "LLM: request start (intended, in open loop) to the end of the stream"},
    MetricInfo{"reasoning_tokens", H, Unit::kCount, kMost, 1,
               "LLM: usage.completion_tokens_details.reasoning_tokens, per request that has it"},
    MetricInfo{"output_tokens_per_s", H, Unit::kRate, kLeast, 1e-3,
               "LLM: output tokens / e2e, per request"},
    MetricInfo{"real_time", H, Unit::kDuration, kMost, 1e-3,
               "Google Benchmark: wall time per iteration of one repetition (its real_time), "
               "one sample per repetition, recorded in picoseconds"},
    MetricInfo{"cpu_time", H, Unit::kDuration, kMost, 1e-3,
               "Google Benchmark: CPU time per iteration of one repetition (its cpu_time), one "
               "sample per repetition, recorded in picoseconds"},
    MetricInfo{"items_per_second", H, Unit::kRate, kLeast, 1e-3,
               "Google Benchmark: the items_per_second counter of one repetition, one sample per "
               "repetition"},
    MetricInfo{"bytes_per_second", H, Unit::kRate, kLeast, 1e-3,
               "Google Benchmark: the bytes_per_second counter of one repetition, one sample per "
               "repetition"},
    MetricInfo{"item_latency", H, Unit::kDuration, kMost, 1,
               "batch endpoints: a batch's latency / the items in it, one sample per batch"},
    MetricInfo{"ws_connect", H, Unit::kDuration, kMost, 1,
               "TCP connect + HTTP upgrade until the WebSocket is open"},
    MetricInfo{"ws_rtt", H, Unit::kDuration, kMost, 1, "echo round trip of one message"},
    MetricInfo{"broadcast_latency", H, Unit::kDuration, kMost, 1,
               "publish to receipt, one sample per subscriber"},
    MetricInfo{"broadcast_fanout", H, Unit::kDuration, kMost, 1, "publish to last receipt",
               Merge::kRebuilt},
    MetricInfo{"session_uptime", H, Unit::kDuration, kLeast, 1,
               "how long a session stayed open, one sample per session when it ends"},
    MetricInfo{"loadgen_session_memory", H, Unit::kBytes, kMost, 1,
               "perfgate's resident memory per held session: peak RSS growth over the run / peak "
               "sessions held"},
    MetricInfo{"target_session_memory", H, Unit::kBytes, kMost, 1,
               "the target's resident memory per held session: peak RSS growth over the run / "
               "peak sessions held"},
    MetricInfo{"sessions_held", H, Unit::kCount, kLeast, 1,
               "concurrently open sessions with no unexpected close, sampled every 100 ms",
               Merge::kSumOfPeaks},
    MetricInfo{"txn", H, Unit::kDuration, kMost, 1,
               "DB: one run of a transaction script, first statement to last"},
    MetricInfo{"statement", H, Unit::kDuration, kMost, 1, "DB: one SQL statement of a script"},
    MetricInfo{"latency_uncorrected", H, Unit::kDuration, kMost, 1,
               "open loop: actual start to last byte, as a tool with coordinated omission would "
               "time it; shown beside latency, not a substitute for it"},
    MetricInfo{"schedule_lag", H, Unit::kDuration, kMost, 1,
               "open loop: intended start to the moment the operation began (pgbench -R's lag)"},
    MetricInfo{"recovery_time", H, Unit::kDuration, kMost, 1,
               "after a spike ends, time until the p95 of a sliding 1 s window is back under its "
               "limit"},
    MetricInfo{"target_cpu", H, Unit::kPercent, kMost, 1e-6,
               "CPU of the target process (user+sys) as a share of one core, sampled"},
    MetricInfo{"target_rss", H, Unit::kBytes, kMost, 1, "resident memory of the target, sampled"},
    MetricInfo{"loadgen_cpu", H, Unit::kPercent, kMost, 1e-6,
               "CPU of perfgate itself (user+sys) as a share of one core, sampled"},
    MetricInfo{"loadgen_rss", H, Unit::kBytes, kMost, 1,
               "resident memory of perfgate itself, sampled"},
    MetricInfo{"throughput", R, Unit::kRate, kLeast, 1,
               "completed operations per second over the steady part of the run (ramps "
               "excluded)"},
    MetricInfo{"capacity", R, Unit::kRate, kLeast, 1,
               "capacity search: the highest offered arrival rate at which every threshold "
               "held"},
    MetricInfo{"error_rate", R, Unit::kPercent, kMost, 1,
               "failed / attempted operations (dropped arrivals count as failed)"},
    MetricInfo{"auth_rejection_rate", R, Unit::kPercent, kLeast, 1,
               "requests carrying an expired, revoked or invalid token that the service rejected "
               "with 401, / such requests sent"},
    MetricInfo{"goodput", R, Unit::kRate, kLeast, 1,
               "LLM: requests per second that met every SLO named in the scenario's workload, over "
               "the steady part of the run"},
    MetricInfo{"messages_sent", R, Unit::kRate, kLeast, 1,
               "WebSocket: messages sent per second over the steady part of the run"},
    MetricInfo{"messages_received", R, Unit::kRate, kLeast, 1,
               "WebSocket: expected messages received (echoes, broadcast receipts) per second "
               "over the steady part of the run"},
    MetricInfo{"message_loss", R, Unit::kPercent, kMost, 1,
               "WebSocket: messages never received (echoes, broadcast receipts) / expected"},
    MetricInfo{"message_unexpected", R, Unit::kPercent, kMost, 1,
               "WebSocket: messages that were not expected (duplicate or late echoes, receipts "
               "of an unknown broadcast, undecodable frames) / expected"},
    MetricInfo{"broadcast_skew", R, Unit::kPercent, kMost, 1,
               "WebSocket broadcast: receipts timed before their send (the publisher's and the "
               "receiver's clocks disagree, e.g. shards on different machines) / messages "
               "received; their broadcast_latency is clamped to 0"},
    MetricInfo{"drop_rate", R, Unit::kPercent, kMost, 1,
               "WebSocket: sessions closed or reset by the peer unasked / sessions opened"},
    MetricInfo{"row_throughput", R, Unit::kRate, kLeast, 1,
               "DB bulk loading: rows loaded per second over the steady part of the run"},
    MetricInfo{"output_token_throughput", R, Unit::kRate, kLeast, 1,
               "LLM: output tokens per second over the steady part of the run, all requests "
               "together"},
};

constexpr std::array kCounters{
    CounterInfo{"failed", "operations of the tag (failed{behaviour:login}) that failed, any kind",
                "failed"},
    CounterInfo{"auth_probes",
                "HTTP: requests the flow marks must_be_rejected (expired, revoked or invalid "
                "tokens), sent",
                "attempted"},
    CounterInfo{"auth_rejected", "HTTP: auth probes the service rejected with 401", "auth_probes"},
    CounterInfo{"output_tokens",
                "LLM: output tokens of completed requests, from the usage block where the "
                "server sent one, else counted from the stream's deltas",
                ""},
    CounterInfo{"requests_tokens_from_usage",
                "LLM: completed requests whose output tokens came from the usage block",
                "completed"},
    CounterInfo{"requests_tokens_from_deltas",
                "LLM: completed requests whose output tokens were counted from the deltas (no "
                "usage block)",
                "completed"},
    CounterInfo{"messages_sent", "WebSocket: messages sent (echo requests, broadcast probes)", ""},
    CounterInfo{"messages_expected",
                "WebSocket: messages owed: an echo per message sent, and every broadcast to every "
                "subscriber held",
                ""},
    CounterInfo{"messages_received", "WebSocket: expected messages that arrived",
                "messages_expected"},
    CounterInfo{"messages_missing", "WebSocket: expected messages that never arrived",
                "messages_expected"},
    CounterInfo{"messages_unexpected",
                "WebSocket: messages that arrived unexpected (duplicates, late echoes, receipts of "
                "an unknown broadcast, undecodable frames)",
                ""},
    CounterInfo{"broadcast_receipts",
                "WebSocket broadcast: probes received by this run's subscribers",
                "messages_received"},
    CounterInfo{"broadcast_skewed",
                "WebSocket broadcast: receipts timed before their send (clocks disagree)",
                "messages_received"},
    CounterInfo{"sessions_opened", "WebSocket: sessions opened (upgrades that succeeded)", ""},
    CounterInfo{"sessions_dropped", "WebSocket: open sessions the peer closed or reset unasked",
                "sessions_opened"},
    CounterInfo{"reconnections", "WebSocket: sessions opened again after a drop",
                "sessions_opened"},
    CounterInfo{"txn_retries",
                "DB: tries repeated after a serialization failure or deadlock (max_tries)", ""},
    CounterInfo{"reconnects", "DB: connections opened again after one was lost", ""},
    CounterInfo{"txn_late", "DB: completed transactions slower than the workload's latency_limit",
                "completed"},
    CounterInfo{"rows_loaded", "DB bulk loading: rows of committed batches", ""},
    CounterInfo{"recovered",
                "1 when the latency came back under its limit after the spike (recovery_time), "
                "else 0",
                ""},
};

}  // namespace

std::span<const MetricInfo> metric_catalog() { return kCatalog; }

std::span<const CounterInfo> counter_catalog() { return kCounters; }

const CounterInfo* find_counter(std::string_view key) {
  const std::string_view base = base_name(key);
  for (const CounterInfo& c : kCounters) {
    if (c.name == base) return &c;
  }
  return nullptr;
}

std::string_view base_name(std::string_view key) { return key.substr(0, key.find('{')); }

const MetricInfo* find_metric(std::string_view key) {
  const std::string_view base = base_name(key);
  for (const MetricInfo& m : kCatalog) {
    if (m.name == base) return &m;
  }
  return nullptr;
}

std::string tagged(std::string_view name, std::string_view tag, std::string_view value) {
  std::string key(name);
  key += '{';
  key += tag;
  key += ':';
  key += value;
  key += '}';
  return key;
}

}  // namespace perfgate::metrics
