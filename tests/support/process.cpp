// process.cpp - Test support: real processes for integration tests.
#include "process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace perfgate::testing {

namespace fs = std::filesystem;

std::string make_temp_dir() {
  std::string pattern = (fs::temp_directory_path() / "perfgate-test-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  return pattern;
}

std::uint16_t unused_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

namespace {

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Starts args[0] (looked up in PATH) with `envp`, its stdout and stderr into the file `output`.
pid_t spawn_with_output(std::vector<std::string> args, char* const* envp,
                        const std::string& output) {
  auto argv = c_strings(args);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, output.c_str(), O_WRONLY | O_CREAT, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), envp);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + args.front());
  return pid;
}

// Sends `signal` to a started child (pid > 0) and reaps it.
void end_process(pid_t pid, int signal) {
  if (pid <= 0) return;
  ::kill(pid, signal);
  int status = 0;
  ::waitpid(pid, &status, 0);
}

}  // namespace

ReferenceService::ReferenceService(std::vector<std::string> flags) : dir_(make_temp_dir()) {
  const std::string port_file = dir_ + "/port";
  std::vector<std::string> args{
      PERFGATE_REFERENCE_BIN, "--port", "0", "--port-file", port_file, "--threads", "2"};
  args.insert(args.end(), flags.begin(), flags.end());
  pid_ = spawn_with_output(std::move(args), environ, dir_ + "/log");
  for (int i = 0; i < 200 && port_ == 0; ++i) {
    std::ifstream in(port_file);
    unsigned port = 0;
    if (in >> port)
      port_ = static_cast<std::uint16_t>(port);
    else
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  if (port_ == 0) throw std::runtime_error("perfgate-reference did not start");
}

ReferenceService::~ReferenceService() {
  end_process(pid_, SIGTERM);
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

std::string ReferenceService::metrics() const {
  return raw_exchange(port_, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
}

int connect_to_loopback(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

std::string raw_exchange(std::uint16_t port, const std::string& request) {
  const int fd = connect_to_loopback(port);
  if (fd < 0) return {};
  // The server may answer (413, 431) and close before reading everything: a failed write is fine.
  (void)!::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  ::shutdown(fd, SHUT_WR);
  std::string response;
  char buffer[4096];
  ssize_t n = 0;
  while ((n = ::read(fd, buffer, sizeof buffer)) > 0)
    response.append(buffer, static_cast<std::size_t>(n));
  ::close(fd);
  return response;
}

BackgroundProcess::BackgroundProcess(std::vector<std::string> args) {
  auto argv = c_strings(args);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  const int rc = posix_spawnp(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + args.front());
}

BackgroundProcess::~BackgroundProcess() { end_process(pid_, SIGTERM); }

bool BackgroundProcess::wait_for_port(std::uint16_t port, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (const int fd = connect_to_loopback(port); fd >= 0) {
      ::close(fd);
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

StartedProgram::StartedProgram(const std::vector<std::string>& argv_in,
                               const std::map<std::string, std::string>& env)
    : dir_(make_temp_dir()) {
  std::vector<std::string> environment;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry = *e;
    const std::string key = entry.substr(0, entry.find('='));
    if (!env.count(key)) environment.push_back(entry);
  }
  for (const auto& [k, v] : env) environment.push_back(k + "=" + v);
  auto envp = c_strings(environment);
  pid_ = spawn_with_output(argv_in, envp.data(), dir_ + "/output");
}

StartedProgram::~StartedProgram() {
  end_process(pid_, SIGKILL);
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

std::string StartedProgram::output_so_far() const {
  std::ifstream in(dir_ + "/output");
  std::string output(std::istreambuf_iterator<char>(in), {});
  // CTest marks a GoogleTest test as skipped (not failed) when its output holds GoogleTest's
  // skip marker, so a suite program's own skipped tests, printed by a failing assertion here,
  // would hide the failure. The marker is reworded; nothing else changes.
  for (std::size_t at = 0; (at = output.find("[  SKIPPED ]", at)) != std::string::npos;) {
    output.replace(at, 12, "[  skipped ]");
  }
  return output;
}

ProgramResult StartedProgram::wait(std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (::waitpid(pid_, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  pid_ = -1;
  ProgramResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.output = output_so_far();
  return result;
}

ProgramResult run_program(const std::vector<std::string>& argv,
                          const std::map<std::string, std::string>& env,
                          std::chrono::seconds timeout) {
  return StartedProgram(argv, env).wait(timeout);
}

}  // namespace perfgate::testing
