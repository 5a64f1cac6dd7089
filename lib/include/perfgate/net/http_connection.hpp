// perfgate/net/http_connection.hpp - One keep-alive HTTP/1.1 connection to one origin, on Asio.
//
// A virtual user owns one Connection and sends one request at a time over it. The connection opens
// (TCP, then TLS for https) on first use and after any failure, and reports each request's phases
// (connect, tls_handshake, ttfb) and outcome. Every step has a deadline; nothing it does throws.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "perfgate/metrics/error_kind.hpp"
#include "perfgate/net/url.hpp"

namespace perfgate::net {

struct ClientOptions {
  std::chrono::nanoseconds connect_timeout = std::chrono::seconds(5);
  // Write of the request to the last byte of the response.
  std::chrono::nanoseconds request_timeout = std::chrono::seconds(30);
  bool insecure = false;  // skip certificate verification (self-signed test servers only)
  std::uint64_t body_limit = 16 * 1024 * 1024;
  std::uint32_t header_limit = 64 * 1024;
};

// Where requests go, resolved once and shared by every connection to it (read-only, thread-safe).
class Origin {
 public:
  // Resolves the URL's host now. Throws core::Error if it cannot be resolved.
  Origin(const Url& url, ClientOptions options);
  const Url& url() const { return url_; }
  // The Host header's value, made once (url().authority() formats it).
  const std::string& host_header() const { return host_header_; }
  const ClientOptions& options() const { return options_; }
  const boost::asio::ip::tcp::resolver::results_type& endpoints() const { return endpoints_; }
  // The TLS context (certificate verification on unless options().insecure); null for http.
  boost::asio::ssl::context* tls_context() const { return tls_.get(); }

 private:
  Url url_;
  std::string host_header_;
  ClientOptions options_;
  boost::asio::ip::tcp::resolver::results_type endpoints_;
  std::unique_ptr<boost::asio::ssl::context> tls_;
};

using Request = boost::beast::http::request<boost::beast::http::string_body>;

// What one request came to.
struct Exchange {
  metrics::ErrorKind error = metrics::ErrorKind::kNone;  // transport-level failure only
  unsigned status = 0;                                   // 0 when no response was read
  std::string body;
  bool new_connection = false;
  std::optional<std::chrono::nanoseconds> connect;        // when a connection was opened
  std::optional<std::chrono::nanoseconds> tls_handshake;  // when TLS was negotiated
  std::optional<std::chrono::nanoseconds> ttfb;           // request written to header parsed
  std::string detail;                                     // the underlying error message, for logs
};

// Receives a streamed response body piece by piece, with the time each piece was read.
using BodySink =
    std::function<void(std::string_view bytes, std::chrono::steady_clock::time_point at)>;

// The kind a response with an unwanted `status` counts under: status_5xx, status_4xx, or
// protocol (a success or redirect where the caller wanted something else, e.g. a refusal).
metrics::ErrorKind unexpected_status_kind(unsigned status);

class Connection {
 public:
  Connection(boost::asio::io_context& io, std::shared_ptr<const Origin> origin);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Sends `request` (Host and keep-alive are set here) and calls `done` once with the outcome.
  // With a `sink`, the body goes to it as it arrives (Exchange::body stays empty); `done` follows
  // the last piece. One request at a time.
  void send(Request request, std::function<void(Exchange&&)> done, BodySink sink = {});
  // Aborts the request in flight; its completion reports kTimeout.
  void cancel();
  bool is_open() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace perfgate::net
