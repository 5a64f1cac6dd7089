// change_test - The bootstrap's interval covers what noise does and excludes what a real change
// does; verdicts follow the interval, not the point estimate alone.
#include "perfgate/stats/change.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
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

// A paired interval need not be symmetric about its change: what decides is how far its side
// toward 0 reaches past 0. +20.8% [-1.1%, +24.4%] needs that side to shrink from 21.9 points to
// under 20.8: ~1.11x the rounds, not the 1x a half-width (12.8 points) would say.
TEST(VerdictTest, HowMuchLongerIsMeasuredOnTheSideThatMustMove) {
  const Judgement j = judge(0.208, {-0.011, 0.244, 0.99, 20, 20}, Direction::kAtMost, 0.10);
  EXPECT_EQ(j.verdict, Verdict::kInconclusive);
  ASSERT_TRUE(j.longer_by);
  EXPECT_NEAR(*j.longer_by, (0.219 / 0.208) * (0.219 / 0.208), 1e-9);
  // The same for a throughput that fell: the side toward 0 is the interval's high end.
  const Judgement t = judge(-0.208, {-0.244, 0.011, 0.99, 20, 20}, Direction::kAtLeast, 0.10);
  ASSERT_TRUE(t.longer_by);
  EXPECT_NEAR(*t.longer_by, (0.219 / 0.208) * (0.219 / 0.208), 1e-9);
}

// Units (one value each) for two_sample_change_interval.
RunIntervals units_of(std::vector<double> values) {
  auto shared = std::make_shared<std::vector<double>>(std::move(values));
  return {shared->size(), [shared](std::span<const std::size_t> picks) -> std::optional<double> {
            return (*shared)[picks[0]];
          }};
}

// Five units a side at 99%: only the most extreme of the 252 orders (1/252 < 0.5%) is outside,
// so the interval runs from the smallest to the largest of the 25 ratios; four a side cannot
// reach 99% at all (1/70).
TEST(TwoSampleIntervalTest, ExactAtSmallSizes) {
  const auto a = units_of({100, 101, 102, 103, 104});
  const auto b = units_of({110, 111, 112, 113, 114});
  const auto ci = two_sample_change_interval(a, b, 0.99);
  ASSERT_TRUE(ci);
  EXPECT_NEAR(ci->low, 110.0 / 104 - 1, 1e-12);
  EXPECT_NEAR(ci->high, 114.0 / 100 - 1, 1e-12);
  ASSERT_TRUE(ci->estimate);
  EXPECT_NEAR(*ci->estimate, 112.0 / 102 - 1, 1e-12);  // the median ratio
  EXPECT_EQ(ci->pairs, 0u);
  EXPECT_FALSE(two_sample_change_interval(units_of({1, 2, 3, 4}), units_of({1, 2, 3, 4})));
}

// A mixture: a quarter of each side's processes 1.7x slow, independently. The +20% build is a
// sure regression by ranks, whose interval stays near +20%; against itself, 0 is inside.
TEST(TwoSampleIntervalTest, APlacementMixtureDoesNotHideTheShift) {
  std::vector<double> a, same, slower;
  for (int k = 0; k < 20; ++k) {
    a.push_back((k % 4 == 0 ? 1.7 : 1.0) * (1 + 0.002 * k));
    same.push_back((k % 4 == 3 ? 1.7 : 1.0) * (1 + 0.002 * (19 - k)));
    slower.push_back((k % 4 == 2 ? 1.7 : 1.0) * 1.2 * (1 + 0.002 * k));
  }
  const auto up = two_sample_change_interval(units_of(a), units_of(slower), 0.99);
  ASSERT_TRUE(up);
  EXPECT_GT(up->low, 0.10);
  EXPECT_LT(up->high, 0.30);
  EXPECT_EQ(judge(*up->estimate, *up, Direction::kAtMost, 0.10).verdict, Verdict::kRegressed);
  const auto flat = two_sample_change_interval(units_of(a), units_of(same), 0.99);
  ASSERT_TRUE(flat);
  EXPECT_LT(flat->low, 0.0);
  EXPECT_GT(flat->high, 0.0);
}

// Beyond 2,500 comparisons the cut comes from the normal approximation: it must agree with the
// exact one near the boundary (50 and 51 a side give nearly the same interval).
TEST(TwoSampleIntervalTest, TheNormalApproximationMeetsTheExactCut) {
  std::vector<double> a50, b50, a51, b51;
  for (int k = 0; k < 51; ++k) {
    const double noise = 1 + 0.01 * ((k * 37) % 51) / 51.0;
    (k < 50 ? a50 : a51).push_back(noise);
    (k < 50 ? b50 : b51).push_back(1.05 * (1 + 0.01 * ((k * 11) % 51) / 51.0));
  }
  a51.insert(a51.begin(), a50.begin(), a50.end());
  b51.insert(b51.begin(), b50.begin(), b50.end());
  const auto exact = two_sample_change_interval(units_of(a50), units_of(b50), 0.99);
  const auto approx = two_sample_change_interval(units_of(a51), units_of(b51), 0.99);
  ASSERT_TRUE(exact && approx);
  EXPECT_NEAR(exact->low, approx->low, 0.001);
  EXPECT_NEAR(exact->high, approx->high, 0.001);
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
