// compare_command.cpp - `perfgate compare BASELINE CURRENT` (or `perfgate compare AB_RESULTS`):
// the change of every figure.
#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <map>
#include <tuple>

#include "args.hpp"
#include "commands.hpp"
#include "perfgate/config/baseline.hpp"
#include "perfgate/core/units.hpp"
#include "perfgate/metrics/catalog.hpp"
#include "perfgate/report/results_file.hpp"

namespace perfgate::cli {
namespace {

using RunKey = std::tuple<std::string, std::string, int>;  // suite, scenario, shard index

RunKey key_of(const metrics::RunResult& r) {
  return {r.suite, r.scenario, r.shard.count > 1 ? r.shard.index : -1};
}

// Every run of each scenario, in the order read: BASELINE may hold several (main's history).
std::map<RunKey, std::vector<metrics::RunResult>> by_key(std::vector<metrics::RunResult> runs) {
  std::map<RunKey, std::vector<metrics::RunResult>> out;
  for (auto& r : runs) out[key_of(r)].push_back(std::move(r));
  return out;
}

std::string figure(const std::optional<double>& v, const std::string& key) {
  if (!v) return "-";
  const metrics::MetricInfo* info = metrics::find_metric(key);
  return core::format_quantity(*v, info ? info->unit : core::Unit::kCount);
}

}  // namespace

int compare_command(const std::vector<std::string>& argv) {
  try {
    const Args args = parse_args(argv, {"--max-regression", "--thresholds-dir", "--confidence"});
    if (args.positional.empty() || args.positional.size() > 2)
      throw std::invalid_argument(
          "expected BASELINE and CURRENT (results files or folders), or one A/B run's results");
    std::optional<double> max_regression;
    if (const std::string* m = args.flag("--max-regression")) {
      max_regression = core::parse_percent(*m);
      if (!(*max_regression > 0)) throw std::invalid_argument("--max-regression must be above 0%");
    }
    stats::BootstrapOptions bootstrap;
    if (const std::string* c = args.flag("--confidence")) {
      bootstrap.confidence = core::parse_percent(*c);
      if (!(bootstrap.confidence >= 0.5 && bootstrap.confidence < 1))
        throw std::invalid_argument("--confidence must be from 50% to below 100%");
    }
    std::map<RunKey, std::vector<metrics::RunResult>> baseline, current;
    if (args.positional.size() == 2) {
      baseline = by_key(report::read_all_results({args.positional[0]}));
      current = by_key(report::read_all_results({args.positional[1]}));
    } else {
      // One folder of A/B runs: each candidate side against the baseline side measured with it.
      std::vector<metrics::RunResult> sides;
      for (metrics::RunResult& r : report::read_all_results({args.positional[0]})) {
        if (!r.ab || !r.ab->baseline) continue;
        sides.push_back(*r.ab->baseline);
        current[key_of(r)].push_back(std::move(r));
      }
      if (current.empty())
        throw std::invalid_argument(args.positional[0] +
                                    ": no A/B runs in it (with one argument, compare reads the two "
                                    "sides of A/B runs; give BASELINE and CURRENT otherwise)");
      baseline = by_key(std::move(sides));
    }
    int regressions = 0, compared = 0;
    for (const auto& [key, runs] : current) {
      const metrics::RunResult& now = runs.back();
      const auto before = baseline.find(key);
      if (before == baseline.end()) {
        std::cout << fmt::format("\n{}/{}: not in the baseline, not compared\n", now.suite,
                                 now.scenario);
        continue;
      }
      std::vector<const metrics::RunResult*> history;
      for (const metrics::RunResult& b : before->second) {
        if (const auto why = config::incomparable(b, now)) {
          throw std::invalid_argument(
              fmt::format("{}/{} cannot be compared: {}", now.suite, now.scenario, *why));
        }
        history.push_back(&b);
      }
      ++compared;
      // The table (when given) says which statistics matter and the allowed regression.
      std::vector<config::ComparedStatistic> statistics = config::default_statistics(now);
      double allowed = max_regression.value_or(0.10);
      std::string source = max_regression ? "--max-regression" : "default";
      stats::BootstrapOptions how = bootstrap;
      if (const std::string* dir = args.flag("--thresholds-dir")) {
        const auto table = config::load_table(
            (std::filesystem::path(*dir) / (now.suite + ".json")).string(), now.profile);
        const config::ScenarioConfig& sc = table.scenario(now.scenario);
        statistics = config::rule_statistics(sc);
        if (!max_regression && sc.baseline) {
          allowed = sc.baseline->max_regression;
          source = "table's baseline rule";
        }
        if (!args.flag("--confidence") && sc.baseline) how.confidence = sc.baseline->confidence;
      }
      const auto changes =
          config::compare_runs(history, now, statistics, allowed, now.min_samples, how);
      std::cout << fmt::format(
          "\n== {}/{}{}{}  max regression {} ({}), confidence {:g}% ==\n", now.suite, now.scenario,
          now.shard.count > 1 ? fmt::format(" shard {}/{}", now.shard.index, now.shard.count) : "",
          history.size() > 1 ? fmt::format(" against {} baseline runs", history.size()) : "",
          core::format_quantity(allowed, core::Unit::kPercent), source, how.confidence * 100);
      std::cout << fmt::format("{:<34} {:<9} {:>12} {:>12}  {:<32} {}\n", "metric", "statistic",
                               "baseline", "current", "change [interval]", "verdict");
      for (const config::Change& c : changes) {
        std::cout << fmt::format(
            "{:<34} {:<9} {:>12} {:>12}  {:<32} {}\n", c.metric, c.statistic,
            figure(c.baseline, c.metric), figure(c.current, c.metric), config::describe_change(c),
            c.regressed ? "REGRESSED" + config::describe_verdict(c).substr(
                                            stats::verdict_name(c.verdict).size())
                        : config::describe_verdict(c));
        if (c.regressed) ++regressions;
      }
    }
    for (const auto& [key, before] : baseline) {
      if (!current.count(key))
        std::cout << fmt::format("\n{}/{}: in the baseline only, not compared\n",
                                 before.front().suite, before.front().scenario);
    }
    if (compared == 0) throw std::invalid_argument("no scenario is in both BASELINE and CURRENT");
    std::cout << fmt::format(
        "\n{} scenarios compared: {}\n", compared,
        regressions ? fmt::format("{} regressions", regressions) : std::string("no regressions"));
    return regressions ? 1 : 0;
  } catch (const std::exception& e) {
    std::cerr << "perfgate compare: " << e.what() << '\n';
    return 2;
  }
}

}  // namespace perfgate::cli
