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
//
// An A/B run's rounds are the other unit: round k of the baseline ran next to round k of the
// candidate (ABBA order), so what moved both (the machine slower for a few seconds) cancels in
// their ratio, and what moved one round only (a cold first round, a scheduler hiccup) shows as
// the ratios' spread. Seconds inside a round are not independent of each other, so a bootstrap
// over seconds underrates that spread: measured, 4 of 20 identical sub-millisecond A/B pairs were
// flagged. paired_change_interval uses the rounds instead, as pairs (Kalibera & Jones, "Rigorous
// Benchmarking in Reasonable Time", ISMM 2013: the highest level that repeats is the unit a
// confidence interval rests on; Hollander & Wolfe, "Nonparametric Statistical Methods", ch. 3,
// for the signed-rank interval).
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
  // The round each interval belongs to (0, 1, ...), when the run is rounds merged (an A/B
  // side); empty for one continuous run.
  std::vector<std::size_t> rounds = {};
};

struct ChangeInterval {
  double low = 0;   // relative change, current / baseline - 1
  double high = 0;  // ...with `confidence` of lying in [low, high]
  double confidence = 0;
  std::size_t baseline_intervals = 0;
  std::size_t current_intervals = 0;
  std::size_t pairs = 0;  // paired rounds the interval rests on; 0 for a bootstrap
  // The change the interval is centred on, when it has its own: for paired rounds the
  // Hodges-Lehmann estimate, exp(median of the Walsh averages) - 1, the typical pair's change,
  // which a verdict from that interval must report (the merged figures' ratio can lie outside
  // it: one round's tail moves the merged percentile, not the pairs' centre). A bootstrap's
  // centre is the ratio of the runs' figures: nullopt.
  std::optional<double> estimate = std::nullopt;
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

// The interval of the relative change from paired rounds: round k of `baseline` against round k
// of `current` (both must carry `rounds`). With d_k = ln(current_k / baseline_k) over the n rounds
// where both statistics are defined and positive, the interval is the Wilcoxon signed-rank
// confidence interval of their centre (the Hodges-Lehmann interval: order statistics of the
// Walsh averages (d_i + d_j) / 2, exact for n pairs), moved back from logarithms. Distribution-free
// and robust: one round hit by a scheduler hiccup (seen: a round's p95 2.4x its pair's) moves one
// d_k, not the interval. nullopt when either side has no rounds, the sides have different round
// counts, or fewer than min_pairs(confidence) rounds pair up. Deterministic: no resampling.
// `estimate` is set: the median of the Walsh averages, moved back the same way.
std::optional<ChangeInterval> paired_change_interval(const RunIntervals& baseline,
                                                     const RunIntervals& current,
                                                     double confidence = 0.99);

// The interval of the relative change between two sets of independent units: each interval of
// `baseline` and of `current` is one unit (a Google Benchmark repetition run in its own process).
// With a_i, b_j the logarithms of each unit's statistic, the interval is the Mann-Whitney
// confidence interval of the shift (the Hodges-Lehmann interval: order statistics of the n*m
// differences b_j - a_i; exact for n*m <= 2500, normal approximation beyond), moved back from
// logarithms; `estimate` is the median difference, moved back the same way. Why not pairs: a
// process draws its own memory placement, which on a VM moves a microbenchmark by up to 1.7x
// (measured: BM_HttpResponse 148 or 250 ns by process, steady within one), independently for
// the two sides of a round pair, so pairing adds that noise twice (a +20% build read [-1%,
// +24%]); the ranks of all n*m comparisons see through it. ABBA order still spreads the
// machine's drift evenly over both sides. nullopt when either side has fewer than 5 units, or
// no interval at `confidence` exists at these sizes. Deterministic.
std::optional<ChangeInterval> two_sample_change_interval(const RunIntervals& baseline,
                                                         const RunIntervals& current,
                                                         double confidence = 0.99);

// The fewest pairs whose signed-rank interval can reach `confidence`: 2 / 2^n <= 1 - confidence
// (8 for 99%, 6 for 95%).
std::size_t min_pairs(double confidence);

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
