// benchmark_run.cpp - Running a Google Benchmark program (alone or A/B) and judging its run.
#include <fcntl.h>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "perfgate/bench/google_benchmark.hpp"
#include "perfgate/config/baseline.hpp"
#include "perfgate/core/error.hpp"
#include "perfgate/run/ab.hpp"
#include "perfgate/run/scenario.hpp"

extern char** environ;

namespace perfgate::bench {
namespace {

// A temporary file's path that is removed when this goes.
class TempFile {
 public:
  TempFile() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "perfgate-benchmark-XXXXXX").string();
    const int fd = ::mkstemp(pattern.data());
    if (fd < 0) throw core::Error(fmt::format("cannot make a temporary file: {}", strerror(errno)));
    ::close(fd);
    path_ = pattern;
  }
  ~TempFile() { std::filesystem::remove(path_); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string min_time_seconds(std::chrono::nanoseconds t) {
  return fmt::format("{:g}", std::chrono::duration<double>(t).count());
}

// One side's program runs (one repetition each) and their wall time.
struct SideRuns {
  std::vector<ProgramOutput> outputs;
  double seconds = 0;
};

ProgramOutput run_once(const std::string& program, const config::BenchmarkPlan& plan,
                       std::uint32_t repetitions, double& seconds) {
  const TempFile out;
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::string> command = command_line(program, plan, repetitions, out.path());
  ProgramOutput o = run_program(command);
  seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return o;
}

}  // namespace

std::vector<std::string> command_line(const std::string& program, const config::BenchmarkPlan& plan,
                                      std::uint32_t repetitions, const std::string& out_file) {
  std::vector<std::string> c;
  if (plan.cpu) c = {"taskset", "-c", std::to_string(*plan.cpu)};
  c.push_back(program);
  c.push_back("--benchmark_out=" + out_file);
  c.push_back("--benchmark_out_format=json");
  c.push_back(fmt::format("--benchmark_repetitions={}", repetitions));
  c.push_back("--benchmark_min_time=" + min_time_seconds(plan.min_time));
  // With one repetition a process, GB's interleaving still shuffles the benchmarks' order, so
  // no benchmark is always the first to run in a fresh process.
  if (plan.random_interleaving) c.push_back("--benchmark_enable_random_interleaving=true");
  if (!plan.filter.empty()) c.push_back("--benchmark_filter=" + plan.filter);
  return c;
}

ProgramOutput run_program(const std::vector<std::string>& command) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0)
    throw core::Error(fmt::format("cannot make a pipe: {}", strerror(errno)));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDERR_FILENO);
  std::vector<char*> argv;
  for (const std::string& a : command) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = ::posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  if (spawned != 0) {
    ::close(pipe_fds[0]);
    throw core::Error(fmt::format("cannot start {}: {}", command[0], strerror(spawned)));
  }
  std::string printed;  // shown only when the program fails: 40 rounds would bury the verdict
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(pipe_fds[0], buffer, sizeof buffer);
    if (n > 0) {
      printed.append(buffer, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    break;
  }
  ::close(pipe_fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  const std::string& program = command[command[0] == "taskset" ? 3 : 0];
  const auto last_lines = [&printed] {
    constexpr std::size_t kShown = 2000;
    return printed.empty()
               ? std::string(" (it printed nothing)")
               : ":\n" + (printed.size() > kShown ? "..." + printed.substr(printed.size() - kShown)
                                                  : printed);
  };
  if (WIFSIGNALED(status))
    throw core::Error(fmt::format("{} was killed by signal {} ({}){}", program, WTERMSIG(status),
                                  strsignal(WTERMSIG(status)), last_lines()));
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw core::Error(
        fmt::format("{} exited with status {}{}", program, WEXITSTATUS(status), last_lines()));
  std::string out_file;
  for (const std::string& a : command) {
    if (a.starts_with("--benchmark_out=")) out_file = a.substr(std::strlen("--benchmark_out="));
  }
  std::ifstream in(out_file);
  nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded()) throw core::Error(fmt::format("{} wrote no JSON to {}", program, out_file));
  try {
    return parse_output(j);
  } catch (const core::Error& e) {
    throw core::Error(fmt::format("{}'s output {}", program, e.what()));
  }
}

metrics::RunResult run_benchmark(const BenchmarkRun& how) {
  const config::ScenarioConfig& sc = *how.scenario;
  if (!sc.benchmark)
    throw core::Error(
        fmt::format("scenario {} of {} is a load, not a benchmark", sc.name, sc.file));
  const config::BenchmarkPlan& plan = *sc.benchmark;
  std::ostringstream silent;
  std::ostream& out = how.out ? *how.out : silent;
  metrics::RunResult r;
  std::optional<metrics::RunResult> a;  // A/B: the baseline side...
  std::optional<metrics::AbRun> ab;     // ...and how it ran
  if (!how.baseline_program) {
    // Each repetition in its own process, after a warm-up one: repetitions of one process share
    // its memory placement, which moves a microbenchmark by up to 1.7x on a VM (see
    // stats::two_sample_change_interval), so they would show far less spread than the next run
    // will; separate processes are what a stored baseline's comparison needs.
    out << fmt::format("perfgate: running {} ({} repetitions, each in its own process)\n",
                       how.program, plan.repetitions)
        << std::flush;
    double ignored = 0;
    run_once(how.program, plan, 1, ignored);
    SideRuns runs;
    for (std::uint32_t k = 0; k < plan.repetitions; ++k)
      runs.outputs.push_back(run_once(how.program, plan, 1, runs.seconds));
    r = to_run(runs.outputs, runs.seconds);
  } else {
    // A/B: a warm-up round per side, then one repetition a round in ABBA order, so that round k
    // of each side ran next to the other's.
    const std::vector<run::Side> order = run::ab_order(2 * plan.repetitions);
    out << fmt::format("perfgate: A/B against {}: a warm-up round per side, then {} rounds, {}\n",
                       *how.baseline_program, order.size(), run::order_text(order));
    const auto program = [&how](run::Side s) {
      return s == run::Side::kBaseline ? *how.baseline_program : how.program;
    };
    double ignored = 0;
    for (const run::Side s : {run::Side::kCandidate, run::Side::kBaseline})
      run_once(program(s), plan, 1, ignored);
    SideRuns baseline, candidate;
    for (const run::Side s : order) {
      SideRuns& side = s == run::Side::kBaseline ? baseline : candidate;
      side.outputs.push_back(run_once(program(s), plan, 1, side.seconds));
    }
    a = to_run(baseline.outputs, baseline.seconds);
    r = to_run(candidate.outputs, candidate.seconds);
    r.context["baseline_program"] = *how.baseline_program;
    ab = metrics::AbRun{.baseline_target = *how.baseline_program,
                        .order = run::order_text(order),
                        .round_s = candidate.seconds / plan.repetitions,
                        .baseline = nullptr};
  }
  run::name_run(sc, r);
  r.context.update(how.context);
  r.context["program"] = how.program;
  r.context["benchmark"] = sc.load_json;
  r.context["thresholds_file"] = sc.file;
  config::evaluate(sc, r);
  if (a) {
    run::judge_ab(sc, std::move(*ab), std::move(*a), r);
  } else if (const std::string note = run::compare_with_baseline(sc, how.baseline_path, r);
             !note.empty()) {
    out << "perfgate: " << note << '\n';
  }
  return r;
}

}  // namespace perfgate::bench
