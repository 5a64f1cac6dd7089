// perfgate/bench/google_benchmark.hpp - Google Benchmark programs judged like load runs.
//
// A benchmark scenario (`"benchmark": {"ci": {"repetitions": 20, ...}}` in a threshold table, in
// place of `"load"`) names no load: a Google Benchmark program measures, and perfgate runs it
// with the profile's settings and reads its JSON output (--benchmark_out). Each repetition of
// each benchmark becomes one sample of
//
//   real_time{benchmark:NAME}         wall time per iteration (GB's real_time)
//   cpu_time{benchmark:NAME}          CPU time per iteration (GB's cpu_time)
//   items_per_second{benchmark:NAME}  and bytes_per_second: GB's counters, when the benchmark
//                                     sets them (SetItemsProcessed, SetBytesProcessed)
//
// recorded in picoseconds (a 3 ns operation is 3,000, not 3) and per repetition as well, so a
// comparison's interval rests on the repetitions (RunResult::interval_unit is kRepetition). The
// table's rules judge them in the usual grammar: `"real_time{benchmark:BM_Parse/4096}":
// {"p(50)": {"acceptable": "40us"}}`, min_samples the repetitions. Aggregates GB prints
// (mean, median, stddev, cv) are left out: perfgate computes its own from the repetitions.
//
// A/B: with a baseline program (main's build of the same benchmarks), each side runs one
// repetition per round, in ABBA order after a warm-up round per side, and round k of one side
// pairs with round k of the other (stats::paired_change_interval), as a load run's A/B does.
//
// Hygiene: GB's context (CPU count and frequency, CPU scaling, load average, library build
// type) is kept in the result under "google_benchmark", and `warnings` says what makes the
// figures doubtful: CPU frequency scaling on, a load average more than a quarter of the CPUs
// beyond the benchmark's own thread, a debug build.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "perfgate/config/thresholds.hpp"
#include "perfgate/metrics/run_result.hpp"

namespace perfgate::bench {

// One repetition of one benchmark, from GB's JSON ("run_type": "iteration").
struct Repetition {
  std::string name;        // run_name: "BM_Parse/4096", without the repetition's suffixes
  std::int64_t index = 0;  // repetition_index
  double real_ns = 0;      // per iteration, in nanoseconds whatever the time_unit
  double cpu_ns = 0;
  std::uint64_t iterations = 0;
  std::optional<double> items_per_second;
  std::optional<double> bytes_per_second;
};

// What one run of a program printed.
struct ProgramOutput {
  nlohmann::json context = nlohmann::json::object();  // GB's "context", as printed
  std::vector<Repetition> repetitions;                // in the order printed
};

// Reads GB's JSON output. Throws core::Error naming the field and what was expected: a file
// that is not GB's JSON, a benchmark that reported an error (its error_message), an unknown
// time_unit.
ProgramOutput parse_output(const nlohmann::json& j);

// What the context says makes the figures doubtful, each a sentence; empty when nothing does.
std::vector<std::string> hygiene_warnings(const nlohmann::json& context);

// One side's result from its program runs: with one run, each repetition (by its index) is an
// interval; with several (A/B rounds, one repetition each), each run is an interval and a round
// (round_starts). Sets the histograms, intervals, attempted/completed (repetitions), duration
// (`seconds`, the programs' wall time) and the context ("google_benchmark": the first run's,
// "warnings"). Does not name or judge the run.
metrics::RunResult to_run(const std::vector<ProgramOutput>& runs, double seconds);

// The command line that runs `program` for `plan` with `repetitions`, writing JSON to `out_file`:
// [taskset -c CPU] program --benchmark_out=FILE --benchmark_out_format=json
// --benchmark_repetitions=N --benchmark_min_time=S [--benchmark_enable_random_interleaving=true]
// [--benchmark_filter=F].
std::vector<std::string> command_line(const std::string& program, const config::BenchmarkPlan& plan,
                                      std::uint32_t repetitions, const std::string& out_file);

// Runs the command line, waits, and parses what it wrote. What the program prints is kept to
// itself unless it fails. Throws core::Error when it cannot start, exits non-zero or is killed
// (naming how, with the end of what it printed), or writes no valid JSON.
ProgramOutput run_program(const std::vector<std::string>& command);

struct BenchmarkRun {
  const config::ScenarioConfig* scenario = nullptr;   // a benchmark scenario (benchmark set)
  std::string program;                                // the candidate's
  std::optional<std::string> baseline_program;        // A/B when set
  std::optional<std::string> baseline_path;           // a stored baseline (PERFGATE_BASELINE)
  nlohmann::json context = nlohmann::json::object();  // added to the result's
  std::ostream* out = nullptr;                        // progress lines; none if null
};

// Runs the scenario's program (A/B when a baseline program is set), then judges the result:
// the table's rules, and the change from the baseline side (A/B) or from a stored baseline, as a
// load run is judged. Throws core::Error for a scenario that is not a benchmark, and what
// run_program throws.
metrics::RunResult run_benchmark(const BenchmarkRun& how);

}  // namespace perfgate::bench
