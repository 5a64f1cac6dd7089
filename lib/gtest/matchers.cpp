// matchers.cpp - MeetsThresholds and how a RunResult prints.
#include "perfgate/gtest/matchers.hpp"

#include <fmt/format.h>

#include "perfgate/metrics/catalog.hpp"

namespace perfgate::metrics {

void PrintTo(const RunResult& r, std::ostream* os) {
  *os << r.suite << '/' << r.scenario << " (profile " << r.profile << ", " << r.samples()
      << " samples, " << r.failed << " failed of " << r.attempted << " operations"
      << (r.interrupted ? ", interrupted" : "") << ')';
}

}  // namespace perfgate::metrics

namespace perfgate::gtest {

std::string describe_failures(const metrics::RunResult& r) {
  std::string out;
  if (r.interrupted) out += "\n  the run was interrupted before it finished";
  for (const auto& t : r.thresholds) {
    if (t.passed) continue;
    const metrics::MetricInfo* info = metrics::find_metric(t.metric);
    const core::Unit unit = t.statistic == "count" || !info ? core::Unit::kCount : info->unit;
    out += fmt::format("\n  {} {} = {}, limit {} {} (tier {}, {} samples){}", t.metric, t.statistic,
                       t.measured ? core::format_quantity(*t.measured, unit) : std::string("none"),
                       t.comparison, core::format_quantity(t.limit, unit), t.tier, t.samples,
                       t.note.empty() ? "" : "; " + t.note);
  }
  return out;
}

bool ThresholdsMatcher::MatchAndExplain(const metrics::RunResult& r, std::ostream* os) const {
  if (r.passed) return true;
  if (os) *os << "which failed:" << describe_failures(r);
  return false;
}

void ThresholdsMatcher::DescribeTo(std::ostream* os) const {
  *os << "meets every gating threshold of its table";
}

void ThresholdsMatcher::DescribeNegationTo(std::ostream* os) const {
  *os << "fails some gating threshold of its table";
}

}  // namespace perfgate::gtest
