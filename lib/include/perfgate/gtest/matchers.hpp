// perfgate/gtest/matchers.hpp - GoogleTest matchers that assert a run against its threshold table.
//
//   EXPECT_THAT(result, MeetsThresholds());
//
// On failure the message lists every rule that failed: metric, statistic, measured value, limit,
// the tier reached and the number of samples the figure rests on.
#pragma once

#include <gmock/gmock.h>

#include <ostream>

#include "perfgate/metrics/run_result.hpp"

namespace perfgate::metrics {
// How GoogleTest prints a RunResult in a failure message.
void PrintTo(const RunResult& result, std::ostream* os);
}  // namespace perfgate::metrics

namespace perfgate::gtest {

class ThresholdsMatcher {
 public:
  using is_gtest_matcher = void;
  bool MatchAndExplain(const metrics::RunResult& result, std::ostream* os) const;
  void DescribeTo(std::ostream* os) const;
  void DescribeNegationTo(std::ostream* os) const;
};

// Matches a RunResult whose evaluation passed (every gating rule met, enough samples, not
// interrupted).
inline ThresholdsMatcher MeetsThresholds() { return {}; }

}  // namespace perfgate::gtest
