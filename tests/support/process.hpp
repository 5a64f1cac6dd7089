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

// A program started with extra environment variables, its output captured, for a test that acts
// on it while it runs (signals it, kills its target) and then waits for it. Killed if never waited.
class StartedProgram {
 public:
  StartedProgram(const std::vector<std::string>& argv,
                 const std::map<std::string, std::string>& env);
  ~StartedProgram();
  StartedProgram(const StartedProgram&) = delete;
  StartedProgram& operator=(const StartedProgram&) = delete;

  pid_t pid() const { return pid_; }
  // Waits (SIGKILL after `timeout`) and returns the exit code (128 + signal) and the output.
  ProgramResult wait(std::chrono::seconds timeout = std::chrono::seconds(120));
  // Everything the program has printed so far (GoogleTest's "[  SKIPPED ]" as "[  skipped ]").
  std::string output_so_far() const;

 private:
  std::string dir_;
  pid_t pid_ = -1;
};

// Runs `argv` with extra environment variables, waits (up to `timeout`) and returns its output.
ProgramResult run_program(const std::vector<std::string>& argv,
                          const std::map<std::string, std::string>& env,
                          std::chrono::seconds timeout = std::chrono::seconds(120));

// A TCP connection to 127.0.0.1:`port` (a file descriptor the caller closes), or -1.
int connect_to_loopback(std::uint16_t port);

// Sends `request` as given on a new connection to 127.0.0.1:`port` and returns every byte the
// server sends until it closes ("" when nothing listens). For requests a client library would
// refuse to send (oversize, malformed); ask with "Connection: close".
std::string raw_exchange(std::uint16_t port, const std::string& request);

// A fresh empty directory under the system temp dir, removed by the caller.
std::string make_temp_dir();

// A port on 127.0.0.1 with nothing listening (bound then closed).
std::uint16_t unused_port();

}  // namespace perfgate::testing
