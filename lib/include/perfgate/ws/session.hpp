// perfgate/ws/session.hpp - One WebSocket client session (ws:// or wss://) on Beast.
//
// A session connects (TCP, TLS for wss, then the HTTP upgrade: `ws_connect` times all of it),
// then reads continuously, handing every message to its owner, and writes what it is given in
// order (messages and pings share one queue, as the protocol allows one write at a time). It ends
// by an orderly close (close()), by abort() (the run is over or cancelled), or unexpectedly: the
// owner hears of that once, through `lost`, with the kind it counts under. Nothing here throws
// and every step has a deadline.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "perfgate/core/clock.hpp"
#include "perfgate/metrics/error_kind.hpp"
#include "perfgate/net/http_connection.hpp"

namespace perfgate::ws {

// How a session failed.
struct Failure {
  metrics::ErrorKind kind = metrics::ErrorKind::kNone;  // kNone with `dropped` for a drop
  // The peer closed or reset an open session: counted under the workload's own kind "drops"
  // (declared with MetricSet::error_kind), not a built-in one.
  bool dropped = false;
  std::string detail;  // the underlying error message, for logs
  explicit operator bool() const { return kind != metrics::ErrorKind::kNone || dropped; }
};

struct SessionOptions {
  std::string path = "/";  // the upgrade request's target
  // Bind the local end to this address first (e.g. 127.0.0.2), to spread sessions over source
  // addresses when one address's ephemeral ports would run out.
  std::string source_address;
  std::uint64_t max_message = 1024 * 1024;
  std::chrono::nanoseconds close_timeout = std::chrono::seconds(5);
};

struct SessionEvents {
  // A whole message arrived (`binary` from its opcode), read at `at`.
  std::function<void(std::string_view message, bool binary, core::TimePoint at)> message;
  // A pong arrived (an answer to ping(), or unsolicited).
  std::function<void(core::TimePoint at)> pong;
  // The session ended without close() or abort(): once, with the kind.
  std::function<void(const Failure&)> lost;
};

struct ConnectOutcome {
  Failure failure;                         // empty on success
  std::chrono::nanoseconds ws_connect{0};  // TCP connect + TLS + upgrade, when it succeeded
};

class Session {
 public:
  // `origin.options()` gives the connect timeout (covering TCP, TLS and the upgrade) and
  // certificate checks.
  Session(boost::asio::io_context& io, std::shared_ptr<const net::Origin> origin,
          SessionOptions options, SessionEvents events);
  ~Session();  // aborts
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Opens the session; `done` is called once. After success the read loop runs until the end.
  void connect(std::function<void(const ConnectOutcome&)> done);
  void send(std::string message, bool binary);
  void ping();
  // Orderly close (close frame, wait for the peer's); `done` when the session is over.
  void close(std::function<void()> done);
  // Ends at once: closes the socket; no event fires after this returns.
  void abort();
  bool is_open() const;
  // Messages waiting to be written.
  std::size_t queued() const;

  struct Core;

 private:
  std::shared_ptr<Core> core_;
};

}  // namespace perfgate::ws
