// prediction_test - Quantiles against published tables, and the prediction bound's coverage.
#include "perfgate/stats/prediction.hpp"

#include <gtest/gtest.h>

#include <random>

namespace perfgate::stats {
namespace {

TEST(QuantileTest, MatchesPublishedTables) {
  EXPECT_NEAR(normal_quantile(0.975), 1.959964, 1e-6);
  EXPECT_NEAR(normal_quantile(0.01), -2.326348, 1e-6);
  // Student's t (Abramowitz & Stegun, table 26.10).
  EXPECT_NEAR(student_t_quantile(0.99, 3), 4.5407, 1e-4);
  EXPECT_NEAR(student_t_quantile(0.99, 9), 2.8214, 1e-4);
  EXPECT_NEAR(student_t_quantile(0.95, 4), 2.1318, 1e-4);
  EXPECT_NEAR(student_t_quantile(0.995, 19), 2.8609, 1e-4);
  EXPECT_NEAR(student_t_quantile(0.05, 4), -2.1318, 1e-4);
  EXPECT_THROW(normal_quantile(1), std::invalid_argument);
}

// The bound's promise, checked by simulation: runs of unchanged code (lognormal figures), N of
// them calibrate a limit, and the next run crosses it at about the stated rate.
TEST(PredictionBoundTest, TheNextRunCrossesTheLimitAtTheStatedRate) {
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> figure(std::log(0.4), 0.08);  // a p95 of 0.4 ms, 8% noise
  int crossed = 0;
  constexpr int kTrials = 4000;
  for (int t = 0; t < kTrials; ++t) {
    std::vector<double> runs(8);
    for (double& r : runs) r = figure(rng);
    const auto limit = prediction_bound(runs, 0.05, metrics::Direction::kAtMost);
    ASSERT_TRUE(limit);
    if (figure(rng) > *limit) ++crossed;
  }
  EXPECT_NEAR(crossed / double(kTrials), 0.05, 0.012);
}

TEST(PredictionBoundTest, AtLeastBoundsFromBelowAndFewRunsGiveNone) {
  const std::vector<double> runs{100, 110, 90, 105, 95};
  const auto floor = prediction_bound(runs, 0.01, metrics::Direction::kAtLeast);
  const auto ceiling = prediction_bound(runs, 0.01, metrics::Direction::kAtMost);
  ASSERT_TRUE(floor && ceiling);
  EXPECT_LT(*floor, 90);
  EXPECT_GT(*ceiling, 110);
  EXPECT_FALSE(prediction_bound({1, 2}, 0.01, metrics::Direction::kAtMost));
  EXPECT_FALSE(prediction_bound({1, 0, 2}, 0.01, metrics::Direction::kAtMost));
}

TEST(ChangeFromHistoryTest, AFigureOutsideTheRunsNoiseHasAnIntervalExcludingZero) {
  const std::vector<double> runs{100, 104, 97, 101, 99};
  const auto same = change_from_history(runs, 102, 0.99);
  ASSERT_TRUE(same);
  EXPECT_NEAR(same->reference, 100.2, 0.1);
  EXPECT_LT(same->interval.low, 0);
  EXPECT_GT(same->interval.high, 0);
  const auto slower = change_from_history(runs, 130, 0.99);
  ASSERT_TRUE(slower);
  EXPECT_GT(slower->interval.low, 0.10);  // beyond what five runs' noise reaches
  EXPECT_EQ(slower->interval.baseline_intervals, 5u);
  EXPECT_FALSE(change_from_history({100, 101}, 130, 0.99));
}

}  // namespace
}  // namespace perfgate::stats
