// http_connection.cpp - Keep-alive HTTP/1.1 connection: do_x / on_x steps, each with a deadline.
#include "perfgate/net/http_connection.hpp"

#include <fmt/format.h>

#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "perfgate/core/clock.hpp"
#include "perfgate/core/error.hpp"

namespace perfgate::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using boost::system::error_code;
using core::SteadyClock;
using metrics::ErrorKind;

metrics::ErrorKind unexpected_status_kind(unsigned status) {
  if (status >= 500) return ErrorKind::kStatus5xx;
  if (status >= 400) return ErrorKind::kStatus4xx;
  return ErrorKind::kProtocol;
}

Origin::Origin(const Url& url, ClientOptions options) : url_(url), options_(options) {
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

enum class Phase { kConnect, kHandshake, kWrite, kReadHeader, kReadBody };

// Maps a failed step to the kind it is counted under.
ErrorKind classify(const error_code& ec, Phase phase) {
  if (ec == beast::error::timeout || ec == asio::error::operation_aborted)
    return ErrorKind::kTimeout;
  if (phase == Phase::kConnect) {
    return ec == asio::error::connection_refused ? ErrorKind::kRefused : ErrorKind::kOther;
  }
  if (phase == Phase::kHandshake) return ErrorKind::kTls;
  const error_code eos = bhttp::error::end_of_stream;
  if (ec.category() == eos.category() && ec != bhttp::error::end_of_stream &&
      ec != bhttp::error::partial_message) {
    return ErrorKind::kProtocol;  // a parse error, an oversize header or body
  }
  if (phase == Phase::kReadBody || ec == bhttp::error::partial_message) {
    return ErrorKind::kClosedEarly;
  }
  return ErrorKind::kReset;  // write failed, or closed / reset before a response began
}

}  // namespace

struct Connection::State : std::enable_shared_from_this<Connection::State> {
  State(asio::io_context& io, std::shared_ptr<const Origin> o) : io(io), origin(std::move(o)) {}

  asio::io_context& io;
  std::shared_ptr<const Origin> origin;
  std::optional<beast::tcp_stream> tcp;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  // One read loop for every response: body bytes land in body_chunk as they arrive, then go to
  // the sink (streaming callers) or into exchange.body.
  std::optional<bhttp::response_parser<bhttp::buffer_body>> parser;
  std::array<char, 16 * 1024> body_chunk;
  BodySink sink;
  Request request;
  Exchange exchange;
  std::function<void(Exchange&&)> done;
  SteadyClock::time_point step_start;
  SteadyClock::time_point deadline;
  bool open = false;
  bool reused = false;  // the request went out on a connection that had served one before
  bool retried = false;

  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *tcp; }
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
    deadline = SteadyClock::now() + origin->options().request_timeout;
    if (open) {
      reused = true;
      do_write();
    } else {
      do_connect();
    }
  }

  void close() {
    // Bytes read past a failed response belong to the dead connection, never to the next one.
    buffer.clear();
    if (!open && !tcp && !tls) return;
    error_code ignored;
    lowest().socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    lowest().close();
    open = false;
  }

  void fail(const error_code& ec, Phase phase) {
    // A reused keep-alive connection the server had already closed: open a fresh one, once.
    const bool stale = reused && !retried &&
                       (phase == Phase::kWrite || phase == Phase::kReadHeader) &&
                       (ec == bhttp::error::end_of_stream || ec == asio::error::connection_reset ||
                        ec == asio::error::broken_pipe || ec == asio::error::eof);
    close();
    if (stale) {
      retried = true;
      reused = false;
      do_connect();
      return;
    }
    exchange.error = classify(ec, phase);
    exchange.detail = ec.message();
    finish();
  }

  void finish() {
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
    lowest().expires_after(origin->options().connect_timeout);
    lowest().async_connect(
        origin->endpoints(),
        [self = shared_from_this()](error_code ec, const auto&) { self->on_connect(ec); });
  }

  void on_connect(error_code ec) {
    if (ec) return fail(ec, Phase::kConnect);
    exchange.connect = SteadyClock::now() - step_start;
    error_code ignored;
    lowest().socket().set_option(asio::ip::tcp::no_delay(true), ignored);
    if (!tls) {
      open = true;
      return do_write();
    }
    const std::string& host = origin->url().host;
    if (!SSL_set_tlsext_host_name(tls->native_handle(), host.c_str())) {
      return fail(error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category()),
                  Phase::kHandshake);
    }
    if (!origin->options().insecure)
      tls->set_verify_callback(asio::ssl::host_name_verification(host));
    step_start = SteadyClock::now();
    lowest().expires_after(origin->options().connect_timeout);
    tls->async_handshake(asio::ssl::stream_base::client,
                         [self = shared_from_this()](error_code e) { self->on_handshake(e); });
  }

  void on_handshake(error_code ec) {
    if (ec) return fail(ec, Phase::kHandshake);
    exchange.tls_handshake = SteadyClock::now() - step_start;
    open = true;
    do_write();
  }

  void do_write() {
    const auto remaining = deadline - SteadyClock::now();
    if (remaining <= std::chrono::nanoseconds(0)) return fail(beast::error::timeout, Phase::kWrite);
    lowest().expires_after(remaining);
    step_start = SteadyClock::now();
    with_stream([this](auto& stream) {
      bhttp::async_write(stream, request, [self = shared_from_this()](error_code ec, std::size_t) {
        self->on_write(ec);
      });
    });
  }

  void on_write(error_code ec) {
    if (ec) return fail(ec, Phase::kWrite);
    parser.emplace();
    parser->body_limit(origin->options().body_limit);
    parser->header_limit(origin->options().header_limit);
    with_stream([this](auto& stream) {
      bhttp::async_read_header(
          stream, buffer, *parser,
          [self = shared_from_this()](error_code e, std::size_t) { self->on_header(e); });
    });
  }

  void on_header(error_code ec) {
    if (ec) return fail(ec, Phase::kReadHeader);
    exchange.ttfb = SteadyClock::now() - step_start;
    exchange.status = parser->get().result_int();
    if (parser->is_done()) return on_complete();
    do_read_body();
  }

  void do_read_body() {
    parser->get().body().data = body_chunk.data();
    parser->get().body().size = body_chunk.size();
    with_stream([this](auto& stream) {
      bhttp::async_read_some(
          stream, buffer, *parser,
          [self = shared_from_this()](error_code e, std::size_t) { self->on_body(e); });
    });
  }

  void on_body(error_code ec) {
    if (ec == bhttp::error::need_buffer) ec = {};  // body_chunk is full: deliver, read on
    const std::size_t n = body_chunk.size() - parser->get().body().size;
    if (n > 0) {
      const std::string_view bytes(body_chunk.data(), n);
      if (sink) {
        sink(bytes, SteadyClock::now());
      } else {
        exchange.body.append(bytes);
      }
    }
    if (ec) return fail(ec, Phase::kReadBody);
    if (parser->is_done()) return on_complete();
    do_read_body();
  }

  void on_complete() {
    if (!parser->get().keep_alive()) close();
    finish();
  }
};

Connection::Connection(asio::io_context& io, std::shared_ptr<const Origin> origin)
    : state_(std::make_shared<State>(io, std::move(origin))) {}

Connection::~Connection() {
  if (state_) state_->close();
}

void Connection::send(Request request, std::function<void(Exchange&&)> done, BodySink sink) {
  request.set(bhttp::field::host, state_->origin->url().authority());
  request.keep_alive(true);
  request.prepare_payload();
  state_->request = std::move(request);
  state_->done = std::move(done);
  state_->sink = std::move(sink);
  state_->start();
}

void Connection::cancel() {
  if (state_->open || state_->tcp || state_->tls) {
    error_code ignored;
    state_->lowest().socket().cancel(ignored);
    state_->lowest().close();
    state_->open = false;
  }
}

bool Connection::is_open() const { return state_->open; }

}  // namespace perfgate::net
