// baseline.cpp - Relative change from a baseline run.
#include "perfgate/config/baseline.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <set>
#include <stdexcept>

#include "perfgate/core/units.hpp"
#include "perfgate/stats/prediction.hpp"

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
  // A benchmark's repetitions are its units, one sample each: their verdict is the shift of the
  // whole distribution, the same for every percentile, so p(50) says it once.
  const bool repetitions = run.interval_unit == metrics::IntervalUnit::kRepetition;
  for (const auto& [key, _] : run.histograms) {
    for (const char* p : {"p(50)", "p(95)", "p(99)"}) {
      out.push_back({key, *parse_statistic(p)});
      if (repetitions) break;
    }
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

std::optional<stats::RunIntervals> interval_data(const Statistic& statistic, const std::string& key,
                                                 const metrics::RunResult& run) {
  using Kind = Statistic::Kind;
  // The round each kept second belongs to, when the run is rounds merged.
  std::vector<std::size_t> rounds;
  const auto keep = [&run, &rounds](std::int64_t second) {
    if (!metrics::whole_second(run, second)) return false;
    if (!run.round_starts.empty()) {
      const auto after = std::upper_bound(run.round_starts.begin(), run.round_starts.end(), second);
      rounds.push_back(after == run.round_starts.begin()
                           ? 0
                           : static_cast<std::size_t>(after - run.round_starts.begin() - 1));
    }
    return true;
  };
  if (statistic.kind == Kind::kPercentile || statistic.kind == Kind::kAvg) {
    // Every histogram's seconds; files written before they were kept have latency's in the
    // series. The part-second the run ended in is left out (metrics::whole_second).
    auto seconds = std::make_shared<stats::WeightedIntervals>();
    if (const auto it = run.intervals.find(key); it != run.intervals.end()) {
      for (const metrics::IntervalHistogram& second : it->second) {
        if (!keep(second.second)) continue;
        std::vector<std::pair<double, std::uint64_t>> values;
        for (const auto& [v, c] : second.values) values.emplace_back(v, c);
        seconds->add(values);
      }
    } else if (key == "latency") {
      for (const metrics::SeriesPoint& point : run.series) {
        if (!keep(point.second)) continue;
        std::vector<std::pair<double, std::uint64_t>> values;
        point.latency.for_each_bucket([&](std::int64_t, std::int64_t highest, std::uint64_t c) {
          values.emplace_back(static_cast<double>(highest), c);
        });
        seconds->add(values);
      }
    }
    const std::size_t n = seconds->size();
    if (n == 0) return std::nullopt;
    if (statistic.kind == Kind::kAvg) {
      return stats::RunIntervals{n, [seconds](auto picks) { return seconds->mean(picks); },
                                 std::move(rounds)};
    }
    const double p = statistic.percentile;
    return stats::RunIntervals{
        n, [seconds, p](auto picks) { return seconds->percentile(picks, p); }, std::move(rounds)};
  }
  if (statistic.kind != Kind::kRate) return std::nullopt;
  auto whole = std::make_shared<std::vector<metrics::SeriesPoint>>();
  for (const metrics::SeriesPoint& point : run.series) {
    if (keep(point.second)) whole->push_back(point);
  }
  if (whole->empty()) return std::nullopt;
  const std::size_t n = whole->size();
  if (key == "throughput") {
    return stats::RunIntervals{n,
                               [whole](auto picks) -> std::optional<double> {
                                 const auto& series = *whole;
                                 double completed = 0;
                                 for (const std::size_t i : picks) completed += series[i].completed;
                                 return completed / static_cast<double>(picks.size());
                               },
                               std::move(rounds)};
  }
  if (key == "error_rate") {
    return stats::RunIntervals{n,
                               [whole](auto picks) -> std::optional<double> {
                                 const auto& series = *whole;
                                 double failed = 0, attempted = 0;
                                 for (const std::size_t i : picks) {
                                   failed += series[i].failed;
                                   attempted += series[i].failed + series[i].completed;
                                 }
                                 if (attempted == 0) return std::nullopt;
                                 return failed / attempted;
                               },
                               std::move(rounds)};
  }
  return std::nullopt;
}

namespace {

// Judged on the two figures alone: all a statistic without per-second data allows.
stats::Judgement judge_figures(double change, metrics::Direction direction, double m) {
  const double worse = direction == metrics::Direction::kAtMost ? change : -change;
  if (worse > m) return {stats::Verdict::kRegressed, std::nullopt};
  if (worse < -m) return {stats::Verdict::kImproved, std::nullopt};
  return {stats::Verdict::kUnchanged, std::nullopt};
}

}  // namespace

namespace {

// One Change per (key, statistic) that `statistics` name in `current`, each once, with its
// metric, statistic and direction set; `judge(change, statistic, key)` does the rest.
void set_verdict(Change& c, const stats::Judgement& j) {
  c.judged = true;
  c.verdict = j.verdict;
  c.longer_by = j.longer_by;
  c.regressed = j.verdict == stats::Verdict::kRegressed;
}

// The interval of a benchmark's change, repetitions being processes. Two kinds of noise move
// them: the machine's speed over stretches of rounds (seen: both sides 290 ns for 4 rounds, then
// 170, then 270 again), which round pairs cancel and ranks over all pairs do not; and each
// process's own placement (148 or 250 ns, independently per side), which ranks see through and
// round pairs carry twice. In A/B (rounds) both intervals are computed, each at half the error
// budget (99.5% for 99%: Bonferroni), and the one that decides is taken (the narrower when both
// or neither do): the verdict errs at most 1 - confidence of the time whichever noise there was.
// A stored run has no rounds: ranks alone, at `confidence`.
std::optional<stats::ChangeInterval> repetitions_interval(const stats::RunIntervals& a,
                                                          const stats::RunIntervals& b, bool rounds,
                                                          metrics::Direction direction,
                                                          double max_regression,
                                                          double confidence) {
  if (!rounds) return stats::two_sample_change_interval(a, b, confidence);
  const double each = 1 - (1 - confidence) / 2;
  std::optional<stats::ChangeInterval> ranks = stats::two_sample_change_interval(a, b, each);
  std::optional<stats::ChangeInterval> pairs = stats::paired_change_interval(a, b, each);
  const auto decides = [&](const std::optional<stats::ChangeInterval>& i) {
    return i && i->estimate &&
           stats::judge(*i->estimate, *i, direction, max_regression).verdict !=
               stats::Verdict::kInconclusive;
  };
  std::optional<stats::ChangeInterval> chosen;
  if (decides(ranks) != decides(pairs)) {
    chosen = decides(ranks) ? ranks : pairs;
  } else if (ranks && pairs) {
    chosen = ranks->high - ranks->low <= pairs->high - pairs->low ? ranks : pairs;
  } else {
    chosen = ranks ? ranks : pairs;
  }
  if (chosen) chosen->confidence = confidence;  // what the verdict's error rate is held to
  return chosen;
}

template <class Judge>
std::vector<Change> changes_of(const std::vector<ComparedStatistic>& statistics,
                               const metrics::RunResult& current, Judge judge) {
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
      judge(c, stat.statistic, key);
      out.push_back(std::move(c));
    }
  }
  return out;
}

}  // namespace

std::vector<Change> compare_runs(const metrics::RunResult& baseline,
                                 const metrics::RunResult& current,
                                 const std::vector<ComparedStatistic>& statistics,
                                 double max_regression, std::uint64_t min_samples,
                                 const stats::BootstrapOptions& bootstrap) {
  return changes_of(
      statistics, current, [&](Change& c, const Statistic& statistic, const std::string& key) {
        const Measured before = measure(statistic, key, baseline);
        const Measured now = measure(statistic, key, current);
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
          if (std::min(before.samples, now.samples) < min_samples) {
            c.note = fmt::format("fewer than {} samples: not judged", min_samples);
          } else {
            const auto a = interval_data(statistic, key, baseline);
            const auto b = interval_data(statistic, key, current);
            // Benchmark repetitions (each its own process) are independent units, compared
            // by ranks; the two sides of a load's A/B run pair round by round; other runs get
            // the bootstrap over seconds.
            const bool units = baseline.interval_unit == metrics::IntervalUnit::kRepetition &&
                               current.interval_unit == metrics::IntervalUnit::kRepetition;
            const bool rounds = !baseline.round_starts.empty() &&
                                baseline.round_starts.size() == current.round_starts.size();
            const bool paired = !units && rounds;
            if (a && b) {
              c.interval = units ? repetitions_interval(*a, *b, rounds, c.direction, max_regression,
                                                        bootstrap.confidence)
                           : paired ? stats::paired_change_interval(*a, *b, bootstrap.confidence)
                                    : stats::change_interval(*a, *b, bootstrap);
            }
            stats::Judgement j;
            if (c.interval) {
              // A rank interval brings its own centre: the change the verdict reports.
              if (c.interval->estimate) c.change = *c.interval->estimate;
              c.decided_by = units    ? Change::More::kRepetitions
                             : paired ? Change::More::kRounds
                                      : Change::More::kLength;
              j = stats::judge(*c.change, *c.interval, c.direction, max_regression);
            } else if (a && b && (paired || units)) {
              // Too few rounds to be sure of anything: the figures alone are what A/B replaces.
              j = {stats::Verdict::kInconclusive, std::nullopt};
              c.note = units ? "fewer than 5 repetitions with samples a side: more decide"
                             : fmt::format(
                                   "fewer than {} paired rounds with samples: more rounds decide",
                                   stats::min_pairs(bootstrap.confidence));
            } else {
              j = judge_figures(*c.change, c.direction, max_regression);
              c.note = a && b ? fmt::format("fewer than {} seconds: judged on the figures alone",
                                            bootstrap.min_intervals)
                              : "no per-second data: judged on the figures alone";
            }
            set_verdict(c, j);
          }
        }
      });
}

std::vector<Change> compare_runs(const std::vector<const metrics::RunResult*>& baselines,
                                 const metrics::RunResult& current,
                                 const std::vector<ComparedStatistic>& statistics,
                                 double max_regression, std::uint64_t min_samples,
                                 const stats::BootstrapOptions& bootstrap) {
  if (baselines.empty()) throw std::invalid_argument("compare_runs: no baseline run");
  if (baselines.size() < 3) {
    return compare_runs(*baselines.back(), current, statistics, max_regression, min_samples,
                        bootstrap);
  }
  return changes_of(
      statistics, current, [&](Change& c, const Statistic& statistic, const std::string& key) {
        std::vector<double> before;
        c.baseline_samples = UINT64_MAX;
        for (const metrics::RunResult* b : baselines) {
          const Measured m = measure(statistic, key, *b);
          if (m.value) before.push_back(*m.value);
          c.baseline_samples = std::min(c.baseline_samples, m.samples);
        }
        const Measured now = measure(statistic, key, current);
        c.current = now.value;
        c.current_samples = now.samples;
        const auto history =
            now.value ? stats::change_from_history(before, *now.value, bootstrap.confidence)
                      : std::nullopt;
        if (!now.value) {
          c.note = "no samples in this run";
        } else if (before.size() < baselines.size()) {
          c.note = fmt::format("missing in {} of {} baseline runs",
                               baselines.size() - before.size(), baselines.size());
        } else if (!history) {
          c.note = "a baseline run's figure is 0: no relative change";
        } else {
          c.baseline = history->reference;
          c.change = *now.value / history->reference - 1;
          if (std::min(c.baseline_samples, now.samples) < min_samples) {
            c.note = fmt::format("fewer than {} samples: not judged", min_samples);
          } else {
            c.interval = history->interval;
            const stats::Judgement j =
                stats::judge(*c.change, *c.interval, c.direction, max_regression);
            set_verdict(c, {j.verdict, std::nullopt});  // more runs, not longer ones, decide
            c.note = fmt::format("against {} baseline runs", baselines.size());
          }
        }
      });
}

std::string describe_change(const Change& c) {
  if (!c.change) return "-";
  std::string text = fmt::format("{:+.1f}%", *c.change * 100);
  if (c.interval) {
    text += fmt::format(" [{:+.1f}%, {:+.1f}%] at {:g}%", c.interval->low * 100,
                        c.interval->high * 100, c.interval->confidence * 100);
  }
  return text;
}

std::string describe_verdict(const Change& c) {
  if (!c.judged) return c.note;
  std::string text(stats::verdict_name(c.verdict));
  if (c.longer_by) {
    // Near the allowed change's edge no length decides; past 20x, say so rather than a figure.
    // Below 10x a tenth is kept: "~1.1x" is nearly enough, "~2x" is twice the time.
    const double times =
        *c.longer_by < 10 ? std::ceil(*c.longer_by * 10) / 10 : std::ceil(*c.longer_by);
    const std::string x = fmt::format("~{:g}x", times);
    if (*c.longer_by > 20) {
      text += ": the change is near the allowed one's edge";
    } else if (c.decided_by == Change::More::kRounds) {
      text += fmt::format(": {} as many rounds would decide", x);
    } else if (c.decided_by == Change::More::kRepetitions) {
      text += fmt::format(": {} as many repetitions would decide", x);
    } else {
      text += fmt::format(": runs {} as long would decide", x);
    }
  }
  if (!c.note.empty()) text += " (" + c.note + ")";
  return text;
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
    o.note = c.change ? fmt::format("{} vs baseline ({} allowed): {}", describe_change(c),
                                    core::format_quantity(max_regression, core::Unit::kPercent),
                                    describe_verdict(c))
                      : c.note;
    current.passed = current.passed && o.passed;
    current.thresholds.push_back(std::move(o));
  }
  current.context["baseline"] = {
      {"file", baseline_file},
      {"max_regression", core::format_quantity(max_regression, core::Unit::kPercent)}};
}

}  // namespace perfgate::config
