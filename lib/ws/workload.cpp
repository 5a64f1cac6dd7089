// workload.cpp - Realtime users: one WebSocket session each, driven by the executor.
#include "perfgate/ws/workload.hpp"

#include <boost/asio/steady_timer.hpp>
#include <optional>

#include "perfgate/core/error.hpp"
#include "perfgate/metrics/catalog.hpp"
#include "perfgate/ws/broadcast_merge.hpp"
#include "perfgate/ws/ledger.hpp"
#include "perfgate/ws/session.hpp"

namespace perfgate::ws {

namespace asio = boost::asio;
using core::SteadyClock;
using core::TimePoint;
using load::Completion;
using load::OperationResult;
using metrics::ErrorKind;

namespace {

enum Tag : std::uint16_t { kTagConnect, kTagEcho, kTagHeartbeat, kTagPublish };

std::int64_t system_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Ids {
  metrics::MetricId ws_connect, ws_rtt, broadcast_latency, session_uptime;
  metrics::CounterId sent, received, steady_sent, steady_received, missing, unexpected, skewed,
      expected, opened, dropped, reconnections;
  metrics::ErrorKind drops = metrics::ErrorKind::kOther;  // the kind a dropped session fails as
};

}  // namespace

// ---- FanoutTracker ----

FanoutTracker::FanoutTracker(std::uint32_t broadcasts) : slots_(broadcasts) {}

bool FanoutTracker::receipt(std::uint64_t seq, std::int64_t sent_ns, std::int64_t at_ns) {
  if (seq == 0 || seq > slots_.size()) return false;
  Slot& s = slots_[seq - 1];
  s.sent_ns.store(sent_ns, std::memory_order_relaxed);
  std::int64_t last = s.last_ns.load(std::memory_order_relaxed);
  while (at_ns > last && !s.last_ns.compare_exchange_weak(last, at_ns)) {
  }
  s.receipts.fetch_add(1, std::memory_order_release);
  return true;
}

std::uint64_t FanoutTracker::receipts(std::uint64_t seq) const {
  if (seq == 0 || seq > slots_.size()) return 0;
  return slots_[seq - 1].receipts.load(std::memory_order_acquire);
}

nlohmann::json FanoutTracker::to_json() const {
  nlohmann::json sent = nlohmann::json::array(), last = nlohmann::json::array(),
                 receipts = nlohmann::json::array();
  for (const Slot& s : slots_) {
    sent.push_back(s.sent_ns.load());
    last.push_back(s.last_ns.load());
    receipts.push_back(s.receipts.load());
  }
  return {{"sent_ns", sent}, {"last_receipt_ns", last}, {"receipts", receipts}};
}

// ---- the workload ----

struct RealtimeWorkload::Shared {
  std::shared_ptr<const net::Origin> origin;
  WorkloadOptions options;
  std::uint64_t local_sessions;
  std::chrono::nanoseconds wait_timeout;
  Ids ids{};
  std::optional<FanoutTracker> fanout;
  std::atomic<std::uint64_t> subscribers_open{0};
  std::atomic<std::uint64_t> subscribers_peak{0};
  std::atomic<std::uint32_t> published{0};
};

namespace {

using Shared = RealtimeWorkload::Shared;

class User final : public load::VirtualUser {
 public:
  User(load::WorkerContext& ctx, Shared& shared, std::uint64_t index)
      : ctx_(ctx),
        sh_(shared),
        index_(index),
        timer_(ctx.io),
        publisher_(shared.options.mode == Mode::kBroadcast && index == 0) {
    if (shared.options.mode == Mode::kEcho) ledger_ = std::make_unique<MessageLedger>();
  }
  ~User() override {
    if (session_) end_session();
  }

  void start(Completion done) override {
    if (sh_.options.mode == Mode::kConnect) return done({.counted = false});
    pending_.hold(std::move(done));
    in_flight_ = true;
    open_session([this](const ConnectOutcome& o) {
      if (o.failure) return complete(failure_result(o.failure, kTagConnect, false));
      ctx_.recorder.add(sh_.ids.opened);
      if (connected_before_) ctx_.recorder.add(sh_.ids.reconnections);
      connected_before_ = true;
      opened_at_ = SteadyClock::now();
      if (subscriber()) {
        const std::uint64_t open = ++sh_.subscribers_open;
        std::uint64_t peak = sh_.subscribers_peak.load();
        while (open > peak && !sh_.subscribers_peak.compare_exchange_weak(peak, open)) {
        }
      }
      complete({.tag = kTagConnect});
    });
  }

  void iterate(Completion done) override {
    pending_.hold(std::move(done));
    in_flight_ = true;
    if (sh_.options.mode == Mode::kConnect) return connect_and_close();
    if (lost_) {
      Failure f = std::move(*lost_);
      lost_.reset();
      return complete(failure_result(f, kTagHeartbeat, true));
    }
    if (!session_) return complete({.error = ErrorKind::kOther, .tag = kTagHeartbeat});
    if (sh_.options.mode == Mode::kEcho) return echo();
    if (publisher_ && publish_due()) return publish();
    heartbeat();
  }

  void stop(Completion done) override {
    if (lost_) {  // a drop nobody has reported yet still counts
      Failure f = std::move(*lost_);
      lost_.reset();
      return done(failure_result(f, kTagHeartbeat, true));
    }
    if (!session_) return done({.counted = false});
    pending_.hold(std::move(done));
    in_flight_ = true;
    stopping_ = true;
    note_session_end();
    session_->close([this] {
      session_.reset();
      complete({.counted = false});
    });
  }

  void cancel() override {
    if (!in_flight_) return;
    timer_.cancel();
    if (session_) end_session();
    // A close handshake cut short at the end of the run is no failure of the target.
    if (stopping_) return complete({.counted = false});
    complete({.error = ErrorKind::kTimeout, .session_lost = true});
  }

 private:
  bool subscriber() const { return sh_.options.mode == Mode::kBroadcast && !publisher_; }

  template <class Done>
  void open_session(Done on_open) {
    SessionOptions so;
    so.path = sh_.options.path;
    if (!sh_.options.source_addresses.empty()) {
      so.source_address =
          sh_.options.source_addresses[index_ % sh_.options.source_addresses.size()];
    }
    SessionEvents events;
    events.message = [this](std::string_view m, bool binary, TimePoint at) {
      on_message(m, binary, at);
    };
    events.pong = [this](TimePoint) { on_pong(); };
    events.lost = [this](const Failure& f) { on_lost(f); };
    session_ = std::make_unique<Session>(ctx_.io, sh_.origin, std::move(so), std::move(events));
    session_->connect([this, on_open](const ConnectOutcome& o) {
      if (o.failure) {
        session_.reset();
      } else {
        ctx_.recorder.record(sh_.ids.ws_connect, o.ws_connect.count());
      }
      on_open(o);
    });
  }

  // connection_rate: open, then close in order; the operation is the whole cycle.
  void connect_and_close() {
    open_session([this](const ConnectOutcome& o) {
      if (o.failure) return complete(failure_result(o.failure, kTagConnect, false));
      ctx_.recorder.add(sh_.ids.opened);  // opened and closed at once: no uptime to speak of
      session_->close([this] {
        session_.reset();
        complete({.tag = kTagConnect});
      });
    });
  }

  void echo() {
    waiting_ = sh_.options.batch;
    const TimePoint now = SteadyClock::now();
    const bool steady = ctx_.is_steady(now);
    for (std::uint32_t i = 0; i < sh_.options.batch; ++i) {
      const std::uint64_t seq = ledger_->send();
      session_->send(encode_probe({seq, now.time_since_epoch().count(), {}}, sh_.options.format,
                                  sh_.options.message_size),
                     sh_.options.format == Format::kBinary);
    }
    ctx_.recorder.add(sh_.ids.sent, sh_.options.batch);
    ctx_.recorder.add(sh_.ids.expected, sh_.options.batch);
    if (steady) ctx_.recorder.add(sh_.ids.steady_sent, sh_.options.batch);
    wait([this] {
      ctx_.recorder.add(sh_.ids.missing, ledger_->abandon());
      waiting_ = 0;
      complete({.error = ErrorKind::kTimeout, .tag = kTagEcho});
    });
  }

  void heartbeat() {
    awaiting_pong_ = true;
    session_->ping();
    wait([this] {
      // No pong in time: the session is taken for dead.
      awaiting_pong_ = false;
      end_session();
      complete({.error = ErrorKind::kTimeout, .tag = kTagHeartbeat, .session_lost = true});
    });
  }

  bool publish_due() const {
    if (sh_.published.load() >= sh_.options.broadcasts) return false;
    if (SteadyClock::now() - opened_at_ < sh_.options.publish_after) return false;
    return sh_.subscribers_open.load() + 1 >= sh_.local_sessions;  // every local subscriber is in
  }

  void publish() {
    const std::uint32_t seq = ++sh_.published;
    publish_expected_ = sh_.subscribers_open.load();
    publish_seq_ = seq;
    session_->send(encode_probe({seq, system_now_ns(), sh_.options.room}, sh_.options.format,
                                sh_.options.message_size),
                   sh_.options.format == Format::kBinary);
    ctx_.recorder.add(sh_.ids.sent);
    if (ctx_.is_steady(SteadyClock::now())) ctx_.recorder.add(sh_.ids.steady_sent);
    publish_deadline_ = SteadyClock::now() + sh_.wait_timeout;
    poll_receipts();
  }

  // Receipts land on every worker thread; the publisher looks every millisecond.
  void poll_receipts() {
    if (sh_.fanout->receipts(publish_seq_) >= publish_expected_ ||
        SteadyClock::now() >= publish_deadline_) {
      return complete({.tag = kTagPublish});  // missing receipts are counted at the end
    }
    timer_.expires_after(std::chrono::milliseconds(1));
    timer_.async_wait([this](boost::system::error_code ec) {
      if (!ec && in_flight_) poll_receipts();
    });
  }

  template <class OnTimeout>
  void wait(OnTimeout on_timeout) {
    timer_.expires_after(sh_.wait_timeout);
    timer_.async_wait([this, on_timeout](boost::system::error_code ec) {
      if (!ec && in_flight_) on_timeout();
    });
  }

  void on_message(std::string_view message, bool binary, TimePoint at) {
    const auto probe = decode_probe(message, binary ? Format::kBinary : Format::kText);
    if (!probe) return ctx_.recorder.add(sh_.ids.unexpected);
    if (sh_.options.mode == Mode::kEcho) {
      if (!ledger_->receive(probe->seq)) return ctx_.recorder.add(sh_.ids.unexpected);
      ctx_.recorder.record(sh_.ids.ws_rtt, at.time_since_epoch().count() - probe->sent_ns);
      // Counted by when the echo was sent (steady clock, this process), as throughput counts
      // operations by their start.
      count_received(TimePoint(core::Nanos(probe->sent_ns)));
      if (waiting_ > 0 && --waiting_ == 0) {
        timer_.cancel();
        complete({.tag = kTagEcho});
      }
      return;
    }
    if (sh_.options.mode != Mode::kBroadcast) return ctx_.recorder.add(sh_.ids.unexpected);
    const std::int64_t now = system_now_ns();
    if (!sh_.fanout->receipt(probe->seq, probe->sent_ns, now))
      return ctx_.recorder.add(sh_.ids.unexpected);
    // The publisher's clock and this one may be different machines' (shards): a receipt before
    // its send is counted (broadcast_skew can gate it) rather than silently clamped.
    const ReceiptTiming timing = receipt_timing(probe->sent_ns, now);
    if (timing.skewed) ctx_.recorder.add(sh_.ids.skewed);
    ctx_.recorder.record(sh_.ids.broadcast_latency, timing.latency_ns);
    count_received(at);
  }

  // `sent`: when the message was sent, which decides whether it counts as steady.
  void count_received(TimePoint sent) {
    ctx_.recorder.add(sh_.ids.received);
    if (ctx_.is_steady(sent)) ctx_.recorder.add(sh_.ids.steady_received);
  }

  void on_pong() {
    if (!awaiting_pong_) return;
    awaiting_pong_ = false;
    timer_.cancel();
    complete({.tag = kTagHeartbeat});
  }

  void on_lost(const Failure& f) {
    if (f.dropped) ctx_.recorder.add(sh_.ids.dropped);
    note_session_end();
    if (ledger_) ctx_.recorder.add(sh_.ids.missing, ledger_->abandon());
    session_.reset();
    awaiting_pong_ = false;
    if (in_flight_) {
      timer_.cancel();
      return complete(failure_result(f, kTagHeartbeat, true));
    }
    lost_ = f;  // reported by the next operation
  }

  // The session is over (closed, lost or aborted): its uptime, and it no longer counts as held.
  void note_session_end() {
    if (!opened_at_recorded()) return;
    ctx_.recorder.record(sh_.ids.session_uptime, (SteadyClock::now() - opened_at_).count());
    opened_at_ = {};
    if (subscriber()) --sh_.subscribers_open;
  }
  bool opened_at_recorded() const { return opened_at_ != TimePoint{}; }

  void end_session() {
    note_session_end();
    if (ledger_) ctx_.recorder.add(sh_.ids.missing, ledger_->abandon());
    session_->abort();
    session_.reset();
  }

  OperationResult failure_result(const Failure& f, std::uint16_t tag, bool session_lost) const {
    OperationResult r;
    r.error = f.dropped ? sh_.ids.drops : f.kind;
    r.tag = tag;
    r.session_lost = session_lost;
    return r;
  }

  void complete(OperationResult r) {
    in_flight_ = false;
    pending_.fire(r);
  }

  load::WorkerContext& ctx_;
  Shared& sh_;
  std::uint64_t index_;
  asio::steady_timer timer_;
  bool publisher_;
  std::unique_ptr<Session> session_;
  std::unique_ptr<MessageLedger> ledger_;
  load::PendingCompletion pending_;
  std::optional<Failure> lost_;
  TimePoint opened_at_{};
  TimePoint publish_deadline_{};
  std::uint64_t publish_expected_ = 0;
  std::uint32_t publish_seq_ = 0;
  std::uint32_t waiting_ = 0;
  bool in_flight_ = false;
  bool stopping_ = false;
  bool awaiting_pong_ = false;
  bool connected_before_ = false;
};

}  // namespace

RealtimeWorkload::RealtimeWorkload(const net::Url& url, net::ClientOptions client,
                                   WorkloadOptions options, std::uint64_t local_sessions)
    : shared_(std::make_shared<Shared>()) {
  if (url.scheme != "ws" && url.scheme != "wss") {
    throw core::Error("a realtime target needs a ws:// or wss:// URL, got " + url.to_string());
  }
  net::Url base = url;
  options.path = base.base_path + options.path;
  shared_->wait_timeout = client.request_timeout;
  shared_->origin = std::make_shared<net::Origin>(base, client);
  shared_->options = std::move(options);
  shared_->local_sessions = local_sessions;
  if (shared_->options.mode == Mode::kBroadcast)
    shared_->fanout.emplace(shared_->options.broadcasts);
}

load::OperationTags RealtimeWorkload::tags() const {
  return {"op", {"connect", "echo", "heartbeat", "publish"}};
}

void RealtimeWorkload::declare(metrics::MetricSet& set) {
  Ids& ids = shared_->ids;
  ids.ws_connect = set.histogram("ws_connect");
  ids.ws_rtt = set.histogram("ws_rtt");
  ids.broadcast_latency = set.histogram("broadcast_latency");
  ids.session_uptime = set.histogram("session_uptime");
  ids.sent = set.counter("messages_sent");
  ids.received = set.counter("messages_received");
  // Message rates only where messages flow; heartbeats are not messages.
  const Mode mode = shared_->options.mode;
  const bool messages = mode == Mode::kEcho || mode == Mode::kBroadcast;
  ids.steady_sent = messages ? set.steady_rate("messages_sent") : ids.sent;
  ids.steady_received = messages ? set.steady_rate("messages_received") : ids.received;
  ids.missing = set.counter("messages_missing");
  ids.unexpected = set.counter("messages_unexpected");
  ids.skewed = set.counter("broadcast_skewed");
  ids.expected = set.counter("messages_expected");
  ids.opened = set.counter("sessions_opened");
  ids.dropped = set.counter("sessions_dropped");
  ids.reconnections = set.counter("reconnections");
  ids.drops = set.error_kind("drops");
  // Shares of whole counts (annotate() adds the broadcast ledger's expected and missing).
  set.share("drop_rate", ids.dropped, ids.opened);
  set.share("message_loss", ids.missing, ids.expected);
  set.share("message_unexpected", ids.unexpected, ids.expected);
  set.share("broadcast_skew", ids.skewed, ids.received);
}

std::unique_ptr<load::VirtualUser> RealtimeWorkload::make_user(load::WorkerContext& ctx,
                                                               std::uint64_t user_index) {
  return std::make_unique<User>(ctx, *shared_, user_index);
}

void RealtimeWorkload::annotate(metrics::RunResult& r) const {
  if (!shared_->fanout) return;
  const FanoutTracker& t = *shared_->fanout;
  nlohmann::json doc = t.to_json();
  std::uint64_t receipts = 0;
  for (std::uint32_t seq = 1; seq <= t.broadcasts(); ++seq) receipts += t.receipts(seq);
  // Every subscriber this process held is owed every broadcast.
  const std::uint64_t expected = std::uint64_t{t.broadcasts()} * shared_->subscribers_peak.load();
  r.counters["messages_expected"] += expected;
  r.counters["messages_missing"] += expected > receipts ? expected - receipts : 0;
  r.counters["broadcast_receipts"] = receipts;
  doc["subscribers"] = shared_->subscribers_peak.load();
  r.context["broadcast"] = doc;
  const metrics::Histogram fanout = broadcast_fanout(doc);
  if (fanout.count() > 0) r.histograms["broadcast_fanout"] = fanout;
}

}  // namespace perfgate::ws
