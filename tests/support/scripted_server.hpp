// scripted_server.hpp - Test support: a real TCP server on loopback that answers every request
// with exactly the bytes a test gives it, then closes, stays silent, or keeps the connection, so
// clients can be tested against servers that misbehave in precise ways.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

namespace perfgate::testing {

class ScriptedServer {
 public:
  enum class After {
    kClose,      // close the connection after the reply
    kStall,      // keep the connection open and send nothing more
    kKeepAlive,  // read the next request on the same connection
  };
  ScriptedServer(std::string reply, After after);
  ~ScriptedServer();
  std::uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int requests() const { return requests_.load(); }

 private:
  void serve();

  std::string reply_;
  After after_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> requests_{0};
  std::thread thread_;
};

// An HTTP/1.1 response head for a chunked event stream, and one chunk.
std::string sse_head();
std::string http_chunk(const std::string& data);

}  // namespace perfgate::testing
