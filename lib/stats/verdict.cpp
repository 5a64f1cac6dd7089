// verdict.cpp - Judging a change by its interval.
#include "perfgate/stats/verdict.hpp"

#include <array>
#include <cmath>

namespace perfgate::stats {
namespace {

// In Verdict's order.
constexpr std::array<std::string_view, 4> kVerdictNames{"unchanged", "improved", "regressed",
                                                        "inconclusive"};

}  // namespace

std::string_view verdict_name(Verdict verdict) {
  return kVerdictNames.at(static_cast<std::size_t>(verdict));
}

Judgement judge(double change, const ChangeInterval& interval, metrics::Direction direction,
                double max_regression) {
  // Everything in the bad direction: a rise for at-most metrics, a fall for at-least ones.
  const bool up_is_worse = direction == metrics::Direction::kAtMost;
  const double worse = up_is_worse ? change : -change;
  const double lo = up_is_worse ? interval.low : -interval.high;
  const double hi = up_is_worse ? interval.high : -interval.low;
  const double m = max_regression;
  if (worse > m && lo > 0) return {Verdict::kRegressed, std::nullopt};
  if (worse < -m && hi < 0) return {Verdict::kImproved, std::nullopt};
  if (lo > -m && hi < m) return {Verdict::kUnchanged, std::nullopt};
  // The half-width an interval needs to decide, against the one it has.
  const double half = (hi - lo) / 2;
  const double needed = std::fabs(worse) > m ? std::fabs(worse) : m - std::fabs(worse);
  Judgement j{Verdict::kInconclusive, std::nullopt};
  if (needed > 0 && half > 0) j.longer_by = std::max(1.0, (half / needed) * (half / needed));
  return j;
}

}  // namespace perfgate::stats
