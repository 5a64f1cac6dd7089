// change_test - The bootstrap's interval covers what noise does and excludes what a real change
// does; verdicts follow the interval, not the point estimate alone.
#include "perfgate/stats/change.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "perfgate/metrics/histogram.hpp"
#include "perfgate/stats/verdict.hpp"

namespace perfgate::stats {
namespace {

using metrics::Direction;

// A run of `seconds` seconds of `per_second` latencies each: each second's level is the run's
// median times a lognormal factor of spread `second_spread` (a noisy machine moves whole
// seconds), and latencies within a second spread by 10% around it.
WeightedIntervals run(double median, std::size_t seconds, double second_spread, std::uint64_t seed,
                      std::size_t per_second = 200) {
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> level(0, second_spread), within(0, 0.10);
  WeightedIntervals w;
  for (std::size_t s = 0; s < seconds; ++s) {
    const double l = median * level(rng);
    std::vector<std::pair<double, std::uint64_t>> values;
    for (std::size_t i = 0; i < per_second; ++i) values.emplace_back(l * within(rng), 1);
    w.add(std::move(values));
  }
  return w;
}

RunIntervals p95_of(const WeightedIntervals& w) {
  return {w.size(), [&w](std::span<const std::size_t> picks) { return w.percentile(picks, 95); }};
}

double p95_all(const WeightedIntervals& w) {
  std::vector<std::size_t> all(w.size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
  return *w.percentile(all, 95);
}

TEST(ChangeIntervalTest, SameMachineSameCodeCoversZero) {
  const auto a = run(1.0, 20, 0.05, 1), b = run(1.0, 20, 0.05, 2);
  const auto ci = change_interval(p95_of(a), p95_of(b));
  ASSERT_TRUE(ci);
  EXPECT_LT(ci->low, 0);
  EXPECT_GT(ci->high, 0);
  EXPECT_EQ(ci->confidence, 0.99);
  EXPECT_EQ(ci->baseline_intervals, 20u);
  const double change = p95_all(b) / p95_all(a) - 1;
  EXPECT_EQ(judge(change, *ci, Direction::kAtMost, 0.10).verdict, Verdict::kUnchanged);
}

TEST(ChangeIntervalTest, TwentyPercentSlowerIsARegression) {
  const auto a = run(1.0, 20, 0.05, 1), b = run(1.2, 20, 0.05, 2);
  const auto ci = change_interval(p95_of(a), p95_of(b));
  ASSERT_TRUE(ci);
  EXPECT_GT(ci->low, 0.10);
  EXPECT_LT(ci->high, 0.35);
  const double change = p95_all(b) / p95_all(a) - 1;
  EXPECT_EQ(judge(change, *ci, Direction::kAtMost, 0.10).verdict, Verdict::kRegressed);
  // The same change of a metric where higher is better is an improvement.
  EXPECT_EQ(judge(change, *ci, Direction::kAtLeast, 0.10).verdict, Verdict::kImproved);
}

// What a plain "worse by more than 10%" comparison gets wrong: on a noisy machine two runs of the
// same code differ by more than 10% by chance. The interval is wide, so the verdict says it
// cannot tell, and how much longer a run would need to be.
TEST(ChangeIntervalTest, NoiseBeyondTheAllowedChangeIsInconclusiveNotARegression) {
  const auto a = run(1.0, 10, 0.30, 25), b = run(1.0, 10, 0.30, 26);  // +18.8% by chance
  const double change = p95_all(b) / p95_all(a) - 1;
  ASSERT_GT(change, 0.10) << "the seeds must give a chance difference beyond 10%";
  const auto ci = change_interval(p95_of(a), p95_of(b));
  ASSERT_TRUE(ci);
  const Judgement j = judge(change, *ci, Direction::kAtMost, 0.10);
  EXPECT_EQ(j.verdict, Verdict::kInconclusive);
  ASSERT_TRUE(j.longer_by);
  EXPECT_GT(*j.longer_by, 1.0);
}

TEST(ChangeIntervalTest, SameSeedSameInterval) {
  const auto a = run(1.0, 12, 0.1, 1), b = run(1.1, 12, 0.1, 2);
  const auto x = change_interval(p95_of(a), p95_of(b)), y = change_interval(p95_of(a), p95_of(b));
  ASSERT_TRUE(x && y);
  EXPECT_EQ(x->low, y->low);
  EXPECT_EQ(x->high, y->high);
}

TEST(ChangeIntervalTest, TooFewIntervalsGiveNoInterval) {
  const auto a = run(1.0, 4, 0.05, 1), b = run(1.0, 20, 0.05, 2);
  EXPECT_FALSE(change_interval(p95_of(a), p95_of(b)));
  EXPECT_TRUE(change_interval(p95_of(a), p95_of(b), {.min_intervals = 4}));
}

TEST(ChangeIntervalTest, ABaselineOfZeroGivesNoInterval) {
  const RunIntervals zero{10, [](auto) { return 0.0; }};
  const RunIntervals one{10, [](auto) { return 1.0; }};
  EXPECT_FALSE(change_interval(zero, one));
}

// An A/B side: round k's seconds at `levels[k]` times the median, 2 seconds a round, latencies
// within a second spread by 10%. Returns the intervals and the round each belongs to.
struct Rounds {
  WeightedIntervals seconds;
  std::vector<std::size_t> round_of;
  RunIntervals p95() const {
    return {seconds.size(),
            [this](std::span<const std::size_t> picks) { return seconds.percentile(picks, 95); },
            round_of};
  }
};
Rounds side(const std::vector<double>& levels, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> within(0, 0.10);
  Rounds r;
  for (std::size_t k = 0; k < levels.size(); ++k) {
    for (int s = 0; s < 2; ++s) {
      std::vector<std::pair<double, std::uint64_t>> values;
      for (int i = 0; i < 500; ++i) values.emplace_back(levels[k] * within(rng), 1);
      r.seconds.add(std::move(values));
      r.round_of.push_back(k);
    }
  }
  return r;
}

// The machine's speed moving from round to round by up to 2x moves both sides of a pair alike:
// the pairs see the 10% through it, where seconds pooled across rounds cannot.
TEST(PairedChangeIntervalTest, DriftSharedByAPairCancels) {
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> drift(0, 0.3);
  std::vector<double> a_levels, b_levels;
  for (int k = 0; k < 10; ++k) {
    const double d = drift(rng);
    a_levels.push_back(d);
    b_levels.push_back(d * 1.10);
  }
  const Rounds a = side(a_levels, 1), b = side(b_levels, 2);
  const auto paired = paired_change_interval(a.p95(), b.p95());
  ASSERT_TRUE(paired);
  EXPECT_EQ(paired->pairs, 10u);
  EXPECT_GT(paired->low, 0.05);
  EXPECT_LT(paired->high, 0.15);
  EXPECT_EQ(judge(0.10, *paired, Direction::kAtMost, 0.05).verdict, Verdict::kRegressed);
  const auto pooled = change_interval(a.p95(), b.p95());
  ASSERT_TRUE(pooled);
  EXPECT_GT(pooled->high - pooled->low, 3 * (paired->high - paired->low));
}

// Identical sides but for one slow round of the candidate (a scheduler hiccup): the pooled p95
// moves past the allowance, but one pair in ten is not a sure change.
TEST(PairedChangeIntervalTest, OneSlowRoundIsNotARegression) {
  std::vector<double> levels(10, 1.0), hiccup(10, 1.0);
  hiccup[3] = 1.6;
  const Rounds a = side(levels, 1), b = side(hiccup, 2);
  std::vector<std::size_t> all(a.seconds.size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
  const double change = *b.p95().statistic(all) / *a.p95().statistic(all) - 1;
  ASSERT_GT(change, 0.05) << "the slow round must move the pooled p95 past the allowance";
  const auto paired = paired_change_interval(a.p95(), b.p95());
  ASSERT_TRUE(paired);
  EXPECT_LT(paired->low, 0);
  EXPECT_EQ(judge(change, *paired, Direction::kAtMost, 0.05).verdict, Verdict::kInconclusive);
  // The pairs' centre stays near no change, inside the interval, where the pooled ratio is not.
  ASSERT_TRUE(paired->estimate);
  EXPECT_LT(std::fabs(*paired->estimate), 0.03);
  EXPECT_GE(*paired->estimate, paired->low);
  EXPECT_LE(*paired->estimate, paired->high);
  EXPECT_EQ(judge(*paired->estimate, *paired, Direction::kAtMost, 0.05).verdict,
            Verdict::kInconclusive);
}

// The estimate is the median of the Walsh averages of the pairs' log ratios: for pairs of
// ratios 1.1 (six) and 2.0 (two), the Walsh averages of logs are 21 at ln 1.1, 12 at
// (ln 1.1 + ln 2)/2 and 3 at ln 2; their median is ln 1.1.
TEST(PairedChangeIntervalTest, TheEstimateIsTheHodgesLehmannCentre) {
  std::vector<double> a_levels(8, 1.0), b_levels(8, 1.1);
  b_levels[2] = b_levels[5] = 2.0;
  const Rounds a = side(a_levels, 1);
  const Rounds slower = side(b_levels, 1);  // the same seconds scaled: each pair's ratio exact
  const auto paired = paired_change_interval(a.p95(), slower.p95());
  ASSERT_TRUE(paired);
  ASSERT_TRUE(paired->estimate);
  EXPECT_NEAR(*paired->estimate, 0.10, 1e-9);
  EXPECT_NEAR(paired->low, 0.10, 1e-9);  // 8 pairs at 99%: the smallest Walsh average
  EXPECT_NEAR(paired->high, 1.0, 1e-9);  // ...and the largest
}

TEST(PairedChangeIntervalTest, NeedsRoundsOnBothSidesAlike) {
  const std::vector<double> ten(10, 1.0), nine(9, 1.0);
  const Rounds a = side(ten, 1), b = side(ten, 2), c = side(nine, 3);
  EXPECT_TRUE(paired_change_interval(a.p95(), b.p95()));
  EXPECT_FALSE(paired_change_interval(a.p95(), c.p95()));  // 10 rounds against 9
  const auto plain = p95_of(a.seconds);                    // no rounds
  EXPECT_FALSE(paired_change_interval(plain, b.p95()));
}

// The signed-rank interval's exact coverage: 8 pairs is the fewest that can be 99% sure (two
// ways in 2^8 that every pair points one way by chance), 6 for 95%.
TEST(PairedChangeIntervalTest, FewerPairsThanTheConfidenceNeedsGiveNoInterval) {
  EXPECT_EQ(min_pairs(0.99), 8u);
  EXPECT_EQ(min_pairs(0.95), 6u);
  const std::vector<double> seven(7, 1.0), eight(8, 1.0);
  EXPECT_FALSE(paired_change_interval(side(seven, 1).p95(), side(seven, 2).p95()));
  const auto at_eight = paired_change_interval(side(eight, 1).p95(), side(eight, 2).p95());
  ASSERT_TRUE(at_eight);
  EXPECT_EQ(at_eight->pairs, 8u);
  EXPECT_TRUE(paired_change_interval(side(seven, 1).p95(), side(seven, 2).p95(), 0.95));
}

TEST(VerdictTest, EachVerdictFromItsInterval) {
  const auto v = [](double change, double lo, double hi, Direction d = Direction::kAtMost) {
    return judge(change, {lo, hi, 0.99, 10, 10}, d, 0.10).verdict;
  };
  EXPECT_EQ(v(0.15, 0.05, 0.25), Verdict::kRegressed);
  EXPECT_EQ(v(0.15, -0.02, 0.30), Verdict::kInconclusive);  // not surely more than noise
  EXPECT_EQ(v(0.05, 0.02, 0.08), Verdict::kUnchanged);      // surely changed, within allowed
  EXPECT_EQ(v(0.05, -0.02, 0.12), Verdict::kInconclusive);  // may be beyond allowed
  EXPECT_EQ(v(-0.15, -0.25, -0.05), Verdict::kImproved);
  // Throughput: a fall is worse.
  EXPECT_EQ(v(-0.15, -0.25, -0.05, Direction::kAtLeast), Verdict::kRegressed);
  EXPECT_EQ(v(0.15, 0.05, 0.25, Direction::kAtLeast), Verdict::kImproved);
}

TEST(VerdictTest, InconclusiveSaysHowMuchLongerWouldDecide) {
  // Half-width 0.15 where 0.05 would place the interval within the allowed 10%: (0.15/0.05)^2.
  const Judgement j = judge(0.05, {-0.10, 0.20, 0.99, 10, 10}, Direction::kAtMost, 0.10);
  ASSERT_TRUE(j.longer_by);
  EXPECT_NEAR(*j.longer_by, 9.0, 1e-9);
  EXPECT_EQ(verdict_name(j.verdict), "inconclusive");
}

TEST(WeightedIntervalsTest, PercentilesAsTheHistogramReadsThem) {
  metrics::Histogram h(2);
  WeightedIntervals w;
  for (int s = 0; s < 3; ++s) {
    std::vector<std::pair<double, std::uint64_t>> values;
    for (int i = 1; i <= 100; ++i) {
      h.record(i * 1000 + s);
      values.emplace_back(i * 1000 + s, 1);
    }
    w.add(std::move(values));
  }
  const std::vector<std::size_t> all{0, 1, 2};
  EXPECT_NEAR(*w.percentile(all, 95), static_cast<double>(h.percentile(95)), 0.01 * 95'000);
  EXPECT_NEAR(*w.mean(all), h.mean(), 0.01 * h.mean());
  // A resample may repeat an interval.
  EXPECT_EQ(*w.percentile(std::vector<std::size_t>{2, 2}, 100), 100'002);
  EXPECT_FALSE(WeightedIntervals().mean({}));
}

}  // namespace
}  // namespace perfgate::stats
