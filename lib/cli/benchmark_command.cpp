// benchmark_command.cpp - `perfgate benchmark --program BIN --table FILE`: a Google Benchmark
// program run with its table's settings and judged like a load run (bench/google_benchmark.hpp).
#include <fmt/format.h>

#include <filesystem>
#include <iostream>

#include "args.hpp"
#include "commands.hpp"
#include "perfgate/bench/google_benchmark.hpp"
#include "perfgate/config/config_error.hpp"
#include "perfgate/config/targets.hpp"
#include "perfgate/core/error.hpp"
#include "perfgate/report/console.hpp"
#include "perfgate/report/results_file.hpp"

namespace perfgate::cli {
namespace {

// The table's one benchmark scenario, or the one named.
const config::ScenarioConfig& benchmark_scenario(const config::ThresholdTable& table,
                                                 const std::string* name) {
  if (name) {
    const config::ScenarioConfig& sc = table.scenario(*name);
    if (!sc.benchmark)
      throw std::invalid_argument(
          fmt::format("{}: scenario {} has a load, not \"benchmark\"", table.file, *name));
    return sc;
  }
  const config::ScenarioConfig* found = nullptr;
  for (const auto& [n, sc] : table.scenarios) {
    if (!sc.benchmark) continue;
    if (found)
      throw std::invalid_argument(
          fmt::format("{} has several benchmark scenarios: say which with --scenario", table.file));
    found = &sc;
  }
  if (!found)
    throw std::invalid_argument(
        fmt::format("{} has no benchmark scenario (one with \"benchmark\" settings)", table.file));
  return *found;
}

}  // namespace

int benchmark_command(const std::vector<std::string>& argv) {
  try {
    const Args args = parse_args(
        argv, {"--program", "--table", "--scenario", "--baseline-program", "--results-dir"});
    if (!args.positional.empty())
      throw std::invalid_argument("unexpected argument " + args.positional.front());
    const std::string* program = args.flag("--program");
    const std::string* table_file = args.flag("--table");
    if (!program || !table_file)
      throw std::invalid_argument("expected --program BIN and --table FILE");
    const config::Settings settings =
        config::Settings::from_environment("thresholds", "perf-results");
    const config::ThresholdTable table = config::load_table(*table_file, settings.profile);
    bench::BenchmarkRun how;
    how.scenario = &benchmark_scenario(table, args.flag("--scenario"));
    how.program = *program;
    // main's build of the same programs, for A/B: --baseline-program, or a folder holding them.
    if (const std::string* b = args.flag("--baseline-program")) {
      how.baseline_program = *b;
    } else if (const char* dir = std::getenv("PERFGATE_BASELINE_BENCHMARKS"); dir && *dir) {
      how.baseline_program =
          (std::filesystem::path(dir) / std::filesystem::path(*program).filename()).string();
      if (!std::filesystem::exists(*how.baseline_program))
        throw std::invalid_argument(fmt::format("PERFGATE_BASELINE_BENCHMARKS={}: no {} there", dir,
                                                *how.baseline_program));
    }
    how.baseline_path = settings.baseline;
    how.out = &std::cout;
    const std::string results_dir =
        args.flag("--results-dir") ? *args.flag("--results-dir") : settings.results_dir;
    report::ensure_writable_dir(results_dir);
    std::cout << fmt::format("perfgate: benchmark {} profile {} thresholds {} results {}\n",
                             *program, settings.profile, *table_file, results_dir);
    const metrics::RunResult r = bench::run_benchmark(how);
    const std::string path = report::write_results(results_dir, r);
    std::cout << report::console_summary(r);
    if (r.context.contains("warnings")) {
      for (const auto& w : r.context["warnings"])
        std::cout << "perfgate: warning: " << w.get<std::string>() << '\n';
    }
    std::cout << "results: " << path << '\n';
    return r.passed ? 0 : 1;
  } catch (const config::ConfigError& e) {
    std::cerr << "perfgate benchmark: " << e.what() << '\n';
  } catch (const core::Error& e) {
    std::cerr << "perfgate benchmark: " << e.what() << '\n';
  } catch (const std::exception& e) {
    std::cerr << "perfgate benchmark: " << e.what() << '\n';
  }
  return 2;
}

}  // namespace perfgate::cli
