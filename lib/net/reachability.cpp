// reachability.cpp - One TCP connect, with a deadline, before any load is sent.
#include "perfgate/net/reachability.hpp"

#include <fmt/format.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>

namespace perfgate::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

std::optional<std::string> unreachable_reason(const Url& url, std::chrono::milliseconds timeout,
                                              bool insecure) {
  asio::io_context io;
  tcp::resolver resolver(io);
  asio::ssl::context tls(asio::ssl::context::tls_client);
  if (url.tls()) {
    tls.set_default_verify_paths();
    tls.set_verify_mode(insecure ? asio::ssl::verify_none : asio::ssl::verify_peer);
  }
  asio::ssl::stream<tcp::socket> stream(io, tls);
  tcp::socket& socket = stream.next_layer();
  bool handshaking = false;
  asio::steady_timer deadline(io, timeout);
  bool timed_out = false;
  boost::system::error_code result = asio::error::would_block;
  deadline.async_wait([&](boost::system::error_code ec) {
    if (ec) return;  // cancelled: the connect finished first
    timed_out = true;
    resolver.cancel();
    socket.close();
  });
  resolver.async_resolve(
      url.host, std::to_string(url.port),
      [&](boost::system::error_code ec, const tcp::resolver::results_type& endpoints) {
        if (ec) {
          result = ec;
          deadline.cancel();
          return;
        }
        asio::async_connect(
            socket, endpoints, [&](boost::system::error_code connect_ec, const tcp::endpoint&) {
              if (connect_ec || !url.tls()) {
                result = connect_ec;
                deadline.cancel();
                return;
              }
              // https:// against a plain port connects fine and then fails every request:
              // the handshake is part of being reachable.
              handshaking = true;
              SSL_set_tlsext_host_name(stream.native_handle(), url.host.c_str());
              if (!insecure)
                stream.set_verify_callback(asio::ssl::host_name_verification(url.host));
              stream.async_handshake(asio::ssl::stream_base::client,
                                     [&](boost::system::error_code handshake_ec) {
                                       result = handshake_ec;
                                       deadline.cancel();
                                     });
            });
      });
  io.run();
  if (timed_out) {
    return fmt::format("no {} within {}ms", handshaking ? "TLS handshake" : "connection",
                       timeout.count());
  }
  if (!result) return std::nullopt;
  if (handshaking) return fmt::format("TLS handshake failed: {}", result.message());
  if (result == asio::error::host_not_found || result == asio::error::host_not_found_try_again) {
    return fmt::format("host '{}' not found", url.host);
  }
  return result.message();
}

}  // namespace perfgate::net
