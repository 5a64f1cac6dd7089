// session.cpp - WebSocket client session: connect, upgrade, read loop, ordered writes, close.
//
// One implementation templated on the layer under the WebSocket (plain TCP or TLS over TCP).
// Everything runs on the io_context's thread; handlers hold the core alive, and `aborted_` keeps
// them from reaching an owner that has gone.
#include "perfgate/ws/session.hpp"

#include <netinet/in.h>

#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <list>

#include "perfgate/net/socket_error.hpp"

namespace perfgate::ws {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using boost::system::error_code;
using core::SteadyClock;
using metrics::ErrorKind;

struct Session::Core {
  virtual ~Core() = default;
  virtual void connect(std::function<void(const ConnectOutcome&)> done) = 0;
  virtual void send(std::string message, bool binary, bool ping) = 0;
  virtual void close(std::function<void()> done) = 0;
  virtual void abort() = 0;
  virtual bool is_open() const = 0;
  virtual std::size_t queued() const = 0;
};

namespace {

// What an upgrade that did not happen counts under.
ErrorKind upgrade_failure(const error_code& ec, unsigned status) {
  if (ec == beast::error::timeout || ec == asio::error::operation_aborted)
    return ErrorKind::kTimeout;
  if (ec == websocket::error::upgrade_declined && status != 0)
    return net::unexpected_status_kind(status);
  if (ec == asio::error::connection_reset || ec == asio::error::eof) return ErrorKind::kReset;
  return ErrorKind::kProtocol;
}

// What the end of an open session counts under, when nobody asked for it.
Failure end_failure(const error_code& ec) {
  if (ec == beast::error::timeout) return {ErrorKind::kTimeout, false, ec.message()};
  const error_code closed = websocket::error::closed;
  if (ec.category() == closed.category() && ec != websocket::error::closed) {
    return {ErrorKind::kProtocol, false, ec.message()};  // bad frame, invalid UTF-8, too big
  }
  return {ErrorKind::kNone, true, ec.message()};  // close frame, EOF or reset from the peer
}

template <class Next>
class Impl final : public Session::Core, public std::enable_shared_from_this<Impl<Next>> {
 public:
  template <class... Args>
  Impl(std::shared_ptr<const net::Origin> origin, SessionOptions options, SessionEvents events,
       Args&&... args)
      : origin_(std::move(origin)),
        options_(std::move(options)),
        events_(std::move(events)),
        ws_(std::forward<Args>(args)...) {}

  void connect(std::function<void(const ConnectOutcome&)> done) override {
    connect_done_ = std::move(done);
    started_ = SteadyClock::now();
    auto& tcp = beast::get_lowest_layer(ws_);
    tcp.expires_after(origin_->options().connect_timeout);
    auto self = this->shared_from_this();
    if (options_.source_address.empty()) {
      tcp.async_connect(origin_->endpoints(),
                        [self](error_code ec, const auto&) { self->on_tcp(ec); });
      return;
    }
    const auto endpoint = origin_->endpoints().begin()->endpoint();
    error_code ec;
    const auto source = asio::ip::make_address(options_.source_address, ec);
    if (!ec) tcp.socket().open(endpoint.protocol(), ec);
    if (!ec) {
      // Let connect() pick the port per destination, not bind(): many more ports per address.
      tcp.socket().set_option(
          asio::detail::socket_option::boolean<IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT>(true), ec);
      tcp.socket().bind({source, 0}, ec);
    }
    if (ec) {
      return finish_connect(
          {ErrorKind::kOther, false,
           "cannot bind source address " + options_.source_address + ": " + ec.message()});
    }
    tcp.async_connect(endpoint, [self](error_code e) { self->on_tcp(e); });
  }

  void send(std::string message, bool binary, bool ping) override {
    if (!open_ || closing_) return;
    queue_.push_back({std::move(message), binary, ping});
    if (!writing_) do_write();
  }

  void close(std::function<void()> done) override {
    if (!open_ || closing_) {
      asio::post(ws_.get_executor(), std::move(done));
      return;
    }
    closing_ = true;
    close_done_ = std::move(done);
    if (!writing_) do_close();
  }

  void abort() override {
    // The owner may be calling from inside one of its events: leave them in place (they are
    // never called again) rather than destroy a function that is running.
    aborted_ = true;
    open_ = false;
    error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
  }

  bool is_open() const override { return open_; }
  std::size_t queued() const override { return queue_.size(); }

 private:
  struct Outgoing {
    std::string data;
    bool binary;
    bool ping;
  };

  void on_tcp(error_code ec) {
    if (aborted_) return;
    if (ec) {
      const ErrorKind kind =
          ec == beast::error::timeout ? ErrorKind::kTimeout : net::connect_error_kind(ec);
      return finish_connect({kind, false, ec.message()});
    }
    error_code ignored;
    beast::get_lowest_layer(ws_).socket().set_option(asio::ip::tcp::no_delay(true), ignored);
    if constexpr (std::is_same_v<Next, beast::tcp_stream>) {
      upgrade();
    } else {
      auto& tls = ws_.next_layer();
      const std::string& host = origin_->url().host;
      SSL_set_tlsext_host_name(tls.native_handle(), host.c_str());
      tls.set_verify_callback(asio::ssl::host_name_verification(host));
      tls.async_handshake(
          asio::ssl::stream_base::client, [self = this->shared_from_this()](error_code e) {
            if (self->aborted_) return;
            if (e) {
              return self->finish_connect(
                  {e == beast::error::timeout ? ErrorKind::kTimeout : ErrorKind::kTls, false,
                   e.message()});
            }
            self->upgrade();
          });
    }
  }

  void upgrade() {
    auto& tcp = beast::get_lowest_layer(ws_);
    tcp.expires_never();  // from here the WebSocket's own timeouts apply
    const auto left = origin_->options().connect_timeout - (SteadyClock::now() - started_);
    websocket::stream_base::timeout t{};
    t.handshake_timeout = std::max<std::chrono::nanoseconds>(left, std::chrono::milliseconds(1));
    t.idle_timeout = websocket::stream_base::none();
    t.keep_alive_pings = false;
    ws_.set_option(t);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::request_type& req) { req.set(beast::http::field::user_agent, "perfgate"); }));
    ws_.read_message_max(options_.max_message);
    ws_.auto_fragment(false);
    ws_.write_buffer_bytes(1024);  // the masking buffer a client keeps per session
    ws_.control_callback([this](websocket::frame_type kind, beast::string_view) {
      if (kind == websocket::frame_type::pong && events_.pong) events_.pong(SteadyClock::now());
    });
    ws_.async_handshake(response_, origin_->url().authority(), options_.path,
                        [self = this->shared_from_this()](error_code ec) { self->on_upgrade(ec); });
  }

  void on_upgrade(error_code ec) {
    if (aborted_) return;
    if (ec)
      return finish_connect({upgrade_failure(ec, response_.result_int()), false, ec.message()});
    response_ = {};
    open_ = true;
    ConnectOutcome outcome;
    outcome.ws_connect = SteadyClock::now() - started_;
    do_read();
    auto done = std::move(connect_done_);
    connect_done_ = nullptr;
    done(outcome);
  }

  void finish_connect(Failure failure) {
    ended_ = true;
    error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
    auto done = std::move(connect_done_);
    connect_done_ = nullptr;
    ConnectOutcome outcome;
    outcome.failure = std::move(failure);
    if (done) done(outcome);
  }

  // Reads a message in pieces of at most kReadPiece bytes: an idle session's pending read then
  // holds a 256-byte buffer, not the 1.5 KiB Beast prepares for a whole TCP frame (at 20,000 held
  // sessions, 25 MiB of the generator's memory).
  static constexpr std::size_t kReadPiece = 256;
  void do_read() {
    ws_.async_read_some(
        buffer_, kReadPiece,
        [self = this->shared_from_this()](error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(error_code ec) {
    if (aborted_) return;
    if (ec) return on_end(ec);
    if (!ws_.is_message_done()) return do_read();
    const auto data = buffer_.cdata();
    if (events_.message) {
      events_.message(std::string_view(static_cast<const char*>(data.data()), data.size()),
                      ws_.got_binary(), SteadyClock::now());
    }
    if (aborted_) return;  // the owner ended the session from inside the callback
    buffer_.consume(buffer_.size());
    if (buffer_.capacity() > 4 * kReadPiece) buffer_.shrink_to_fit();  // after a large message
    do_read();
  }

  void on_end(error_code ec) {
    if (ended_) return;
    ended_ = true;
    open_ = false;
    queue_.clear();
    error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
    if (closing_) {
      if (auto done = std::move(close_done_)) done();
      close_done_ = nullptr;
      return;
    }
    if (events_.lost) events_.lost(end_failure(ec));
  }

  void do_write() {
    if (queue_.empty()) {
      writing_ = false;
      if (closing_) do_close();
      return;
    }
    writing_ = true;
    Outgoing& m = queue_.front();
    auto next = [self = this->shared_from_this()](error_code ec, std::size_t = 0) {
      if (self->aborted_ || self->ended_) return;
      if (ec) {  // the read loop sees the same failure and reports it
        self->writing_ = false;
        return;
      }
      self->queue_.pop_front();
      self->do_write();
    };
    if (m.ping) {
      ws_.async_ping({}, [next](error_code ec) { next(ec); });
    } else {
      ws_.binary(m.binary);
      ws_.async_write(asio::buffer(m.data), next);
    }
  }

  void do_close() {
    websocket::stream_base::timeout t{};
    t.handshake_timeout = options_.close_timeout;
    t.idle_timeout = websocket::stream_base::none();
    t.keep_alive_pings = false;
    ws_.set_option(t);
    ws_.async_close(websocket::close_code::normal,
                    [self = this->shared_from_this()](error_code ec) {
                      // The pending read ends with `closed` and finishes the close; a failed close
                      // handshake ends it here.
                      if (ec && !self->aborted_) self->on_end(ec);
                    });
  }

  std::shared_ptr<const net::Origin> origin_;
  SessionOptions options_;
  SessionEvents events_;
  websocket::stream<Next> ws_;
  beast::flat_buffer buffer_;
  websocket::response_type response_;
  std::list<Outgoing> queue_;  // not a deque: an empty one would hold a 512-byte block
  std::function<void(const ConnectOutcome&)> connect_done_;
  std::function<void()> close_done_;
  SteadyClock::time_point started_;
  bool open_ = false;
  bool writing_ = false;
  bool closing_ = false;
  bool ended_ = false;
  bool aborted_ = false;
};

}  // namespace

Session::Session(asio::io_context& io, std::shared_ptr<const net::Origin> origin,
                 SessionOptions options, SessionEvents events) {
  if (asio::ssl::context* tls = origin->tls_context()) {
    core_ = std::make_shared<Impl<beast::ssl_stream<beast::tcp_stream>>>(
        std::move(origin), std::move(options), std::move(events), io, *tls);
  } else {
    core_ = std::make_shared<Impl<beast::tcp_stream>>(std::move(origin), std::move(options),
                                                      std::move(events), io);
  }
}

Session::~Session() { abort(); }

void Session::connect(std::function<void(const ConnectOutcome&)> done) {
  core_->connect(std::move(done));
}
void Session::send(std::string message, bool binary) {
  core_->send(std::move(message), binary, false);
}
void Session::ping() { core_->send({}, false, true); }
void Session::close(std::function<void()> done) { core_->close(std::move(done)); }
void Session::abort() { core_->abort(); }
bool Session::is_open() const { return core_->is_open(); }
std::size_t Session::queued() const { return core_->queued(); }

}  // namespace perfgate::ws
