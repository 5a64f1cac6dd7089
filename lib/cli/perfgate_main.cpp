// perfgate - The command-line tool over results files.
//
//   perfgate summary RESULTS...          print each run's console summary; exit 1 if any failed
//   perfgate report RESULTS... --html F | --markdown F | --csv DIR | --prometheus-textfile F |
//                   --prometheus-push URL | --hdr-log F
//                                        write the runs in the formats people look at
//   perfgate compare BASELINE CURRENT [--max-regression 10%] [--thresholds-dir DIR]
//                    [--confidence 99%]
//                                        the change of every figure; exit 1 on a regression
//   perfgate compare AB_RESULTS          the same between the two sides of each A/B run
//   perfgate calibrate RESULTS [--thresholds-dir DIR] [--false-alarm 1%]
//                                        tiers proposed from three or more runs' spread
//   perfgate merge SHARDS... -o MERGED.json | --results-dir DIR [--thresholds DIR]
//                                        fold one scenario's shards into one result and judge it
//   perfgate check RESULTS... [--thresholds DIR]
//                                        judge results (a merged run) against the tables
//   perfgate benchmark --program BIN --table FILE [--baseline-program BIN]
//                                        run a Google Benchmark program and judge it
//   perfgate http URL ...                load one URL as wrk / wrk2 do (scripts/bench)
//   perfgate pgbench ...                 run a script as pgbench -f does (scripts/compare-pgbench)
//   perfgate <command> --help, perfgate help [command], perfgate --version
//
// RESULTS are results files or folders of them (searched recursively). Exit status: 0 success,
// 1 a failed gate or a regression, 2 bad input (named in the message).
#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "args.hpp"
#include "commands.hpp"
#include "perfgate/config/thresholds.hpp"
#include "perfgate/core/error.hpp"
#include "perfgate/core/units.hpp"
#include "perfgate/metrics/merge.hpp"
#include "perfgate/pg/workload.hpp"
#include "perfgate/report/console.hpp"
#include "perfgate/report/results_file.hpp"
#include "perfgate/run/measure.hpp"
#include "perfgate/ws/broadcast_merge.hpp"

namespace {

constexpr const char* kUsage = R"(usage: perfgate <command> [args]
       perfgate <command> --help | perfgate help [command] | perfgate --version
RESULTS are results files or folders of them (searched recursively).
commands:
  summary RESULTS...        print the summary of each results file; exit 1 if any run failed
  report RESULTS... [--html FILE] [--markdown FILE] [--csv DIR] [--prometheus-textfile FILE]
         [--prometheus-push URL] [--hdr-log FILE] [--title TEXT]
                            HTML with charts; the verdict as Markdown tables (a pull
                            request's job summary); Locust-style stats.csv and stats_history.csv;
                            Prometheus text for node_exporter or a Pushgateway push
                            (URL http://host:9091[/metrics/job/<job>[/<label>/<value>]]);
                            an HdrHistogram interval log
  compare BASELINE CURRENT [--max-regression 10%] [--thresholds-dir DIR] [--confidence 99%]
                            per metric and statistic the change from the baseline run with its
                            confidence interval (bootstrap over seconds; with three or more
                            baseline runs, their run-to-run spread) and a verdict:
                            regressed (worse than the allowed regression and surely not
                            noise), unchanged, improved or inconclusive (default allowed: the
                            table's baseline rule, else 10%); exit 1 on any regression.
                            With one argument, the two sides of each A/B run in it
  calibrate RESULTS [--thresholds-dir thresholds] [--false-alarm 1%]
                            from three or more runs of each scenario (of unchanged code), each
                            rule's spread and proposed tiers: acceptable where an unchanged run
                            fails at the false-alarm rate (a prediction bound of the runs),
                            good missed by one run in five, excellent by half; and the table's
                            limit against it (loose: a regression that size passes)
  benchmark --program BIN --table FILE [--scenario NAME] [--baseline-program BIN]
            [--results-dir DIR]
                            run a Google Benchmark program with the table's benchmark settings
                            (repetitions, min_time, ...) and judge real_time, cpu_time and
                            items/bytes_per_second per repetition by its rules; A/B against
                            --baseline-program (or PERFGATE_BASELINE_BENCHMARKS=DIR holding
                            main's build), one repetition a round; exit 1 on a failed gate
  pgbench --conninfo-file F --script S.sql [--clients N] [--threads J] [--duration 10s]
          [--protocol prepared|simple] [--scale N]
                            run a transaction script as pgbench -f does; print tps and latency
  http URL [--connections 16] [--threads 1] [--duration 10s] [--rate N/s] [--results-dir DIR]
       [--spacing even|poisson] [--timer-slack 0s] [--timeout 30s]
                            keep-alive GETs of one URL, as wrk (closed loop) or wrk2 (--rate,
                            open loop, latency from each request's intended start); print
                            requests/s and latency percentiles; --timer-slack D lets one
                            wake-up start every arrival due within D
  merge SHARDS... -o MERGED.json | --results-dir DIR [--thresholds DIR]
                            merge shard results (files, or folders of many scenarios' shards):
                            counts add, histograms merge exactly; write one scenario's merged
                            run to MERGED.json, or each as DIR/<suite>/<scenario>.json; with
                            a tables folder, judge them as check does (exit 1 if a rule fails)
  check RESULTS... [--thresholds DIR]
                            judge each run (a merged one, say) against its suite's table for
                            the profile it ran under (DIR: else $PERFGATE_THRESHOLDS_DIR, else
                            ./thresholds), with a suite's messages; exit 1 if any rule fails
)";

int summary(const std::vector<std::string>& paths) {
  if (paths.empty()) {
    std::cerr << "perfgate summary: no results files given\n" << kUsage;
    return 2;
  }
  // Every file is read before anything is printed (as report and compare do): a foreign or
  // damaged file stops the command, named, instead of trailing a page of good summaries.
  std::vector<perfgate::metrics::RunResult> runs;
  try {
    runs = perfgate::report::read_all_results(paths);
  } catch (const std::exception& e) {
    std::cerr << "perfgate summary: " << e.what() << '\n';
    return 2;
  }
  int status = 0;
  for (const auto& result : runs) {
    std::cout << perfgate::report::console_summary(result);
    if (result.judged && !result.passed && status == 0) status = 1;
  }
  return status;
}

// pgbench's own figures: tps without connection time, and the average latency.
int pgbench(const std::vector<std::string>& args) {
  std::map<std::string, std::string> flags{{"--clients", "1"},
                                           {"--threads", "1"},
                                           {"--duration", "10s"},
                                           {"--protocol", "prepared"},
                                           {"--scale", "1"}};
  for (std::size_t i = 0; i + 1 < args.size(); i += 2) flags[args[i]] = args[i + 1];
  if (args.size() % 2 != 0 || !flags.count("--conninfo-file") || !flags.count("--script")) {
    std::cerr << "perfgate pgbench: needs --conninfo-file and --script\n" << kUsage;
    return 2;
  }
  try {
    std::ifstream conninfo_in(flags["--conninfo-file"]);
    std::string conninfo;
    if (!std::getline(conninfo_in, conninfo))
      throw perfgate::core::IoError("cannot read " + flags["--conninfo-file"]);
    std::ifstream script_in(flags["--script"]);
    std::stringstream script_text;
    script_text << script_in.rdbuf();
    if (!script_in) throw perfgate::core::IoError("cannot read " + flags["--script"]);
    perfgate::pg::TransactionOptions options;
    options.scripts.push_back(perfgate::pg::parse_script(script_text.str(), flags["--script"]));
    options.prepared = flags["--protocol"] == "prepared";
    options.scale = std::stoll(flags["--scale"]);
    perfgate::pg::TransactionWorkload workload(conninfo, options, std::chrono::seconds(60));
    perfgate::load::LoadProfile profile;
    const auto clients = std::stoul(flags["--clients"]);
    profile.plan = perfgate::load::StagePlan::constant(
        static_cast<double>(clients), perfgate::core::parse_duration(flags["--duration"]));
    profile.threads = static_cast<std::uint32_t>(std::stoul(flags["--threads"]));
    const auto result = perfgate::run::measure(workload, profile, {.label = "pgbench"}).result;
    const auto& txn = result.histograms.count("txn") ? result.histograms.at("txn")
                                                     : result.histograms.at("latency");
    std::cout << fmt::format("transactions: {} (failed {})\n", result.completed, result.failed);
    std::cout << fmt::format("latency average = {:.3f} ms\n", txn.mean() / 1e6);
    std::cout << fmt::format("latency p50 = {:.3f} ms, p95 = {:.3f} ms, p99 = {:.3f} ms\n",
                             static_cast<double>(txn.percentile(50)) / 1e6,
                             static_cast<double>(txn.percentile(95)) / 1e6,
                             static_cast<double>(txn.percentile(99)) / 1e6);
    std::cout << fmt::format("tps = {:.6f} (without initial connection time)\n",
                             result.rates.at("throughput").value());
    return result.failed == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "perfgate pgbench: " << e.what() << '\n';
    return 2;
  }
}

// Judges `run` against its scenario in <thresholds_dir>/<suite>.json, for the profile it ran
// under, as the suite program would have. Throws ConfigError naming the table.
void judge(perfgate::metrics::RunResult& run, const std::string& thresholds_dir) {
  const std::string table = thresholds_dir + "/" + run.suite + ".json";
  const auto loaded = perfgate::config::load_table(table, run.profile);
  perfgate::config::evaluate(loaded.scenario(run.scenario), run);
}

// The tables folder: --thresholds (or --thresholds-dir), else PERFGATE_THRESHOLDS_DIR, else
// ./thresholds, as a suite program finds it.
std::string thresholds_dir_of(const perfgate::cli::Args& args) {
  if (std::string dir = args.flag_or_empty({"--thresholds", "--thresholds-dir"}); !dir.empty())
    return dir;
  const char* env = std::getenv("PERFGATE_THRESHOLDS_DIR");
  return env != nullptr && *env != '\0' ? env : "thresholds";
}

// A judged run's summary and, when it failed, the lines a suite's GoogleTest failure gives.
void print_verdict(const perfgate::metrics::RunResult& run) {
  std::cout << perfgate::report::console_summary(run);
  if (run.judged && !run.passed) {
    std::cout << fmt::format("{}/{} failed:{}\n", run.suite, run.scenario,
                             perfgate::report::describe_failures(run));
  }
}

// perfgate check RESULTS... [--thresholds DIR]: judges results files (a merged run, typically)
// against the tables with a suite's messages and exit status; writes nothing.
int check(const std::vector<std::string>& argv) {
  perfgate::cli::Args args;
  try {
    args = perfgate::cli::parse_args(argv, {"--thresholds", "--thresholds-dir"});
  } catch (const std::invalid_argument& e) {
    std::cerr << "perfgate check: " << e.what() << '\n' << kUsage;
    return 2;
  }
  if (args.positional.empty()) {
    std::cerr << "perfgate check: needs results files\n" << kUsage;
    return 2;
  }
  try {
    const std::string thresholds_dir = thresholds_dir_of(args);
    std::vector<perfgate::metrics::RunResult> runs =
        perfgate::report::read_all_results(args.positional);
    for (auto& run : runs) judge(run, thresholds_dir);  // every table checked before any verdict
    bool passed = true;
    for (const auto& run : runs) {
      print_verdict(run);
      passed = passed && run.passed;
    }
    return passed ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "perfgate check: " << e.what() << '\n';
    return 2;
  }
}

int merge(const std::vector<std::string>& argv) {
  perfgate::cli::Args args;
  try {
    args = perfgate::cli::parse_args(
        argv, {"-o", "--output", "--results-dir", "--thresholds", "--thresholds-dir"});
  } catch (const std::invalid_argument& e) {
    std::cerr << "perfgate merge: " << e.what() << '\n' << kUsage;
    return 2;
  }
  const std::vector<std::string>& inputs = args.positional;
  const std::string output = args.flag_or_empty({"-o", "--output"});
  const std::string results_dir = args.flag_or_empty({"--results-dir"});
  const std::string thresholds_dir = args.flag_or_empty({"--thresholds", "--thresholds-dir"});
  if (inputs.empty() || output.empty() == results_dir.empty()) {
    std::cerr
        << "perfgate merge: needs shard results (files or folders) and one of -o MERGED.json or "
           "--results-dir DIR\n"
        << kUsage;
    return 2;
  }
  try {
    // One suite's shards (folders may hold many scenarios'), grouped by scenario.
    std::vector<perfgate::metrics::RunResult> all = perfgate::report::read_all_results(inputs);
    perfgate::metrics::check_one_run(all, false);
    std::map<std::string, std::vector<perfgate::metrics::RunResult>> runs;
    for (auto& shard : all) runs[shard.scenario].push_back(std::move(shard));
    if (!output.empty() && runs.size() > 1) {
      throw std::invalid_argument(fmt::format(
          "the shards hold {} scenarios; -o writes one: use --results-dir DIR", runs.size()));
    }
    // Every run merged and judged before anything is written: all or nothing.
    std::vector<perfgate::metrics::RunResult> merged;
    for (const auto& [_, shards] : runs) {
      // Drivers fold what only they can: ws its broadcast receipts.
      const perfgate::metrics::ContextMerge drivers[] = {perfgate::ws::broadcast_merge()};
      merged.push_back(perfgate::metrics::merge_shards(shards, drivers));
      if (!thresholds_dir.empty()) {
        judge(merged.back(), thresholds_dir);
      } else {
        // Nothing judged it: it must not read as a pass to whatever reads the file.
        merged.back().thresholds.clear();
        merged.back().passed = false;
        merged.back().judged = false;
      }
    }
    bool passed = true;
    for (const auto& run : merged) {
      std::string path = output;
      if (output.empty()) {
        path = perfgate::report::write_results(results_dir, run);
      } else {
        perfgate::report::write_file_atomically(output,
                                                perfgate::report::results_text(run.to_json()));
      }
      print_verdict(run);
      std::cout << fmt::format("merged {} shards: {}\n", run.context.value("merged_shards", 0),
                               path);
      passed = passed && (run.judged ? run.passed : !run.interrupted);
    }
    return passed ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "perfgate merge: " << e.what() << '\n';
    return 2;
  }
}

// A command: its name and what runs it. Its usage is its part of kUsage (usage_of).
struct Command {
  std::string_view name;
  int (*run)(const std::vector<std::string>&);
};

// The lines of kUsage that describe command `name`: its own line (two spaces, then the name) and
// the deeper-indented lines after it, up to the next command's line.
std::string usage_of(std::string_view name) {
  const std::string_view all = kUsage;
  const std::string head = "\n  " + std::string(name) + " ";
  const auto found = all.find(head);
  if (found == std::string_view::npos) return std::string(all);
  const auto from = found + 1;
  auto to = all.find('\n', from);
  while (to != std::string_view::npos && to + 3 < all.size() &&
         !(all.substr(to + 1, 2) == "  " && all[to + 3] != ' ')) {
    to = all.find('\n', to + 1);
  }
  const std::string_view lines =
      all.substr(from + 2, (to == std::string_view::npos ? all.size() : to + 1) - from - 2);
  std::string out = "usage: perfgate " + std::string(lines);
  if (lines.find("RESULTS") != std::string_view::npos ||
      lines.find("SHARDS") != std::string_view::npos)
    out += "RESULTS (and SHARDS) are results files or folders of them (searched recursively).\n";
  return out;
}

int http(const std::vector<std::string>& a) { return perfgate::cli::http_command(a); }
int report(const std::vector<std::string>& a) { return perfgate::cli::report_command(a); }
int compare(const std::vector<std::string>& a) { return perfgate::cli::compare_command(a); }
int calibrate(const std::vector<std::string>& a) { return perfgate::cli::calibrate_command(a); }
int benchmark(const std::vector<std::string>& a) { return perfgate::cli::benchmark_command(a); }

constexpr Command kCommands[] = {
    {"summary", summary},     {"report", report},   {"compare", compare},
    {"calibrate", calibrate}, {"pgbench", pgbench}, {"http", http},
    {"merge", merge},         {"check", check},     {"benchmark", benchmark},
};

const Command* find_command(std::string_view name) {
  for (const Command& c : kCommands) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

bool asks_for_help(const std::vector<std::string>& args) {
  for (const std::string& a : args) {
    if (a == "--help" || a == "-h") return true;
  }
  return false;
}

}  // namespace

#ifndef PERFGATE_SOURCE_REVISION
#define PERFGATE_SOURCE_REVISION "unknown"
#endif
#ifndef PERFGATE_VERSION
#define PERFGATE_VERSION "unknown"
#endif

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::cerr << kUsage;
    return 2;
  }
  if (args[0] == "--help" || args[0] == "-h") {
    std::cout << kUsage;
    return 0;
  }
  if (args[0] == "--version" || args[0] == "version") {
    std::cout << "perfgate " << PERFGATE_VERSION << " (" << PERFGATE_SOURCE_REVISION << ")\n";
    return 0;
  }
  if (args[0] == "help") {
    if (args.size() == 1) {
      std::cout << kUsage;
      return 0;
    }
    if (find_command(args[1]) == nullptr) {
      std::cerr << "perfgate help: unknown command '" << args[1] << "'\n" << kUsage;
      return 2;
    }
    std::cout << usage_of(args[1]);
    return 0;
  }
  const Command* command = find_command(args[0]);
  if (command == nullptr) {
    std::cerr << "perfgate: unknown command '" << args[0] << "'\n" << kUsage;
    return 2;
  }
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (asks_for_help(rest)) {
    std::cout << usage_of(command->name);
    return 0;
  }
  return command->run(rest);
}
