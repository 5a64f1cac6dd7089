// change.cpp - The percentile bootstrap over intervals.
#include "perfgate/stats/change.hpp"

#include <algorithm>
#include <cmath>

#include "perfgate/core/random.hpp"
#include "perfgate/stats/prediction.hpp"

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
  return ChangeInterval{at(tail),       at(1 - tail),  options.confidence,
                        baseline.count, current.count, 0};
}

namespace {

double median_of_sorted(const std::vector<double>& v) {
  const std::size_t m = v.size();
  return m % 2 == 1 ? v[m / 2] : (v[m / 2 - 1] + v[m / 2]) / 2;
}

// The intervals of each round, by round index.
std::vector<std::vector<std::size_t>> intervals_by_round(const RunIntervals& run) {
  std::vector<std::vector<std::size_t>> out;
  for (std::size_t i = 0; i < run.rounds.size() && i < run.count; ++i) {
    if (run.rounds[i] >= out.size()) out.resize(run.rounds[i] + 1);
    out[run.rounds[i]].push_back(i);
  }
  return out;
}

}  // namespace

namespace {

// P(T <= c) for Wilcoxon's signed-rank statistic T of n pairs under "no change" (each rank's
// sign a fair coin), for c = 0 .. n(n+1)/2: counts of the rank subsets with each sum, over 2^n.
std::vector<double> signed_rank_cdf(std::size_t n) {
  const std::size_t max_sum = n * (n + 1) / 2;
  std::vector<double> ways(max_sum + 1, 0.0);
  ways[0] = 1;
  for (std::size_t rank = 1; rank <= n; ++rank) {
    for (std::size_t sum = max_sum; sum >= rank; --sum) ways[sum] += ways[sum - rank];
  }
  std::vector<double> cdf(max_sum + 1);
  double seen = 0;
  const double all = std::ldexp(1.0, static_cast<int>(n));
  for (std::size_t c = 0; c <= max_sum; ++c) cdf[c] = (seen += ways[c]) / all;
  return cdf;
}

}  // namespace

std::size_t min_pairs(double confidence) {
  std::size_t n = 1;
  while (n < 60 && std::ldexp(1.0, -static_cast<int>(n)) > (1 - confidence) / 2) ++n;
  return n;
}

std::optional<ChangeInterval> paired_change_interval(const RunIntervals& baseline,
                                                     const RunIntervals& current,
                                                     double confidence) {
  const auto before = intervals_by_round(baseline);
  const auto after = intervals_by_round(current);
  if (before.empty() || before.size() != after.size()) return std::nullopt;
  std::vector<double> logs;
  for (std::size_t k = 0; k < before.size(); ++k) {
    if (before[k].empty() || after[k].empty()) continue;
    const std::optional<double> a = baseline.statistic(before[k]);
    const std::optional<double> b = current.statistic(after[k]);
    if (!a || !b || *a <= 0 || *b <= 0) continue;
    logs.push_back(std::log(*b / *a));
  }
  const std::size_t n = logs.size();
  if (n < min_pairs(confidence)) return std::nullopt;
  // The largest c with P(T <= c) <= (1 - confidence) / 2: the interval runs from the (c+1)-th
  // smallest to the (c+1)-th largest of the n(n+1)/2 Walsh averages (d_i + d_j) / 2, i <= j.
  const std::vector<double> cdf = signed_rank_cdf(n);
  std::size_t c = 0;
  while (c + 1 < cdf.size() && cdf[c + 1] <= (1 - confidence) / 2) ++c;
  std::vector<double> walsh;
  walsh.reserve(n * (n + 1) / 2);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = i; j < n; ++j) walsh.push_back((logs[i] + logs[j]) / 2);
  }
  std::sort(walsh.begin(), walsh.end());
  const double median = median_of_sorted(walsh);
  return ChangeInterval{.low = std::exp(walsh[c]) - 1,
                        .high = std::exp(walsh[walsh.size() - 1 - c]) - 1,
                        .confidence = confidence,
                        .baseline_intervals = baseline.count,
                        .current_intervals = current.count,
                        .pairs = n,
                        .estimate = std::exp(median) - 1};
}

namespace {

// P(U <= u) for the Mann-Whitney statistic U of n and m units under "no change" (every order of
// the n + m units equally likely), for u = 0 .. n*m: f(i, j, u), the orders of i and j units
// with U = u, is f(i-1, j, u-j) + f(i, j-1, u) (the largest unit from the first side, above all
// j of the other, or from the second), over C(n+m, n).
std::vector<double> rank_sum_cdf(std::size_t n, std::size_t m) {
  const std::size_t max_u = n * m;
  std::vector<std::vector<double>> before(m + 1, std::vector<double>(max_u + 1, 0.0));
  for (auto& row : before) row[0] = 1;  // i = 0: one order, U = 0
  std::vector<std::vector<double>> now = before;
  for (std::size_t i = 1; i <= n; ++i) {
    for (std::size_t j = 0; j <= m; ++j) {
      for (std::size_t u = 0; u <= max_u; ++u) {
        now[j][u] = (u >= j ? before[j][u - j] : 0.0) + (j > 0 ? now[j - 1][u] : 0.0);
      }
    }
    std::swap(before, now);
  }
  const std::vector<double>& ways = before[m];
  double all = 0;
  for (const double w : ways) all += w;
  std::vector<double> cdf(max_u + 1);
  double seen = 0;
  for (std::size_t u = 0; u <= max_u; ++u) cdf[u] = (seen += ways[u]) / all;
  return cdf;
}

// The largest c with P(U <= c) <= (1 - confidence) / 2, or nullopt when P(U <= 0) is already
// above it (too few units for that confidence).
std::optional<std::size_t> rank_sum_cut(std::size_t n, std::size_t m, double confidence) {
  const double tail = (1 - confidence) / 2;
  if (n * m <= 2500) {
    const std::vector<double> cdf = rank_sum_cdf(n, m);
    if (cdf[0] > tail) return std::nullopt;
    std::size_t c = 0;
    while (c + 1 < cdf.size() && cdf[c + 1] <= tail) ++c;
    return c;
  }
  // U is close to normal here: mean nm/2, variance nm(n+m+1)/12 (no ties: times are continuous).
  const double nm = static_cast<double>(n * m);
  const double sd = std::sqrt(nm * static_cast<double>(n + m + 1) / 12);
  const double c = std::floor(nm / 2 + normal_quantile(tail) * sd - 0.5);
  return c < 0 ? std::nullopt : std::optional<std::size_t>(static_cast<std::size_t>(c));
}

std::vector<double> unit_logs(const RunIntervals& run) {
  std::vector<double> out;
  for (std::size_t i = 0; i < run.count; ++i) {
    const std::size_t pick[] = {i};
    const std::optional<double> v = run.statistic(pick);
    if (v && *v > 0) out.push_back(std::log(*v));
  }
  return out;
}

}  // namespace

std::optional<ChangeInterval> two_sample_change_interval(const RunIntervals& baseline,
                                                         const RunIntervals& current,
                                                         double confidence) {
  constexpr std::size_t kMinUnits = 5;
  const std::vector<double> a = unit_logs(baseline), b = unit_logs(current);
  if (a.size() < kMinUnits || b.size() < kMinUnits) return std::nullopt;
  const std::optional<std::size_t> c = rank_sum_cut(a.size(), b.size(), confidence);
  if (!c) return std::nullopt;
  std::vector<double> d;
  d.reserve(a.size() * b.size());
  for (const double x : a) {
    for (const double y : b) d.push_back(y - x);
  }
  std::sort(d.begin(), d.end());
  const std::size_t k = d.size();
  const double median = median_of_sorted(d);
  return ChangeInterval{.low = std::exp(d[*c]) - 1,
                        .high = std::exp(d[k - 1 - *c]) - 1,
                        .confidence = confidence,
                        .baseline_intervals = baseline.count,
                        .current_intervals = current.count,
                        .pairs = 0,
                        .estimate = std::exp(median) - 1};
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
