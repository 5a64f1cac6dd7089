// baseline.cpp - Relative change from a baseline run.
#include "perfgate/config/baseline.hpp"

#include <fmt/format.h>

#include <cmath>
#include <set>

#include "perfgate/core/units.hpp"

namespace perfgate::config {

std::vector<ComparedStatistic> rule_statistics(const ScenarioConfig& scenario) {
  std::vector<ComparedStatistic> out;
  for (const Rule& rule : scenario.rules) {
    if (rule.statistic.kind != Statistic::Kind::kCount)
      out.push_back({rule.metric, rule.statistic});
  }
  return out;
}

std::vector<ComparedStatistic> default_statistics(const metrics::RunResult& run) {
  std::vector<ComparedStatistic> out;
  for (const auto& [key, _] : run.histograms) {
    for (const char* p : {"p(50)", "p(95)", "p(99)"}) out.push_back({key, *parse_statistic(p)});
  }
  for (const auto& [key, _] : run.rates) out.push_back({key, *parse_statistic("rate")});
  return out;
}

std::optional<std::string> incomparable(const metrics::RunResult& baseline,
                                        const metrics::RunResult& current) {
  if (baseline.suite != current.suite || baseline.scenario != current.scenario) {
    return fmt::format("the baseline is {}/{}, this run {}/{}", baseline.suite, baseline.scenario,
                       current.suite, current.scenario);
  }
  if (baseline.profile != current.profile) {
    return fmt::format(
        "the baseline ran profile '{}', this run '{}': their loads differ, so would their figures",
        baseline.profile, current.profile);
  }
  return std::nullopt;
}

std::vector<Change> compare_runs(const metrics::RunResult& baseline,
                                 const metrics::RunResult& current,
                                 const std::vector<ComparedStatistic>& statistics,
                                 double max_regression, std::uint64_t min_samples) {
  std::vector<Change> out;
  std::set<std::pair<std::string, std::string>> seen;
  for (const ComparedStatistic& stat : statistics) {
    for (const std::string& key : keys_for(stat.metric, current)) {
      if (!seen.emplace(key, stat.statistic.text).second) continue;
      const metrics::MetricInfo* info = metrics::find_metric(key);
      Change c;
      c.metric = key;
      c.statistic = stat.statistic.text;
      c.direction = info ? info->direction : metrics::Direction::kAtMost;
      const Measured before = measure(stat.statistic, key, baseline);
      const Measured now = measure(stat.statistic, key, current);
      c.baseline = before.value;
      c.current = now.value;
      c.baseline_samples = before.samples;
      c.current_samples = now.samples;
      if (!before.value || !now.value) {
        c.note = !before.value ? "no samples in the baseline" : "no samples in this run";
      } else if (*before.value == 0) {
        c.note = "baseline is 0: no relative change";
      } else {
        c.change = (*now.value - *before.value) / std::fabs(*before.value);
        const double worse = c.direction == metrics::Direction::kAtMost ? *c.change : -*c.change;
        if (std::min(before.samples, now.samples) < min_samples) {
          c.note = fmt::format("fewer than {} samples: not judged", min_samples);
        } else {
          c.regressed = worse > max_regression;
        }
      }
      out.push_back(std::move(c));
    }
  }
  return out;
}

void apply_baseline(const std::vector<Change>& changes, double max_regression,
                    const std::string& baseline_file, metrics::RunResult& current) {
  for (const Change& c : changes) {
    metrics::ThresholdOutcome o;
    o.metric = c.metric;
    o.statistic = c.statistic;
    const bool at_most = c.direction == metrics::Direction::kAtMost;
    o.comparison = at_most ? "<=" : ">=";
    o.limit = c.baseline ? *c.baseline * (at_most ? 1 + max_regression : 1 - max_regression) : 0;
    o.measured = c.current;
    o.samples = c.current_samples;
    o.passed = !c.regressed;
    o.tier = "baseline";
    o.note = c.change ? fmt::format("{:+.1f}% vs baseline ({} allowed){}", *c.change * 100,
                                    core::format_quantity(max_regression, core::Unit::kPercent),
                                    c.note.empty() ? "" : "; " + c.note)
                      : c.note;
    current.passed = current.passed && o.passed;
    current.thresholds.push_back(std::move(o));
  }
  current.context["baseline"] = {
      {"file", baseline_file},
      {"max_regression", core::format_quantity(max_regression, core::Unit::kPercent)}};
}

}  // namespace perfgate::config
