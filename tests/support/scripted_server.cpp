// scripted_server.cpp - A loopback TCP server that replies with scripted bytes.
#include "scripted_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <stdexcept>
#include <vector>

namespace perfgate::testing {

std::string sse_head() {
  return "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";
}

std::string http_chunk(const std::string& data) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return size + data + "\r\n";
}

ScriptedServer::ScriptedServer(std::string reply, After after)
    : reply_(std::move(reply)), after_(after) {
  listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listener_, 64) != 0) {
    throw std::runtime_error("scripted server: cannot listen");
  }
  socklen_t len = sizeof addr;
  ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { serve(); });
}

ScriptedServer::~ScriptedServer() {
  stopping_ = true;
  ::shutdown(listener_, SHUT_RDWR);
  ::close(listener_);
  thread_.join();
}

namespace {

// Reads one request (headers, and a body of Content-Length bytes). False when the peer is gone.
bool read_request(int fd, const std::atomic<bool>& stopping) {
  std::string data;
  char buffer[4096];
  std::size_t need = std::string::npos;
  while (!stopping.load()) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n <= 0) return false;
    data.append(buffer, static_cast<std::size_t>(n));
    const auto end = data.find("\r\n\r\n");
    if (end == std::string::npos) continue;
    if (need == std::string::npos) {
      std::size_t length = 0;
      const auto at = data.find("Content-Length: ");
      if (at != std::string::npos && at < end) length = std::stoul(data.substr(at + 16));
      need = end + 4 + length;
    }
    if (data.size() >= need) return true;
  }
  return false;
}

}  // namespace

void ScriptedServer::serve() {
  std::vector<int> held;  // stalled connections, kept open until the end
  while (!stopping_.load()) {
    pollfd p{listener_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    const int fd = ::accept(listener_, nullptr, nullptr);
    if (fd < 0) continue;
    for (;;) {
      if (!read_request(fd, stopping_)) break;
      ++requests_;
      (void)!::write(fd, reply_.data(), reply_.size());
      if (after_ != After::kKeepAlive) break;
    }
    if (after_ == After::kStall) {
      held.push_back(fd);
    } else {
      ::close(fd);
    }
  }
  for (int fd : held) ::close(fd);
}

}  // namespace perfgate::testing
