// change.cpp - The percentile bootstrap over intervals.
#include "perfgate/stats/change.hpp"

#include <algorithm>
#include <cmath>

#include "perfgate/core/random.hpp"

namespace perfgate::stats {

std::optional<ChangeInterval> change_interval(const RunIntervals& baseline,
                                              const RunIntervals& current,
                                              const BootstrapOptions& options) {
  if (baseline.count < options.min_intervals || current.count < options.min_intervals) {
    return std::nullopt;
  }
  core::SplitMix64 rng(options.seed);
  std::vector<std::size_t> a(baseline.count), b(current.count);
  std::vector<double> ratios;
  ratios.reserve(options.resamples);
  for (std::size_t r = 0; r < options.resamples; ++r) {
    for (auto& i : a) i = rng() % baseline.count;
    for (auto& i : b) i = rng() % current.count;
    const std::optional<double> before = baseline.statistic(a);
    const std::optional<double> after = current.statistic(b);
    if (!before || !after || *before == 0) continue;
    ratios.push_back(*after / *before - 1);
  }
  if (ratios.size() * 2 < options.resamples || ratios.empty()) return std::nullopt;
  std::sort(ratios.begin(), ratios.end());
  const double tail = (1 - options.confidence) / 2;
  const auto at = [&](double q) {
    const double pos = q * static_cast<double>(ratios.size() - 1);
    return ratios[static_cast<std::size_t>(std::lround(pos))];
  };
  return ChangeInterval{at(tail), at(1 - tail), options.confidence, baseline.count, current.count};
}

void WeightedIntervals::add(const std::vector<std::pair<double, std::uint64_t>>& values) {
  intervals_.push_back(values);
  indexed_ = false;
}

void WeightedIntervals::reindex() const {
  if (indexed_) return;
  values_.clear();
  for (const auto& interval : intervals_) {
    for (const auto& v : interval) values_.push_back(v.first);
  }
  std::sort(values_.begin(), values_.end());
  values_.erase(std::unique(values_.begin(), values_.end()), values_.end());
  indexed_intervals_.clear();
  for (const auto& interval : intervals_) {
    auto& out = indexed_intervals_.emplace_back();
    for (const auto& [value, count] : interval) {
      const auto at = std::lower_bound(values_.begin(), values_.end(), value) - values_.begin();
      out.emplace_back(static_cast<std::uint32_t>(at), count);
    }
  }
  merged_.assign(values_.size(), 0);
  indexed_ = true;
}

std::optional<double> WeightedIntervals::percentile(std::span<const std::size_t> picks,
                                                    double p) const {
  reindex();
  std::fill(merged_.begin(), merged_.end(), 0);
  std::uint64_t total = 0;
  for (const std::size_t i : picks) {
    for (const auto& [at, count] : indexed_intervals_[i]) {
      merged_[at] += count;
      total += count;
    }
  }
  if (total == 0) return std::nullopt;
  const auto rank =
      static_cast<std::uint64_t>(std::max(1.0, std::ceil(p / 100 * static_cast<double>(total))));
  std::uint64_t seen = 0;
  for (std::size_t v = 0; v < merged_.size(); ++v) {
    seen += merged_[v];
    if (seen >= rank) return values_[v];
  }
  return values_.back();
}

std::optional<double> WeightedIntervals::mean(std::span<const std::size_t> picks) const {
  double sum = 0;
  std::uint64_t total = 0;
  for (const std::size_t i : picks) {
    for (const auto& [value, count] : intervals_[i]) {
      sum += value * static_cast<double>(count);
      total += count;
    }
  }
  if (total == 0) return std::nullopt;
  return sum / static_cast<double>(total);
}

}  // namespace perfgate::stats
