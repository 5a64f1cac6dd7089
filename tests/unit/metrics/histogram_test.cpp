// histogram_test - Unit tests for lib/metrics/histogram.cpp
#include "perfgate/metrics/histogram.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <random>
#include <vector>

namespace perfgate::metrics {
namespace {

// The exact nearest-rank percentile of sorted samples, for p = per_100k / 1000 percent: the
// rank is ceil(per_100k * N / 100000), computed in integers so that no rounding of a double can
// move it (99.9 / 100.0 * 1000 is 999.0000000000001 in floating point).
std::int64_t exact_percentile(const std::vector<std::int64_t>& sorted, std::uint64_t per_100k) {
  const std::uint64_t n = sorted.size();
  std::uint64_t rank = (per_100k * n + 99'999) / 100'000;
  rank = std::clamp<std::uint64_t>(rank, 1, n);
  return sorted[rank - 1];
}

std::vector<std::int64_t> lognormal_samples(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  // Latencies from ~10 us to ~10 s: the spread that stresses every bucket.
  std::lognormal_distribution<double> d(std::log(2e6), 2.0);
  std::vector<std::int64_t> out(n);
  for (auto& v : out)
    v = std::clamp<std::int64_t>(std::llround(d(rng)), 1000, Histogram::kOneHourNs);
  return out;
}

TEST(HistogramTest, PercentilesWithinOneTenthOfAPercentOfExact) {
  for (std::uint64_t seed : {1, 2, 3}) {
    auto samples = lognormal_samples(200'000, seed);
    Histogram h;
    for (auto v : samples) h.record(v);
    std::sort(samples.begin(), samples.end());
    for (std::uint64_t per_100k :
         {1'000, 10'000, 50'000, 90'000, 95'000, 99'000, 99'900, 99'990, 100'000}) {
      const double p = static_cast<double>(per_100k) / 1000.0;
      const double exact = static_cast<double>(exact_percentile(samples, per_100k));
      const double got = static_cast<double>(h.percentile(p));
      EXPECT_LE(std::fabs(got - exact) / exact, 0.001) << "p" << p << " seed " << seed;
    }
    EXPECT_EQ(h.min(), samples.front());
    EXPECT_EQ(h.max(), samples.back());
    EXPECT_EQ(h.count(), samples.size());
  }
}

// The nearest rank is exact at every N, whatever the floating-point value of p / 100 * N: one
// slow sample in 1,000 is the maximum, not p(99.9). p(14), p(28) and p(56) are the other
// percentiles whose product with N lands a hair above a whole number.
TEST(HistogramTest, RankIsExactWhereFloatingPointWouldRoundUp) {
  Histogram h;
  for (int i = 0; i < 999; ++i) h.record(1'000'000);  // 1 ms
  h.record(5'000'000'000);                            // 5 s
  EXPECT_LE(h.percentile(99.9), 1'001'000);
  for (std::uint64_t n = 1; n <= 2'000; ++n) {
    std::vector<std::int64_t> samples(n);
    for (std::uint64_t i = 0; i < n; ++i) samples[i] = static_cast<std::int64_t>(i + 1);
    Histogram exact_values;  // values below 2048 are held exactly
    for (auto v : samples) exact_values.record(v);
    for (std::uint64_t per_100k : {14'000, 28'000, 56'000, 57'000, 99'900, 95'000}) {
      const double p = static_cast<double>(per_100k) / 1000.0;
      ASSERT_EQ(exact_values.percentile(p), exact_percentile(samples, per_100k))
          << "p(" << p << ") of " << n << " samples";
    }
  }
}

// A percentile is reported as the highest value its bucket stands for (HdrHistogram's
// highestEquivalentValue), never above the recorded maximum: a reported value is never below
// the true one, so an at-most rule that passes cannot hide a value over its limit.
TEST(HistogramTest, PercentileIsNeverBelowTheTrueValue) {
  Histogram h;
  for (int i = 0; i < 94; ++i) h.record(100'000'000);  // 100 ms
  for (int i = 0; i < 6; ++i) h.record(200'010'000);   // 200.01 ms
  EXPECT_GE(h.percentile(95), 200'010'000);
  EXPECT_EQ(h.percentile(100), h.max());
  EXPECT_EQ(h.percentile(0), h.min());
  for (std::uint64_t seed : {4, 5}) {
    auto samples = lognormal_samples(50'000, seed);
    Histogram l;
    for (auto v : samples) l.record(v);
    std::sort(samples.begin(), samples.end());
    for (std::uint64_t per_100k : {50'000, 90'000, 95'000, 99'000, 99'900, 100'000}) {
      const double p = static_cast<double>(per_100k) / 1000.0;
      EXPECT_GE(l.percentile(p), exact_percentile(samples, per_100k)) << "p" << p;
      EXPECT_LE(l.percentile(p), l.max());
    }
  }
}

TEST(HistogramTest, SmallValuesAreExact) {
  Histogram h;
  for (std::int64_t v = 0; v < 2048; ++v) h.record(v);
  EXPECT_EQ(h.percentile(50), 1023);
  EXPECT_EQ(h.percentile(100), 2047);
  EXPECT_DOUBLE_EQ(h.mean(), 1023.5);
}

TEST(HistogramTest, MergeEqualsRecordingAll) {
  const auto a = lognormal_samples(50'000, 7);
  const auto b = lognormal_samples(30'000, 8);
  Histogram ha, hb, all;
  for (auto v : a) {
    ha.record(v);
    all.record(v);
  }
  for (auto v : b) {
    hb.record(v);
    all.record(v);
  }
  ha.merge(hb);
  EXPECT_EQ(ha, all);
  for (double p : {50.0, 99.0, 99.9}) EXPECT_EQ(ha.percentile(p), all.percentile(p));
  EXPECT_NEAR(ha.mean(), all.mean(), 1e-6 * all.mean());
}

TEST(HistogramTest, RefusesToMergeDifferentLayouts) {
  Histogram a(3), b(2);
  EXPECT_THROW(a.merge(b), std::invalid_argument);
}

TEST(HistogramTest, JsonRoundTripIsExact) {
  Histogram h;
  for (auto v : lognormal_samples(10'000, 3)) h.record(v);
  const Histogram back = Histogram::from_json(nlohmann::json::parse(h.to_json().dump()));
  EXPECT_EQ(back, h);
  EXPECT_EQ(back.percentile(99), h.percentile(99));
  EXPECT_DOUBLE_EQ(back.mean(), h.mean());
}

TEST(HistogramTest, RejectsMalformedJson) {
  Histogram h;
  h.record(5);
  auto j = h.to_json();
  j["count"] = 2;
  EXPECT_THROW(Histogram::from_json(j), std::invalid_argument);
  j = h.to_json();
  j["buckets"][0][0] = 99'999'999;
  EXPECT_THROW(Histogram::from_json(j), std::invalid_argument);
  EXPECT_THROW(Histogram::from_json(nlohmann::json::object()), std::invalid_argument);
  // Found by results_file_fuzz: numbers that are not whole, or out of their type's range, were
  // cast without a word (8e100 to an integer is undefined behaviour; -1 became 2^64 - 1).
  for (const char* bad : {"8e100", "-1", "2.5", "18446744073709551616"}) {
    j = h.to_json();
    j["count"] = nlohmann::json::parse(bad);
    try {
      Histogram::from_json(j);
      ADD_FAILURE() << "accepted count " << bad;
    } catch (const std::invalid_argument& e) {
      EXPECT_THAT(e.what(), ::testing::HasSubstr("'count': expected a whole number from 0 to "))
          << bad;
    }
  }
  j = h.to_json();
  j["buckets"] = nlohmann::json::parse("[[1, 18446744073709551615], [2, 2]]");
  j["count"] = 1;  // what the counts add up to once they wrap around
  EXPECT_THROW(Histogram::from_json(j), std::invalid_argument);
}

TEST(HistogramTest, ClampsAboveHighestAndCountsIt) {
  Histogram h(3, 1'000'000);
  h.record(5'000'000);
  h.record(-3);
  EXPECT_EQ(h.clamped(), 1u);
  EXPECT_EQ(h.max(), 1'000'000);
  EXPECT_EQ(h.min(), 0);
}

TEST(HistogramTest, CountAtOrBelow) {
  Histogram h;
  for (std::int64_t v : {10, 20, 30, 1'000'000}) h.record(v);
  EXPECT_EQ(h.count_at_or_below(20), 2u);
  EXPECT_EQ(h.count_at_or_below(999), 3u);
  EXPECT_EQ(h.count_at_or_below(-1), 0u);
}

}  // namespace
}  // namespace perfgate::metrics
