// calibrate_command.cpp - `perfgate calibrate RESULTS...`: limits proposed from N runs' spread.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "args.hpp"
#include "commands.hpp"
#include "perfgate/config/baseline.hpp"
#include "perfgate/core/units.hpp"
#include "perfgate/report/results_file.hpp"
#include "perfgate/stats/prediction.hpp"

namespace perfgate::cli {
namespace {

// The tiers a calibration proposes, by the share of unchanged runs that would miss each: the
// gate (acceptable) at the asked false-alarm rate; good missed by one run in five; excellent by
// half (the runs' geometric mean).
struct TierRate {
  config::Tier tier;
  double miss;  // 0: the asked false-alarm rate
};
constexpr TierRate kTierRates[] = {
    {config::Tier::kExcellent, 0.5}, {config::Tier::kGood, 0.2}, {config::Tier::kAcceptable, 0}};

std::string quantity(double v, const metrics::MetricInfo* info) {
  return core::format_quantity(v, info ? info->unit : core::Unit::kCount);
}

// One scenario's runs: prints each rule's spread, its limit and the proposed tiers, and returns
// the proposed thresholds as the table writes them.
nlohmann::json calibrate(const std::vector<const metrics::RunResult*>& runs,
                         const config::ScenarioConfig& sc, double false_alarm) {
  nlohmann::json proposed = nlohmann::json::object();
  std::cout << fmt::format("{:<34} {:<9} {:>10} {:>10} {:>10}  {:>10}  {:>10} {:>10} {:>10}  {}\n",
                           "metric", "statistic", "min", "median", "max", "limit", "excellent",
                           "good", "acceptable", "limit / proposed");
  for (const config::Rule& rule : sc.rules) {
    if (rule.statistic.kind == config::Statistic::Kind::kCount) continue;
    for (const std::string& key : config::keys_for(rule.metric, *runs.front())) {
      const metrics::MetricInfo* info = metrics::find_metric(key);
      std::vector<double> values;
      for (const metrics::RunResult* r : runs) {
        if (const auto v = config::measure(rule.statistic, key, *r, rule.direction).value)
          values.push_back(*v);
      }
      if (values.size() < runs.size()) {
        std::cout << fmt::format("{:<34} {:<9} missing in {} of {} runs: not calibrated\n", key,
                                 rule.statistic.text, runs.size() - values.size(), runs.size());
        continue;
      }
      std::vector<double> sorted = values;
      std::sort(sorted.begin(), sorted.end());
      std::map<config::Tier, double> tiers;
      for (const TierRate& t : kTierRates) {
        if (const auto bound =
                stats::prediction_bound(values, t.miss > 0 ? t.miss : false_alarm, rule.direction))
          tiers[t.tier] = *bound;
      }
      const auto limit = rule.limits.find(sc.gate);
      std::string ratio = "-";
      if (tiers.empty()) {
        ratio = "no spread to bound (a figure of 0): keep the table's limit";
      } else if (limit != rule.limits.end() && tiers.at(config::Tier::kAcceptable) > 0) {
        // How far the table lets the figure go before the gate fires, against the bound.
        const double r = limit->second / tiers.at(config::Tier::kAcceptable);
        const bool at_most = rule.direction == metrics::Direction::kAtMost;
        const bool loose = at_most ? r >= 2 : r <= 0.5;
        const bool tight = at_most ? r < 1 : r > 1;
        ratio = fmt::format("{:.2f}x{}", r,
                            loose   ? fmt::format("  (loose: a change to {:.2g}x passes)", r)
                            : tight ? std::string("  (tight: fails unchanged code too often)")
                                    : std::string());
      }
      const auto shown = [&](config::Tier t) {
        return tiers.count(t) ? quantity(tiers.at(t), info) : std::string("-");
      };
      std::cout << fmt::format(
          "{:<34} {:<9} {:>10} {:>10} {:>10}  {:>10}  {:>10} {:>10} {:>10}  {}\n", key,
          rule.statistic.text, quantity(sorted.front(), info),
          quantity(sorted[sorted.size() / 2], info), quantity(sorted.back(), info),
          limit != rule.limits.end() ? quantity(limit->second, info) : std::string("-"),
          shown(config::Tier::kExcellent), shown(config::Tier::kGood),
          shown(config::Tier::kAcceptable), ratio);
      nlohmann::json& entry = proposed[rule.metric][rule.statistic.text];
      for (const auto& [tier, v] : tiers)
        entry[std::string(config::tier_name(tier))] = quantity(v, info);
    }
  }
  return proposed;
}

}  // namespace

int calibrate_command(const std::vector<std::string>& argv) {
  try {
    const Args args = parse_args(argv, {"--thresholds-dir", "--false-alarm"});
    if (args.positional.empty())
      throw std::invalid_argument("expected RESULTS: three or more runs of each scenario");
    double false_alarm = 0.01;
    if (const std::string* f = args.flag("--false-alarm")) {
      false_alarm = core::parse_percent(*f);
      if (!(false_alarm > 0 && false_alarm < 0.5))
        throw std::invalid_argument("--false-alarm must be above 0% and below 50%");
    }
    const std::string* dir_flag = args.flag("--thresholds-dir");
    const std::string dir = dir_flag ? *dir_flag : std::string("thresholds");
    const std::vector<metrics::RunResult> all = report::read_all_results(args.positional);
    std::map<std::pair<std::string, std::string>, std::vector<const metrics::RunResult*>> groups;
    for (const metrics::RunResult& r : all) {
      if (r.shard.count > 1)
        throw std::invalid_argument(
            fmt::format("{}/{} is shard {}/{}: calibrate merged runs (perfgate merge)", r.suite,
                        r.scenario, r.shard.index, r.shard.count));
      if (r.interrupted) continue;  // cut short: not a run of the scenario as written
      groups[{r.suite, r.scenario}].push_back(&r);
    }
    if (groups.empty()) throw std::invalid_argument("no complete run in RESULTS");
    nlohmann::json proposal = nlohmann::json::object();
    for (const auto& [key, runs] : groups) {
      const auto& [suite, scenario] = key;
      for (const metrics::RunResult* r : runs) {
        if (const auto why = config::incomparable(*runs.front(), *r))
          throw std::invalid_argument(fmt::format("{}/{}: {}", suite, scenario, *why));
      }
      std::cout << fmt::format(
          "\n== {}/{}: {} runs (profile {}), false-alarm rate of the proposed gate {} ==\n", suite,
          scenario, runs.size(), runs.front()->profile,
          core::format_quantity(false_alarm, core::Unit::kPercent));
      if (runs.size() < 3) {
        std::cout << "needs at least 3 runs: the spread of fewer says nothing\n";
        continue;
      }
      const auto table = config::load_table(
          (std::filesystem::path(dir) / (suite + ".json")).string(), runs.front()->profile);
      proposal[suite][scenario] = calibrate(runs, table.scenario(scenario), false_alarm);
    }
    if (proposal.empty()) throw std::invalid_argument("no scenario has three runs to calibrate");
    std::cout << "\nproposed thresholds (per suite and scenario, as a table writes them):\n"
              << proposal.dump(2) << '\n';
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "perfgate calibrate: " << e.what() << '\n';
    return 2;
  }
}

}  // namespace perfgate::cli
