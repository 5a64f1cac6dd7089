// perfgate/gtest/matchers.hpp - The GoogleTest assertion that judges a run against its table.
//
//   EXPECT_MEETS_THRESHOLDS(run("sustained_load", workload));
//
// On failure the message is the verdict alone, one line per failed rule, e.g.
//
//   concurrent_users/sustained_load failed:
//     latency p(95) = 350.00ms, limit <= 300.00ms (tier none, 1234 samples)
//
// which is what a CI page shows as the JUnit failure message (build/perf-results/<suite>.junit.xml,
// one test case per scenario). An assertion rather than a gMock matcher: EXPECT_THAT would add
// "Value of: ...", "Actual: ... (of type perfgate::metrics::RunResult)" around it.
#pragma once

#include <gtest/gtest.h>

#include <ostream>

#include "perfgate/metrics/run_result.hpp"

namespace perfgate::metrics {
// How GoogleTest prints a RunResult in a failure message.
void PrintTo(const RunResult& result, std::ostream* os);
}  // namespace perfgate::metrics

namespace perfgate::gtest {

// Success when the run passed (every gating rule met, enough samples, not interrupted); else a
// failure whose message names every failed rule. `expression` (the asserted code) is not shown.
::testing::AssertionResult meets_thresholds(const char* expression, const metrics::RunResult& run);

}  // namespace perfgate::gtest

#define EXPECT_MEETS_THRESHOLDS(run) EXPECT_PRED_FORMAT1(::perfgate::gtest::meets_thresholds, run)
#define ASSERT_MEETS_THRESHOLDS(run) ASSERT_PRED_FORMAT1(::perfgate::gtest::meets_thresholds, run)
