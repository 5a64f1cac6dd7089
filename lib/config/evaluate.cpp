// evaluate.cpp - Judging a RunResult against its scenario's rules.
#include <fmt/format.h>

#include <algorithm>

#include "perfgate/config/thresholds.hpp"
#include "perfgate/core/units.hpp"

namespace perfgate::config {
namespace {

using metrics::Direction;
using metrics::ThresholdOutcome;

bool meets(Direction d, double measured, double limit) {
  return d == Direction::kAtMost ? measured <= limit : measured >= limit;
}

}  // namespace

Measured measure(const Statistic& stat, const std::string& key, const metrics::RunResult& r,
                 Direction direction) {
  if (const auto h = r.histograms.find(key); h != r.histograms.end()) {
    const metrics::Histogram& hist = h->second;
    const metrics::MetricInfo* info = metrics::find_metric(key);
    const double scale = info ? info->scale : 1.0;
    Measured m{std::nullopt, hist.count()};
    if (stat.kind == Statistic::Kind::kCount) {
      m.value = static_cast<double>(hist.count());
    } else if (hist.count() != 0) {
      switch (stat.kind) {
        case Statistic::Kind::kPercentile:
          // The bound of the percentile's bucket that is on the safe side of the rule: a
          // bucket's values are alike to the histogram, so none of them may pass wrongly.
          m.value = static_cast<double>(direction == Direction::kAtMost
                                            ? hist.percentile(stat.percentile)
                                            : hist.percentile_lower_bound(stat.percentile)) *
                    scale;
          break;
        case Statistic::Kind::kAvg:
          m.value = hist.mean() * scale;
          break;
        case Statistic::Kind::kMin:
          m.value = static_cast<double>(hist.min()) * scale;
          break;
        default:
          m.value = static_cast<double>(hist.max()) * scale;
          break;
      }
    }
    return m;
  }
  if (const auto rate = r.rates.find(key); rate != r.rates.end()) {
    Measured m{std::nullopt, rate->second.samples};
    if (stat.kind == Statistic::Kind::kCount) {
      m.value = static_cast<double>(rate->second.samples);
    } else if (rate->second.denominator > 0) {
      m.value = rate->second.value();
    }
    return m;
  }
  return {};
}

std::vector<std::string> keys_for(const std::string& metric, const metrics::RunResult& r) {
  const auto star = metric.find(":*}");
  if (star == std::string::npos) return {metric};
  const std::string prefix = metric.substr(0, star + 1);  // "latency{stage:"
  std::vector<std::string> keys;
  for (const auto& [key, _] : r.histograms) {
    if (key.starts_with(prefix)) keys.push_back(key);
  }
  for (const auto& [key, _] : r.rates) {
    if (key.starts_with(prefix)) keys.push_back(key);
  }
  if (keys.empty()) keys.push_back(metric);
  return keys;
}

std::string UnmatchedSelector::where() const {
  return fmt::format("{}: {}: {}", scenario->file, rule->json_path, why);
}

std::vector<UnmatchedSelector> unmatched_selectors(const ScenarioConfig& scenario,
                                                   const DeclaredTags& tags) {
  std::vector<UnmatchedSelector> out;
  for (const Rule& rule : scenario.rules) {
    const std::string_view key = rule.metric;
    const auto open = key.find('{');
    const auto colon = key.find(':', open);
    if (open == std::string_view::npos || colon == std::string_view::npos || !key.ends_with('}'))
      continue;
    const std::string_view tag = key.substr(open + 1, colon - open - 1);
    const std::string_view value = key.substr(colon + 1, key.size() - colon - 2);
    const auto declared = tags.find(tag);
    if (declared == tags.end()) continue;
    const std::vector<std::string>& values = declared->second;
    if (value == "*" ? !values.empty()
                     : std::find(values.begin(), values.end(), value) != values.end())
      continue;
    std::string there;
    for (const std::string& v : values) there += (there.empty() ? "" : ", ") + v;
    out.push_back({&rule,
                   values.empty()
                       ? fmt::format("matches nothing: this run records no '{}' tag", tag)
                       : fmt::format("matches nothing: '{}' is one of {}", tag, there),
                   &scenario});
  }
  return out;
}

void evaluate(const ScenarioConfig& scenario, metrics::RunResult& result) {
  result.thresholds.clear();
  result.judged = true;
  result.min_samples = scenario.min_samples;
  bool passed = !result.interrupted;
  int worst_tier = static_cast<int>(Tier::kExcellent);  // the best tier every rule met
  for (const Rule& rule : scenario.rules) {
    for (const std::string& key : keys_for(rule.metric, result)) {
      const Measured m = measure(rule.statistic, key, result, rule.direction);
      ThresholdOutcome o;
      o.metric = key;
      o.statistic = rule.statistic.text;
      o.comparison = rule.direction == Direction::kAtMost ? "<=" : ">=";
      o.limit = rule.limits.at(scenario.gate);
      o.measured = m.value;
      o.samples = m.samples;
      o.min_samples = rule.min_samples;
      o.tier = "none";
      int met = static_cast<int>(Tier::kAcceptable) + 1;
      if (m.value && m.samples < rule.min_samples) {
        // A p(95) over 8 samples is a coin flip: it neither passes nor fails on its value.
        o.note = fmt::format("too few samples: {} of the {} this rule needs", m.samples,
                             rule.min_samples);
      } else if (m.value && metrics::base_name(key) == "recovery_time" &&
                 result.counters.count("recovered") && result.counters.at("recovered") == 0) {
        // The figure is only the rest of the run after the spike, a lower bound: a run that
        // ended before latency came back under its limit did not recover, however short.
        o.note = "never recovered: the run ended first (the figure is a lower bound)";
      } else if (m.value) {
        for (const auto& [tier, limit] : rule.limits) {
          if (meets(rule.direction, *m.value, limit)) {
            met = static_cast<int>(tier);
            o.tier = std::string(tier_name(tier));
            break;
          }
        }
        o.passed = met <= static_cast<int>(scenario.gate);
      } else {
        o.note = "no samples";
      }
      worst_tier = std::max(worst_tier, met);
      passed = passed && o.passed;
      result.thresholds.push_back(std::move(o));
    }
  }
  // A threshold met on 3 requests proves nothing.
  ThresholdOutcome samples;
  samples.metric = "samples";
  samples.statistic = "count";
  samples.comparison = ">=";
  samples.limit = static_cast<double>(scenario.min_samples);
  samples.measured = static_cast<double>(result.samples());
  samples.samples = result.samples();
  samples.passed = result.samples() >= scenario.min_samples;
  samples.tier = samples.passed ? "acceptable" : "none";
  if (!samples.passed) samples.note = "fewer samples than min_samples";
  // The best tier met by *every* rule: the samples rule is one of them.
  if (!samples.passed) worst_tier = static_cast<int>(Tier::kAcceptable) + 1;
  result.thresholds.push_back(std::move(samples));
  passed = passed && result.thresholds.back().passed;
  if (result.interrupted) passed = false;
  result.passed = passed;
  result.best_tier = worst_tier <= static_cast<int>(Tier::kAcceptable)
                         ? std::string(tier_name(static_cast<Tier>(worst_tier)))
                         : "none";
}

}  // namespace perfgate::config
