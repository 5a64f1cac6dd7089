// perfgate/metrics/histogram.hpp - An HDR-style log-linear histogram of non-negative integers.
//
// Values are kept in buckets whose width grows with the value, so that every recorded value is
// known to within a fixed relative precision: with 3 significant digits (the default), a reported
// percentile is within 0.1% of the exact one computed from the sorted samples. Durations are
// recorded in nanoseconds; the default range is 1 ns to 1 hour (larger values are clamped to the
// top and counted in `clamped()`).
//
// Layout (as HdrHistogram): bucket 0 holds 0..2S-1 at width 1, where S = 2^k is the smallest power
// of two >= 10^digits; bucket b >= 1 holds S*2^b .. 2S*2^b - 1 in S sub-buckets of width 2^b.
// Recording is an index computation and an array increment: no allocation, no lock. A histogram
// belongs to one thread while recording; histograms merge exactly (counts add) afterwards.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <vector>

namespace perfgate::metrics {

class Histogram {
 public:
  // 1 hour in nanoseconds: the default highest trackable value.
  static constexpr std::int64_t kOneHourNs = 3'600'000'000'000;

  // `significant_digits` in [1, 5]; `highest` >= 2.
  explicit Histogram(int significant_digits = 3, std::int64_t highest = kOneHourNs);

  // Records `value` `count` times. Negative values count as 0; values above highest() are clamped.
  void record(std::int64_t value, std::uint64_t count = 1) noexcept {
    if (value < 0) value = 0;
    if (value > highest_) {
      value = highest_;
      clamped_ += count;
    }
    counts_[index_of(value)] += count;
    total_ += count;
    sum_ += static_cast<Sum>(value) * count;
    if (value < min_) min_ = value;
    if (value > max_) max_ = value;
  }

  // Adds every sample of `other`. Both must have the same layout (digits and highest);
  // throws std::invalid_argument otherwise.
  void merge(const Histogram& other);
  void reset() noexcept;

  std::uint64_t count() const noexcept { return total_; }
  // Samples recorded above highest() and clamped to it.
  std::uint64_t clamped() const noexcept { return clamped_; }
  // Exact smallest and largest recorded values (0 when empty).
  std::int64_t min() const noexcept { return total_ ? min_ : 0; }
  std::int64_t max() const noexcept { return total_ ? max_ : 0; }
  // Exact arithmetic mean of the recorded values (0 when empty).
  double mean() const noexcept;
  // The value at percentile `p` in [0, 100]: the bucket of the nearest-rank sample (the smallest
  // sample with at least p% of all samples at or below it), reported as the highest value that
  // bucket stands for and kept within [min(), max()], as HdrHistogram's getValueAtPercentile.
  // So a reported percentile is never below the true one (an at-most rule that passes holds for
  // the exact samples too) and at most one bucket width (0.1% at 3 digits) above it. p(0) is
  // min(), p(100) is max(); 0 when empty.
  std::int64_t percentile(double p) const noexcept;
  // The same percentile reported as the lowest value its bucket stands for: never above the true
  // one, for at-least rules (a rule `p(5) >= 40 tokens/s` must not pass a value below 40).
  std::int64_t percentile_lower_bound(double p) const noexcept;
  // The nearest rank of percentile `p` among `total` samples: ceil(p / 100 * total), clamped to
  // [1, total], computed in integers for p to 7 decimals (no floating-point rounding moves it).
  static std::uint64_t rank_of(double p, std::uint64_t total) noexcept;
  // Number of samples whose value is <= `value` (at bucket resolution).
  std::uint64_t count_at_or_below(std::int64_t value) const noexcept;

  int significant_digits() const noexcept { return digits_; }
  std::int64_t highest() const noexcept { return highest_; }

  // Bucket iteration, for exports: calls f(lowest_value, highest_value, count) for each non-empty
  // bucket in increasing order.
  template <class F>
  void for_each_bucket(F&& f) const {
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      if (counts_[i] != 0) f(lowest_of(i), highest_of(i), counts_[i]);
    }
  }

  // Calls f(index, count) for each non-empty count in increasing order. The index is the one
  // HdrHistogram's counts array uses for the same digits and a lowest value of 1 (the layout above
  // is HdrHistogram's), for its encodings.
  template <class F>
  void for_each_count(F&& f) const {
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      if (counts_[i] != 0) f(i, counts_[i]);
    }
  }

  // Serialises to JSON: layout, exact stats and the non-empty buckets as [index, count] pairs.
  nlohmann::json to_json() const;
  // Rebuilds a histogram from to_json()'s output. Throws std::invalid_argument on a bad document.
  static Histogram from_json(const nlohmann::json& j);

  friend bool operator==(const Histogram& a, const Histogram& b);

 private:
  std::size_t index_of(std::int64_t value) const noexcept {
    const auto v = static_cast<std::uint64_t>(value);
    // Bucket b is 0 for values below 2S, else floor(log2(v)) - k.
    const int top_bit = 63 - __builtin_clzll(v | 1);
    const int bucket = top_bit > sub_bucket_bits_ ? top_bit - sub_bucket_bits_ : 0;
    const auto sub = static_cast<std::size_t>(v >> bucket);  // in [S, 2S) for bucket >= 1
    return (static_cast<std::size_t>(bucket) << sub_bucket_bits_) + sub;
  }
  std::int64_t lowest_of(std::size_t index) const noexcept;
  // The bucket holding the sample of 1-based `rank` (1 <= rank <= count()).
  std::size_t index_at_rank(std::uint64_t rank) const noexcept;
  std::int64_t highest_of(std::size_t index) const noexcept;

  int digits_;
  std::int64_t highest_;
  int sub_bucket_bits_;  // k, with S = 2^k sub-buckets per bucket
  std::vector<std::uint64_t> counts_;
  std::uint64_t total_ = 0;
  std::uint64_t clamped_ = 0;
  // Exact and cheap to add to (a long double add costs more than the rest of record()); 128 bits
  // hold 1 h in ns times 2^64 samples.
  __extension__ using Sum = unsigned __int128;
  Sum sum_ = 0;
  std::int64_t min_ = INT64_MAX;
  std::int64_t max_ = 0;
};

}  // namespace perfgate::metrics
