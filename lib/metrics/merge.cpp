// merge.cpp - Shard results folded into one run.
#include "perfgate/metrics/merge.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <stdexcept>

#include "perfgate/metrics/catalog.hpp"

namespace perfgate::metrics {

namespace {

// A merged run named as `first` (suite, scenario, profile, sample floor, context), not yet judged.
RunResult named_like(const RunResult& first) {
  RunResult m;
  m.suite = first.suite;
  m.scenario = first.scenario;
  m.profile = first.profile;
  m.shard = first.shard;
  m.min_samples = first.min_samples;
  m.context = first.context;
  m.started_at_ms = first.started_at_ms;
  return m;
}

// Adds `part`'s operation counts, errors and counters to `m`; an interrupted part interrupts it.
void add_counts(RunResult& m, const RunResult& part) {
  m.interrupted = m.interrupted || part.interrupted;
  m.attempted += part.attempted;
  m.completed += part.completed;
  m.failed += part.failed;
  m.interrupted_operations += part.interrupted_operations;
  for (const auto& [kind, n] : part.errors) m.errors[kind] += n;
  for (const auto& [name, n] : part.counters) m.counters[name] += n;
}

}  // namespace

void check_one_run(const std::vector<RunResult>& shards, bool one_scenario) {
  if (shards.empty()) throw std::invalid_argument("no shard results to merge");
  const RunResult& first = shards.front();
  for (const RunResult& s : shards) {
    const auto differs = [&](const char* what, const std::string& a, const std::string& b) {
      if (a != b) {
        throw std::invalid_argument(fmt::format(
            "cannot merge shard {}/{} of {} '{}' with shard {}/{} of {} '{}': different {}",
            first.shard.index, first.shard.count, what, a, s.shard.index, s.shard.count, what, b,
            what));
      }
    };
    differs("suite", first.suite, s.suite);
    if (one_scenario) differs("scenario", first.scenario, s.scenario);
    differs("profile", first.profile, s.profile);
    if (s.shard.count != first.shard.count) {
      throw std::invalid_argument(fmt::format("cannot merge shards of {} and of {} shards",
                                              first.shard.count, s.shard.count));
    }
  }
}

RunResult merge_shards(const std::vector<RunResult>& shards,
                       std::span<const ContextMerge> drivers) {
  check_one_run(shards, true);
  const RunResult& first = shards.front();
  std::set<int> seen;
  for (const RunResult& s : shards) {
    if (!seen.insert(s.shard.index).second) {
      throw std::invalid_argument(
          fmt::format("shard {}/{} is given twice", s.shard.index, s.shard.count));
    }
  }
  // A missing shard (a pod that failed) would gate a fraction of the load as if it were all.
  if (static_cast<int>(seen.size()) != first.shard.count) {
    std::string missing;
    for (int i = 0; i < first.shard.count; ++i) {
      if (!seen.contains(i))
        missing += fmt::format("{}{}/{}", missing.empty() ? "" : ", ", i, first.shard.count);
    }
    throw std::invalid_argument(fmt::format("cannot merge {} of {} shards: missing shard {}",
                                            seen.size(), first.shard.count, missing));
  }

  if (first.shard.count > 1 && first.capacity) {
    throw std::invalid_argument(fmt::format(
        "shard {}/{} holds a capacity search, which runs in one process and does not merge",
        first.shard.index, first.shard.count));
  }
  RunResult m = named_like(first);
  m.capacity = first.capacity;  // one shard: its search, whole
  m.shard = {0, 1};
  for (const ContextMerge& d : drivers) m.context.erase(d.key);
  m.context.erase("gate");  // a shard's: the merged run is judged
  m.context["merged_shards"] = shards.size();
  std::vector<std::vector<nlohmann::json>> sections(drivers.size());
  std::map<std::string, std::int64_t> peaks;  // Merge::kSumOfPeaks: the sum of each shard's max
  for (const RunResult& s : shards) {
    m.started_at_ms = std::min(m.started_at_ms, s.started_at_ms);
    m.ended_at_ms = std::max(m.ended_at_ms, s.ended_at_ms);
    m.duration_s = std::max(m.duration_s, s.duration_s);
    add_counts(m, s);
    for (const auto& [key, h] : s.histograms) {
      const MetricInfo* info = find_metric(key);
      switch (info ? info->merge : Merge::kSamples) {
        case Merge::kSamples:
          m.histograms[key].merge(h);
          // Shards share the clock: their seconds line up, as the series' do.
          if (const auto i = s.intervals.find(key); i != s.intervals.end())
            merge_intervals(m.intervals[key], i->second);
          break;
        case Merge::kSumOfPeaks:
          peaks[key] += h.count() > 0 ? h.max() : 0;
          break;
        case Merge::kRebuilt:  // by its driver's derive(), from the merged section
          break;
      }
    }
    for (const auto& [key, r] : s.rates) {
      RateFigure& into = m.rates[key];
      const MetricInfo* info = find_metric(key);
      into.numerator += r.numerator;
      into.samples += r.samples;
      // Per-second rates share the clock: the shards' events over the longest steady time.
      if (info && info->unit == core::Unit::kRate) {
        into.denominator = std::max(into.denominator, r.denominator);
      } else {
        into.denominator += r.denominator;
      }
    }
    for (std::size_t d = 0; d < drivers.size(); ++d) {
      if (s.context.contains(drivers[d].key)) sections[d].push_back(s.context[drivers[d].key]);
    }
  }
  for (const RunResult& s : shards) {
    // Series by wall-clock second since the earliest shard's start.
    const std::int64_t offset = (s.started_at_ms - m.started_at_ms + 500) / 1000;
    for (const SeriesPoint& p : s.series) {
      const std::int64_t second = p.second + offset;
      auto it = std::find_if(m.series.begin(), m.series.end(),
                             [&](const SeriesPoint& q) { return q.second == second; });
      if (it == m.series.end()) {
        m.series.push_back(SeriesPoint{second, 0, 0, Histogram(2)});
        it = m.series.end() - 1;
      }
      it->completed += p.completed;
      it->failed += p.failed;
      it->latency.merge(p.latency);
    }
  }
  std::sort(m.series.begin(), m.series.end(),
            [](const SeriesPoint& a, const SeriesPoint& b) { return a.second < b.second; });
  for (const auto& [key, peak] : peaks) {
    Histogram h;
    h.record(peak);
    m.histograms[key] = h;
    m.context[key] = "sum of the shards' peaks";
  }
  for (std::size_t d = 0; d < drivers.size(); ++d) {
    if (sections[d].empty()) continue;
    m.context[drivers[d].key] = drivers[d].merge(sections[d]);
    if (drivers[d].derive) drivers[d].derive(m.context[drivers[d].key], m);
  }
  return m;
}

RunResult merge_rounds(const std::vector<RunResult>& rounds) {
  check_one_run(rounds, true);
  const RunResult& first = rounds.front();
  RunResult m = named_like(first);
  m.context["rounds"] = rounds.size();
  std::int64_t offset = 0;  // where this round's second 0 lands in the merged run
  for (const RunResult& r : rounds) {
    if (r.capacity) throw std::invalid_argument("a capacity search does not run in rounds");
    m.round_starts.push_back(offset);
    m.ended_at_ms = std::max(m.ended_at_ms, r.ended_at_ms);
    m.duration_s += r.duration_s;
    add_counts(m, r);
    for (const auto& [key, h] : r.histograms) {
      const MetricInfo* info = find_metric(key);
      if (info && info->merge == Merge::kSumOfPeaks) {
        Histogram& peak = m.histograms[key];
        if (h.count() > 0 && (peak.count() == 0 || h.max() > peak.max())) {
          peak = Histogram();
          peak.record(h.max());
        }
        continue;
      }
      m.histograms[key].merge(h);
    }
    // Whole seconds only: the part-second each round ends in would sit in the middle of the
    // merged run, where readers could not tell it from a collapse.
    for (const auto& [key, seconds] : r.intervals) {
      std::vector<IntervalHistogram> moved;
      for (const IntervalHistogram& i : seconds) {
        if (!whole_second(r, i.second)) continue;
        moved.push_back(i);
        moved.back().second += offset;
      }
      merge_intervals(m.intervals[key], moved);
    }
    for (const SeriesPoint& p : r.series) {
      if (!whole_second(r, p.second)) continue;
      m.series.push_back(p);
      m.series.back().second += offset;
    }
    for (const auto& [key, rate] : r.rates) {
      RateFigure& into = m.rates[key];
      into.numerator += rate.numerator;
      into.denominator += rate.denominator;
      into.samples += rate.samples;
    }
    offset += static_cast<std::int64_t>(std::floor(r.duration_s + 1e-6));
  }
  return m;
}

}  // namespace perfgate::metrics
