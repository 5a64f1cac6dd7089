// reachability.cpp - One TCP connect, with a deadline, before any load is sent.
#include "perfgate/net/reachability.hpp"

#include <fmt/format.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

namespace perfgate::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

std::optional<std::string> unreachable_reason(const Url& url, std::chrono::milliseconds timeout) {
  asio::io_context io;
  tcp::resolver resolver(io);
  tcp::socket socket(io);
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
        asio::async_connect(socket, endpoints,
                            [&](boost::system::error_code connect_ec, const tcp::endpoint&) {
                              result = connect_ec;
                              deadline.cancel();
                            });
      });
  io.run();
  if (timed_out) {
    return fmt::format("no connection within {}ms", timeout.count());
  }
  if (!result) return std::nullopt;
  if (result == asio::error::host_not_found || result == asio::error::host_not_found_try_again) {
    return fmt::format("host '{}' not found", url.host);
  }
  return result.message();
}

}  // namespace perfgate::net
