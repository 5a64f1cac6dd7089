// perfgate/ws/workload.hpp - Realtime scenarios: WebSocket sessions driven by the executors.
//
// A scenario's "workload" object picks what each virtual user (closed loop) or slot (open loop)
// does with its session:
//
//   { "kind": "connect" }      every operation opens a session and closes it (connect rates)
//   { "kind": "echo", "batch": 8, "message_size": 64, "binary": false }
//                              every operation sends `batch` probes back to back and waits for
//                              all their echoes (`ws_rtt` per message, nothing lost)
//   { "kind": "hold" }         every operation is one heartbeat, ping to pong; the load's think
//                              time is the heartbeat interval
//   { "kind": "broadcast", "room": "lobby", "broadcasts": 10, "publish_after": "2s" }
//                              user 0 publishes `broadcasts` probes to the room, one per
//                              operation, once `publish_after` has passed since it connected and
//                              every local subscriber is in; everyone else subscribes and
//                              heartbeats (`broadcast_latency` per receipt, `broadcast_fanout`)
//
// Common keys: "path" (default /ws/echo, or /ws/rooms/<room>), "source_addresses" (spread
// sessions over these local addresses, e.g. ["127.0.0.2", "127.0.0.3"]).
//
// Except for "connect", a user's session opens in start() (an operation tagged `connect`,
// recording `ws_connect`) and stays open; if it ends unexpectedly the user's next operation fails
// as `drops` (or timeout, protocol), its session no longer counts as held, and the user
// reconnects (`reconnections`). Counters: messages_sent, messages_received, messages_missing,
// messages_unexpected, sessions_opened, sessions_dropped, reconnections; rates messages_sent,
// messages_received (per second, steady part), drop_rate and message_loss; `session_uptime` per
// session.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "perfgate/load/executor.hpp"
#include "perfgate/metrics/run_result.hpp"
#include "perfgate/net/http_connection.hpp"
#include "perfgate/ws/probe.hpp"

namespace perfgate::ws {

enum class Mode { kConnect, kEcho, kHold, kBroadcast };

struct WorkloadOptions {
  Mode mode = Mode::kEcho;
  std::string path;  // set by parse: /ws/echo, or /ws/rooms/<room> for broadcast
  Format format = Format::kText;
  std::uint32_t message_size = 64;
  std::uint32_t batch = 1;
  std::string room = "lobby";
  std::uint32_t broadcasts = 10;
  std::chrono::nanoseconds publish_after{0};
  std::vector<std::string> source_addresses;
};

// Parses a "workload" object (see the file comment). Throws core::FieldError.
WorkloadOptions parse_workload_options(const nlohmann::json& workload);

// Raises this process's soft open-files limit to its hard limit, and checks that `sessions`
// sockets (plus a margin for everything else) fit under it. Throws core::Error with the numbers
// and what to change (more shards, a higher hard limit) when they do not.
void ensure_open_files_for(std::uint64_t sessions, const std::string& what);

// Receipts of broadcast probes in this process, per sequence number (shared by all threads).
class FanoutTracker {
 public:
  explicit FanoutTracker(std::uint32_t broadcasts);
  // A subscriber got probe `seq` sent at `sent_ns` (system clock) at `at_ns`. False if `seq` is
  // outside 1..broadcasts.
  bool receipt(std::uint64_t seq, std::int64_t sent_ns, std::int64_t at_ns);
  std::uint64_t receipts(std::uint64_t seq) const;
  std::uint32_t broadcasts() const { return static_cast<std::uint32_t>(slots_.size()); }
  // {"sent_ns": [...], "last_receipt_ns": [...], "receipts": [...]}, one entry per broadcast
  // (0 where none arrived): what shards' results carry so fan-out merges exactly.
  nlohmann::json to_json() const;

 private:
  struct Slot {
    std::atomic<std::uint64_t> receipts{0};
    std::atomic<std::int64_t> sent_ns{0};
    std::atomic<std::int64_t> last_ns{0};
  };
  std::vector<Slot> slots_;
};

class RealtimeWorkload : public load::Workload {
 public:
  // `local_sessions`: the sessions this process will open (its shard's users), which a
  // broadcast waits for before publishing and counts receipts against.
  RealtimeWorkload(const net::Url& url, net::ClientOptions client, WorkloadOptions options,
                   std::uint64_t local_sessions);

  void declare(metrics::MetricSet& set) override;
  load::OperationTags tags() const override;  // "op"
  std::unique_ptr<load::VirtualUser> make_user(load::WorkerContext& ctx,
                                               std::uint64_t user_index) override;

  // Adds what only the end of the run knows: broadcast_fanout, expected and missing receipts,
  // and the fan-out document under context "broadcast".
  void annotate(metrics::RunResult& result) const override;

  struct Shared;

 private:
  std::shared_ptr<Shared> shared_;
};

}  // namespace perfgate::ws
