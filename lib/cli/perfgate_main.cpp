// perfgate - The command-line tool over results files.
//
//   perfgate summary RESULTS.json...   print each run's console summary; exit 1 if any failed
//
//   perfgate pgbench --conninfo-file F --script S.sql [--clients N] [--threads J]
//                    [--duration 10s] [--protocol prepared|simple] [--scale N]
//                                      run one transaction script as pgbench -f does, and print
//                                      pgbench's figures (used by scripts/compare-pgbench)
//
//   perfgate merge SHARD.json... --results-dir DIR [--thresholds-dir DIR]
//                                      fold the results of one scenario's shards into one
//                                      (DIR/<suite>/<scenario>.json) and judge it against
//                                      <thresholds-dir>/<suite>.json; exit 1 if it fails
//
// (report, compare and check come with the reports and scale-out work.)
#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "perfgate/config/thresholds.hpp"
#include "perfgate/core/error.hpp"
#include "perfgate/core/units.hpp"
#include "perfgate/metrics/merge.hpp"
#include "perfgate/pg/workload.hpp"
#include "perfgate/report/console.hpp"
#include "perfgate/report/results_file.hpp"

namespace {

constexpr const char* kUsage = R"(usage: perfgate <command> [args]
commands:
  summary RESULTS.json...   print the summary of each results file; exit 1 if any run failed
  pgbench --conninfo-file F --script S.sql [--clients N] [--threads J] [--duration 10s]
          [--protocol prepared|simple] [--scale N]
                            run a transaction script as pgbench -f does; print tps and latency
  merge SHARD.json... --results-dir DIR [--thresholds-dir DIR]
                            merge one scenario's shard results (counts add, histograms merge
                            exactly), judge the merged run against the suite's table, write it
)";

int summary(const std::vector<std::string>& files) {
  if (files.empty()) {
    std::cerr << "perfgate summary: no results files given\n" << kUsage;
    return 2;
  }
  int status = 0;
  for (const std::string& file : files) {
    try {
      const auto result = perfgate::report::read_results(file);
      std::cout << perfgate::report::console_summary(result);
      if (!result.passed) status = 1;
    } catch (const std::exception& e) {
      std::cerr << "perfgate: " << e.what() << '\n';
      status = 2;
    }
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
    perfgate::metrics::MetricSet set;
    const auto outcome = perfgate::load::run(workload, profile, set);
    const auto result = perfgate::metrics::collect(set, outcome.recorder, outcome.steady_seconds);
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

int merge(const std::vector<std::string>& args) {
  std::vector<std::string> files;
  std::string results_dir, thresholds_dir;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if ((args[i] == "--results-dir" || args[i] == "--thresholds-dir") && i + 1 < args.size()) {
      (args[i] == "--results-dir" ? results_dir : thresholds_dir) = args[i + 1];
      ++i;
    } else if (args[i].starts_with("--")) {
      std::cerr << "perfgate merge: unknown or incomplete flag " << args[i] << '\n' << kUsage;
      return 2;
    } else {
      files.push_back(args[i]);
    }
  }
  if (files.empty() || results_dir.empty()) {
    std::cerr << "perfgate merge: needs shard results files and --results-dir\n" << kUsage;
    return 2;
  }
  try {
    std::vector<perfgate::metrics::RunResult> shards;
    for (const std::string& f : files) shards.push_back(perfgate::report::read_results(f));
    perfgate::metrics::RunResult merged = perfgate::metrics::merge_shards(shards);
    if (!thresholds_dir.empty()) {
      const std::string table = thresholds_dir + "/" + merged.suite + ".json";
      const auto loaded = perfgate::config::load_table(table, merged.profile);
      perfgate::config::evaluate(loaded.scenario(merged.scenario), merged);
    } else {
      merged.passed = !merged.interrupted;
    }
    const std::string path = perfgate::report::write_results(results_dir, merged);
    std::cout << perfgate::report::console_summary(merged)
              << fmt::format("merged {} shards: {}\n", shards.size(), path);
    return merged.passed ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "perfgate merge: " << e.what() << '\n';
    return 2;
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::cout << kUsage;
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "summary") return summary({args.begin() + 1, args.end()});
  if (args[0] == "pgbench") return pgbench({args.begin() + 1, args.end()});
  if (args[0] == "merge") return merge({args.begin() + 1, args.end()});
  std::cerr << "perfgate: unknown command '" << args[0] << "'\n" << kUsage;
  return 2;
}
