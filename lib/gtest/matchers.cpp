// matchers.cpp - EXPECT_MEETS_THRESHOLDS and how a RunResult prints.
#include "perfgate/gtest/matchers.hpp"

#include "perfgate/report/console.hpp"

namespace perfgate::metrics {

void PrintTo(const RunResult& r, std::ostream* os) {
  *os << r.suite << '/' << r.scenario << " (profile " << r.profile << ", " << r.samples()
      << " samples, " << r.failed << " failed of " << r.attempted << " operations"
      << (r.interrupted ? ", interrupted" : "") << ')';
}

}  // namespace perfgate::metrics

namespace perfgate::gtest {

::testing::AssertionResult meets_thresholds(const char*, const metrics::RunResult& r) {
  if (r.passed) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << r.suite << '/' << r.scenario << " failed:" << report::describe_failures(r);
}

}  // namespace perfgate::gtest
