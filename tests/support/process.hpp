// process.hpp - Test support: start the real reference service, run a program and capture output.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace perfgate::testing {

// perfgate-reference started on a free loopback port for the life of this object.
class ReferenceService {
 public:
  explicit ReferenceService(std::vector<std::string> flags = {});
  ~ReferenceService();
  ReferenceService(const ReferenceService&) = delete;
  ReferenceService& operator=(const ReferenceService&) = delete;

  std::uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // GET /metrics of the service, read over a plain socket.
  std::string metrics() const;

 private:
  std::string dir_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
};

// Any program run in the background for the life of this object (SIGTERM, then wait, at the end).
class BackgroundProcess {
 public:
  explicit BackgroundProcess(std::vector<std::string> argv);
  ~BackgroundProcess();
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;
  // Waits until 127.0.0.1:`port` accepts connections; false after `timeout`.
  static bool wait_for_port(std::uint16_t port, std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
};

struct ProgramResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs `argv` with extra environment variables, waits (up to `timeout`) and returns its output.
ProgramResult run_program(const std::vector<std::string>& argv,
                          const std::map<std::string, std::string>& env,
                          std::chrono::seconds timeout = std::chrono::seconds(120));

// A fresh empty directory under the system temp dir, removed by the caller.
std::string make_temp_dir();

// A port on 127.0.0.1 with nothing listening (bound then closed).
std::uint16_t unused_port();

}  // namespace perfgate::testing
