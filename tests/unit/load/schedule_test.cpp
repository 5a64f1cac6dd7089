// schedule_test - Unit tests for lib/load/schedule.cpp: stage plans and arrival times, with time
// as a plain input (no clock, no sleeping).
#include "perfgate/load/schedule.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

namespace perfgate::load {
namespace {

using namespace std::chrono_literals;

double secs(Nanos d) { return std::chrono::duration<double>(d).count(); }

TEST(StagePlanTest, RampsLinearlyAndStepsOnZeroLengthStages) {
  // 0 -> 10 users over 10 s, hold 5 s, step to 30, hold 5 s.
  const StagePlan plan(0, {{10s, 10}, {5s, 10}, {0s, 30}, {5s, 30}});
  EXPECT_DOUBLE_EQ(plan.value_at(0s), 0);
  EXPECT_DOUBLE_EQ(plan.value_at(5s), 5);
  EXPECT_DOUBLE_EQ(plan.value_at(12s), 10);
  EXPECT_DOUBLE_EQ(plan.value_at(15s), 30);
  EXPECT_DOUBLE_EQ(plan.value_at(99s), 30);
  EXPECT_EQ(plan.stage_at(3s), 1u);
  EXPECT_EQ(plan.stage_at(14s), 2u);
  EXPECT_EQ(plan.stage_at(16s), 4u);
  EXPECT_EQ(plan.total(), 20s);
  EXPECT_DOUBLE_EQ(plan.peak(), 30);
}

TEST(StagePlanTest, ScaledKeepsTheShapeInAShorterTime) {
  const StagePlan plan(0, {{std::chrono::seconds(2), 10}, {std::chrono::seconds(6), 10}});
  const StagePlan quarter = plan.scaled(0.25);
  EXPECT_EQ(quarter.total(), std::chrono::seconds(2));
  EXPECT_EQ(quarter.stages()[0].duration, std::chrono::milliseconds(500));
  EXPECT_DOUBLE_EQ(quarter.value_at(std::chrono::milliseconds(250)), 5.0);
  EXPECT_DOUBLE_EQ(quarter.peak(), plan.peak());
  EXPECT_THROW(plan.scaled(0), std::invalid_argument);
}

TEST(StagePlanTest, SteadyWindowsExcludeRamps) {
  const StagePlan plan(0, {{10s, 10}, {5s, 10}, {0s, 30}, {5s, 30}, {5s, 0}});
  const auto windows = plan.steady_windows();
  // The two holds (10 users, then 30 after a step) touch, so they form one window.
  ASSERT_EQ(windows.size(), 1u);
  EXPECT_EQ(windows[0].begin, 10s);
  EXPECT_EQ(windows[0].end, 20s);
  EXPECT_DOUBLE_EQ(plan.steady_seconds(100s), 10.0);
  EXPECT_DOUBLE_EQ(plan.steady_seconds(12s), 2.0);
}

TEST(StagePlanTest, CumulativeAndItsInverseAgree) {
  const StagePlan plan(5, {{10s, 25}, {10s, 25}, {4s, 0}});
  EXPECT_DOUBLE_EQ(plan.cumulative(10s), 150.0);  // (5 + 25) / 2 * 10
  EXPECT_DOUBLE_EQ(plan.cumulative(20s), 400.0);
  EXPECT_DOUBLE_EQ(plan.cumulative(24s), 450.0);
  for (double area : {0.0, 1.0, 77.7, 150.0, 333.3, 449.0}) {
    const auto t = plan.time_of_cumulative(area);
    ASSERT_TRUE(t.has_value()) << area;
    EXPECT_NEAR(plan.cumulative(*t), area, 1e-6) << area;
  }
  EXPECT_FALSE(plan.time_of_cumulative(451.0).has_value());
}

TEST(StagePlanTest, RejectsNegativeTargetsAndEmptyPlans) {
  EXPECT_THROW(StagePlan(0, {}), std::invalid_argument);
  EXPECT_THROW(StagePlan(0, {{1s, -1}}), std::invalid_argument);
  EXPECT_THROW(StagePlan(-1, {{1s, 1}}), std::invalid_argument);
}

TEST(ArrivalScheduleTest, EvenSpacingIsExact) {
  const StagePlan plan = StagePlan::constant(100, 1s);  // 100/s for 1 s
  ArrivalSchedule s(plan, Spacing::kEven, 1);
  std::vector<Nanos> times;
  while (auto t = s.next()) times.push_back(*t);
  ASSERT_EQ(times.size(), 100u);
  for (std::size_t k = 0; k < times.size(); ++k) {
    EXPECT_NEAR(secs(times[k]), static_cast<double>(k) * 0.01, 1e-9) << k;
  }
}

TEST(ArrivalScheduleTest, RampingRateFollowsThePlan) {
  // 0 -> 100/s over 10 s: 500 arrivals, arrival k at sqrt(k / 5) seconds.
  const StagePlan plan(0, {{10s, 100}});
  ArrivalSchedule s(plan, Spacing::kEven, 1);
  std::size_t k = 0;
  while (auto t = s.next()) {
    EXPECT_NEAR(secs(*t), std::sqrt(static_cast<double>(k) / 5.0), 1e-6) << k;
    ++k;
  }
  EXPECT_EQ(k, 500u);
}

TEST(ArrivalScheduleTest, PoissonHasTheMeanRateAndExponentialGaps) {
  const StagePlan plan = StagePlan::constant(1000, 100s);  // expect 100,000 arrivals
  ArrivalSchedule s(plan, Spacing::kPoisson, 42);
  std::size_t n = 0;
  double previous = 0, sum_sq_gap = 0;
  while (auto t = s.next()) {
    const double gap = secs(*t) - previous;
    sum_sq_gap += gap * gap;
    previous = secs(*t);
    ++n;
  }
  // Mean 100,000, sd ~316: 1% is over 3 sd.
  EXPECT_NEAR(static_cast<double>(n), 100'000.0, 1'000.0);
  // Exponential gaps with mean 1 ms have E[gap^2] = 2 ms^2.
  EXPECT_NEAR(sum_sq_gap / static_cast<double>(n), 2e-6, 0.1e-6);
}

TEST(ArrivalScheduleTest, PoissonIsReproducibleFromItsSeed) {
  const StagePlan plan = StagePlan::constant(50, 2s);
  ArrivalSchedule a(plan, Spacing::kPoisson, 7), b(plan, Spacing::kPoisson, 7),
      c(plan, Spacing::kPoisson, 8);
  bool differs = false;
  for (int i = 0; i < 50; ++i) {
    const auto ta = a.next(), tb = b.next(), tc = c.next();
    EXPECT_EQ(ta, tb);
    differs = differs || ta != tc;
  }
  EXPECT_TRUE(differs);
}

TEST(ArrivalScheduleTest, SharesAreDisjointAndAddUpToTheWhole) {
  const StagePlan plan(10, {{3s, 90}});
  for (Spacing spacing : {Spacing::kEven, Spacing::kPoisson}) {
    std::multiset<Nanos> whole, parts;
    ArrivalSchedule all(plan, spacing, 3);
    while (auto t = all.next()) whole.insert(*t);
    for (std::uint64_t share = 0; share < 3; ++share) {
      ArrivalSchedule part(plan, spacing, 3, 3, share);
      while (auto t = part.next()) parts.insert(*t);
    }
    EXPECT_EQ(parts, whole);
  }
}

TEST(ShareTest, SplitsWithoutRoundingLoss) {
  for (std::uint64_t total : {0, 1, 7, 100, 101}) {
    std::uint64_t sum = 0;
    for (std::uint64_t i = 0; i < 4; ++i) sum += share_of(total, 4, i);
    EXPECT_EQ(sum, total);
  }
  EXPECT_EQ(share_of(7, 4, 0), 2u);
  EXPECT_EQ(share_of(7, 4, 3), 1u);
}

}  // namespace
}  // namespace perfgate::load
