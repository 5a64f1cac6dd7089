// http_connection.cpp - Keep-alive HTTP/1.1 connection on Asio sockets: do_x / on_x steps, one
// request at a time, parsed by ResponseReader, under a per-request deadline.
#include "perfgate/net/http_connection.hpp"

#include <fmt/format.h>

#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/field.hpp>

#include "perfgate/core/clock.hpp"
#include "perfgate/core/error.hpp"
#include "perfgate/net/response_reader.hpp"
#include "perfgate/net/socket_error.hpp"

namespace perfgate::net {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using boost::system::error_code;
using core::SteadyClock;
using metrics::ErrorKind;

metrics::ErrorKind unexpected_status_kind(unsigned status) {
  if (status >= 500) return ErrorKind::kStatus5xx;
  if (status >= 400) return ErrorKind::kStatus4xx;
  return ErrorKind::kProtocol;
}

Origin::Origin(const Url& url, ClientOptions options)
    : url_(url), host_header_(url.authority()), options_(options) {
  asio::io_context io;
  asio::ip::tcp::resolver resolver(io);
  error_code ec;
  endpoints_ = resolver.resolve(url.host, std::to_string(url.port), ec);
  if (ec) {
    throw core::Error(
        fmt::format("cannot resolve host '{}' of {}: {}", url.host, url.to_string(), ec.message()));
  }
  if (url.tls()) {
    tls_ = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
    tls_->set_default_verify_paths();
    tls_->set_verify_mode(options.insecure ? asio::ssl::verify_none : asio::ssl::verify_peer);
  }
}

namespace {

// Header block of `request` as it goes on the wire, appended to `out` (reused between requests).
void serialize(const Request& request, std::string& out) {
  out.clear();
  out.append(request.method_string());
  out += ' ';
  out.append(request.target());
  out.append(" HTTP/1.1\r\n");
  for (const auto& field : request) {
    out.append(field.name_string());
    out.append(": ");
    out.append(field.value());
    out.append("\r\n");
  }
  out.append("\r\n");
  out.append(request.body());
}

bool is_close(const error_code& ec) {
  return ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == asio::ssl::error::stream_truncated;
}

}  // namespace

// One connection's state, shared with its in-flight handlers. Steps are do_x / on_x pairs.
//
// Deadlines cost nothing per request: `deadline` moves with every request, and one watchdog timer,
// armed only when not already armed earlier, checks it when it fires and re-arms for the rest.
// (A timer re-armed per read or write is a timer-queue update, and often a syscall, per step.)
struct Connection::State : std::enable_shared_from_this<Connection::State> {
  State(asio::io_context& io, std::shared_ptr<const Origin> o)
      : io(io),
        origin(std::move(o)),
        watchdog(io),
        reader({origin->options().header_limit, origin->options().body_limit}) {}

  asio::io_context& io;
  std::shared_ptr<const Origin> origin;
  std::optional<asio::ip::tcp::socket> tcp;
  std::optional<asio::ssl::stream<asio::ip::tcp::socket>> tls;
  asio::steady_timer watchdog;
  bool watchdog_armed = false;
  SteadyClock::time_point deadline;          // of the step in flight (connect or request)
  SteadyClock::time_point request_deadline;  // of the whole request
  bool in_flight = false;
  bool timed_out = false;

  std::string out;  // the serialized request
  std::array<char, 16 * 1024> in;
  std::size_t in_begin = 0, in_end = 0;  // unparsed bytes of `in`
  ResponseReader reader;
  bool head_request = false;

  BodySink sink;
  Exchange exchange;
  std::function<void(Exchange&&)> done;
  SteadyClock::time_point step_start;
  bool open = false;
  bool reused = false;  // the request went out on a connection that had served one before
  bool retried = false;

  asio::ip::tcp::socket& lowest() { return tls ? tls->next_layer() : *tcp; }
  template <class F>
  void with_stream(F&& f) {
    if (tls) {
      f(*tls);
    } else {
      f(*tcp);
    }
  }

  void start() {
    exchange = Exchange{};
    retried = false;
    timed_out = false;
    in_flight = true;
    request_deadline = SteadyClock::now() + origin->options().request_timeout;
    set_deadline(request_deadline);
    if (open) {
      reused = true;
      do_write();
    } else {
      do_connect();
    }
  }

  void set_deadline(SteadyClock::time_point at) {
    deadline = at;
    if (watchdog_armed && watchdog.expiry() <= at) return;  // it fires in time and re-arms
    watchdog_armed = true;
    watchdog.expires_at(at);
    watchdog.async_wait([self = shared_from_this()](error_code ec) { self->on_watchdog(ec); });
  }

  void on_watchdog(error_code ec) {
    if (ec == asio::error::operation_aborted) return;  // re-armed earlier, or shutting down
    watchdog_armed = false;
    if (!in_flight) return;
    if (SteadyClock::now() < deadline) return set_deadline(deadline);
    timed_out = true;
    abort_socket();  // the step in flight completes with operation_aborted
  }

  void abort_socket() {
    if (!tcp && !tls) return;
    error_code ignored;
    lowest().cancel(ignored);
    lowest().close(ignored);
    open = false;
  }

  void close() {
    // Bytes read past a failed response belong to the dead connection, never to the next one.
    in_begin = in_end = 0;
    if (!open && !tcp && !tls) return;
    error_code ignored;
    lowest().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    lowest().close(ignored);
    open = false;
  }

  // Fails the request with `kind`, or as a timeout when the watchdog or cancel() aborted the step.
  void fail(ErrorKind kind, std::string detail, bool may_be_stale = false,
            const error_code& ec = {}) {
    if (ec == asio::error::operation_aborted) timed_out = true;
    // A reused keep-alive connection the server had already closed: open a fresh one, once.
    const bool stale = may_be_stale && reused && !retried && !timed_out;
    close();
    if (stale) {
      retried = true;
      reused = false;
      do_connect();
      return;
    }
    exchange.error = timed_out ? ErrorKind::kTimeout : kind;
    exchange.detail = timed_out ? "deadline passed" : std::move(detail);
    finish();
  }

  void finish() {
    in_flight = false;
    auto callback = std::move(done);
    done = nullptr;
    callback(std::move(exchange));
  }

  void do_connect() {
    tls.reset();
    tcp.reset();
    if (origin->tls_context()) {
      tls.emplace(io, *origin->tls_context());
    } else {
      tcp.emplace(io);
    }
    exchange.new_connection = true;
    step_start = SteadyClock::now();
    set_deadline(std::min(request_deadline, step_start + origin->options().connect_timeout));
    asio::async_connect(
        lowest(), origin->endpoints(),
        [self = shared_from_this()](error_code ec, const auto&) { self->on_connect(ec); });
  }

  void on_connect(error_code ec) {
    if (ec) {
      return fail(connect_error_kind(ec), ec.message(), false, ec);
    }
    exchange.connect = SteadyClock::now() - step_start;
    error_code ignored;
    lowest().set_option(asio::ip::tcp::no_delay(true), ignored);
    if (!tls) {
      open = true;
      deadline = request_deadline;
      return do_write();
    }
    const std::string& host = origin->url().host;
    if (!SSL_set_tlsext_host_name(tls->native_handle(), host.c_str()))
      return fail(ErrorKind::kTls, "cannot set the TLS server name");
    if (!origin->options().insecure)
      tls->set_verify_callback(asio::ssl::host_name_verification(host));
    step_start = SteadyClock::now();
    set_deadline(std::min(request_deadline, step_start + origin->options().connect_timeout));
    tls->async_handshake(asio::ssl::stream_base::client,
                         [self = shared_from_this()](error_code e) { self->on_handshake(e); });
  }

  void on_handshake(error_code ec) {
    if (ec) return fail(ErrorKind::kTls, ec.message(), false, ec);
    exchange.tls_handshake = SteadyClock::now() - step_start;
    open = true;
    deadline = request_deadline;
    do_write();
  }

  void do_write() {
    if (SteadyClock::now() >= request_deadline) {
      timed_out = true;
      return fail(ErrorKind::kTimeout, "deadline passed");
    }
    step_start = SteadyClock::now();
    with_stream([this](auto& stream) {
      asio::async_write(
          stream, asio::buffer(out),
          [self = shared_from_this()](error_code ec, std::size_t) { self->on_write(ec); });
    });
  }

  void on_write(error_code ec) {
    if (ec) return fail(ErrorKind::kReset, ec.message(), is_close(ec), ec);
    reader.reset(head_request);
    if (in_end > in_begin) return parse();  // bytes the server sent ahead of our request
    do_read();
  }

  void do_read() {
    in_begin = in_end = 0;
    with_stream([this](auto& stream) {
      stream.async_read_some(
          asio::buffer(in.data(), in.size()),
          [self = shared_from_this()](error_code ec, std::size_t n) { self->on_read(ec, n); });
    });
  }

  void on_read(error_code ec, std::size_t n) {
    in_end += n;
    if (!ec) return parse();
    if (timed_out || ec == asio::error::operation_aborted)
      return fail(ErrorKind::kTimeout, ec.message(), false, ec);
    if (!is_close(ec)) return fail(ErrorKind::kReset, ec.message());
    if (reader.finish_at_eof() == ResponseReader::State::kDone) return on_complete();
    if (reader.closed_before_response()) return fail(ErrorKind::kReset, ec.message(), true);
    fail(ErrorKind::kClosedEarly, reader.error());
  }

  void parse() {
    const std::string_view bytes(in.data() + in_begin, in_end - in_begin);
    const auto now = SteadyClock::now();
    const bool had_header = reader.header_done();
    const auto step = reader.feed(bytes, [&](std::string_view body) {
      if (sink) {
        sink(body, now);
      } else {
        exchange.body.append(body);
      }
    });
    in_begin += step.consumed;
    if (!had_header && reader.header_done() && step.state != ResponseReader::State::kError) {
      exchange.ttfb = now - step_start;
      exchange.status = reader.status();
    }
    if (step.state == ResponseReader::State::kError)
      return fail(ErrorKind::kProtocol, reader.error());
    if (step.state == ResponseReader::State::kDone) return on_complete();
    do_read();
  }

  void on_complete() {
    if (!reader.keep_alive()) close();
    finish();
  }
};

Connection::Connection(asio::io_context& io, std::shared_ptr<const Origin> origin)
    : state_(std::make_shared<State>(io, std::move(origin))) {}

Connection::~Connection() {
  if (!state_) return;
  state_->close();
  state_->watchdog.cancel();
}

void Connection::send(Request request, std::function<void(Exchange&&)> done, BodySink sink) {
  request.set(bhttp::field::host, state_->origin->host_header());
  request.keep_alive(true);
  request.prepare_payload();
  serialize(request, state_->out);
  state_->head_request = request.method() == bhttp::verb::head;
  state_->done = std::move(done);
  state_->sink = std::move(sink);
  state_->start();
}

void Connection::cancel() { state_->abort_socket(); }

bool Connection::is_open() const { return state_->open; }

}  // namespace perfgate::net
