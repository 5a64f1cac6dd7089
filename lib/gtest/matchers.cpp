// matchers.cpp - MeetsThresholds and how a RunResult prints.
#include "perfgate/gtest/matchers.hpp"

#include <fmt/format.h>

#include "perfgate/report/console.hpp"

namespace perfgate::metrics {

void PrintTo(const RunResult& r, std::ostream* os) {
  *os << r.suite << '/' << r.scenario << " (profile " << r.profile << ", " << r.samples()
      << " samples, " << r.failed << " failed of " << r.attempted << " operations"
      << (r.interrupted ? ", interrupted" : "") << ')';
}

}  // namespace perfgate::metrics

namespace perfgate::gtest {

bool ThresholdsMatcher::MatchAndExplain(const metrics::RunResult& r, std::ostream* os) const {
  if (r.passed) return true;
  if (os) *os << "which failed:" << report::describe_failures(r);
  return false;
}

void ThresholdsMatcher::DescribeTo(std::ostream* os) const {
  *os << "meets every gating threshold of its table";
}

void ThresholdsMatcher::DescribeNegationTo(std::ostream* os) const {
  *os << "fails some gating threshold of its table";
}

}  // namespace perfgate::gtest
