// capacity_test - The capacity search's rates: doubling, then halving the gap until the precision.
#include "perfgate/load/capacity.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace perfgate::load {
namespace {

// Runs a search against a target that holds every rate up to `knee`; returns the rates offered.
std::vector<double> search(CapacitySearch& s, double knee) {
  std::vector<double> offered;
  while (const auto rate = s.next()) {
    offered.push_back(*rate);
    s.record(*rate, *rate <= knee);
  }
  return offered;
}

TEST(CapacitySearch, DoublesThenHalvesTheGapUntilThePrecision) {
  CapacitySearch s({.start_rate = 50, .max_rate = 1e6, .precision = 0.05});
  EXPECT_EQ(search(s, 397), (std::vector<double>{50, 100, 200, 400, 300, 350, 375, 387.5}));
  EXPECT_EQ(s.end(), CapacityEnd::kPrecision);
  EXPECT_EQ(s.highest_held(), 387.5);
  EXPECT_EQ(s.lowest_broken(), 400);
}

TEST(CapacitySearch, FindsAnyKneeWithinThePrecision) {
  for (double knee : {12.0, 99.0, 1000.0, 7777.0, 123456.0}) {
    for (double precision : {0.01, 0.05, 0.10}) {
      CapacitySearch s(
          {.start_rate = 10, .max_rate = 1e6, .precision = precision, .max_steps = 100});
      search(s, knee);
      ASSERT_EQ(s.end(), CapacityEnd::kPrecision) << knee;
      EXPECT_LE(*s.highest_held(), knee);
      EXPECT_GT(*s.lowest_broken(), knee);
      EXPECT_GE(*s.highest_held(), knee / (1 + precision)) << knee << " " << precision;
    }
  }
}

TEST(CapacitySearch, EndsAtTheBoundsAndTheStepBudget) {
  CapacitySearch broke({.start_rate = 100, .max_rate = 1000});
  EXPECT_EQ(search(broke, 50), std::vector<double>{100});
  EXPECT_EQ(broke.end(), CapacityEnd::kStartRate);
  EXPECT_FALSE(broke.highest_held());

  CapacitySearch capped({.start_rate = 100, .max_rate = 300});
  EXPECT_EQ(search(capped, 1e9), (std::vector<double>{100, 200, 300}));
  EXPECT_EQ(capped.end(), CapacityEnd::kMaxRate);

  CapacitySearch budget({.start_rate = 1, .max_rate = 1e6, .precision = 0.001, .max_steps = 5});
  EXPECT_EQ(search(budget, 1000).size(), 5u);
  EXPECT_EQ(budget.end(), CapacityEnd::kMaxSteps);
  EXPECT_EQ(budget.highest_held(), 16);
}

TEST(CapacitySearch, RefusesAPlanThatCannotSearch) {
  EXPECT_THROW(CapacitySearch({.start_rate = 0}), std::invalid_argument);
  EXPECT_THROW(CapacitySearch({.start_rate = 10, .max_rate = 5}), std::invalid_argument);
  EXPECT_THROW(CapacitySearch({.start_rate = 10, .precision = 0}), std::invalid_argument);
}

}  // namespace
}  // namespace perfgate::load
