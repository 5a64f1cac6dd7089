// perfgate/stats/change.hpp - How much a statistic changed between two runs, and how sure that is.
//
// A run is a sequence of intervals (its seconds). Intervals are not independent samples of one
// latency distribution (a garbage collection, a noisy neighbour or a CPU frequency step moves
// a whole second), but they are close to exchangeable blocks of one run, so resampling them is
// a block bootstrap (Künsch 1989; Efron & Tibshirani, "An Introduction to the Bootstrap", ch.
// 13 for percentile intervals): each resample draws each run's intervals with replacement,
// computes the statistic of each side, and keeps current / baseline - 1. The spread of those
// ratios is the confidence interval of the relative change. It widens with noise inside the
// runs and narrows with their length. It cannot see noise *between* runs (the machine faster
// during the baseline than during the current run): only an A/B comparison, rounds of both
// sides alternating on one machine, cancels that.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

namespace perfgate::stats {

// A statistic of a run computed from a multiset of its intervals, given by index (a resample
// repeats some and leaves out others). nullopt when those intervals hold no samples.
using IntervalStatistic = std::function<std::optional<double>(std::span<const std::size_t>)>;

struct RunIntervals {
  std::size_t count = 0;  // intervals in the run
  IntervalStatistic statistic;
};

struct ChangeInterval {
  double low = 0;   // relative change, current / baseline - 1
  double high = 0;  // ...with `confidence` of lying in [low, high]
  double confidence = 0;
  std::size_t baseline_intervals = 0;
  std::size_t current_intervals = 0;
};

struct BootstrapOptions {
  double confidence = 0.99;
  std::size_t resamples = 2000;
  std::uint64_t seed = 1;  // the same runs give the same interval
  // Fewer intervals than this on either side give no interval: a bootstrap of three seconds
  // knows nothing about the spread.
  std::size_t min_intervals = 5;
};

// The percentile-bootstrap interval of the relative change of the statistic from `baseline` to
// `current`. nullopt when either run has fewer than min_intervals intervals, or when fewer than
// half the resamples give a defined ratio (statistic missing, or a baseline of 0).
std::optional<ChangeInterval> change_interval(const RunIntervals& baseline,
                                              const RunIntervals& current,
                                              const BootstrapOptions& options = {});

// Weighted values, one list per interval: what a percentile or mean of merged intervals needs,
// kept sparse (a second's latency histogram has tens of non-empty buckets, not thousands).
// Not thread-safe: a resample merges into scratch space the object keeps.
class WeightedIntervals {
 public:
  // Adds an interval: its values (each a bucket's representative value) and their counts.
  void add(const std::vector<std::pair<double, std::uint64_t>>& values);
  std::size_t size() const { return intervals_.size(); }

  // The `p`-th percentile (0 < p <= 100) of the picked intervals merged: the smallest value with
  // at least ceil(p/100 * total) samples at or below it, as Histogram::percentile.
  std::optional<double> percentile(std::span<const std::size_t> picks, double p) const;
  std::optional<double> mean(std::span<const std::size_t> picks) const;

 private:
  // Values are kept as indexes into one sorted list of the distinct values of every interval,
  // so a resample merges by adding counts into an array that size, without sorting.
  void reindex() const;
  std::vector<std::vector<std::pair<double, std::uint64_t>>> intervals_;
  mutable bool indexed_ = true;
  mutable std::vector<double> values_;  // distinct, ascending
  mutable std::vector<std::vector<std::pair<std::uint32_t, std::uint64_t>>> indexed_intervals_;
  mutable std::vector<std::uint64_t> merged_;  // scratch: counts by value index
};

}  // namespace perfgate::stats
