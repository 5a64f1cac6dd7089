// verdict.cpp - Judging a change by its interval.
#include "perfgate/stats/verdict.hpp"

#include <array>
#include <cmath>
#include <optional>

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
  // How far the interval reaches past the line it must clear, from the change: as data grows
  // that reach shrinks as 1/sqrt(length), so the factor is (reach / room)^2. A regression (or
  // an improvement) needs the side toward 0 to clear 0; an unchanged verdict needs both sides
  // inside the allowance (the wider of the two decides). Measured per side, not as a half-width:
  // a paired interval is not symmetric about its change (seen: +20.8% [-1.1%, +24.4%], whose
  // half-width 12.8% would say the length already sufficed).
  Judgement j{Verdict::kInconclusive, std::nullopt};
  const auto factor = [](double reach, double room) {
    return room > 0 && reach > 0 ? std::optional<double>((reach / room) * (reach / room))
                                 : std::nullopt;
  };
  std::optional<double> f;
  if (worse > m) {
    f = factor(worse - lo, worse);
  } else if (worse < -m) {
    f = factor(hi - worse, -worse);
  } else {
    const auto below = factor(worse - lo, worse + m), above = factor(hi - worse, m - worse);
    if (below && above) f = std::max(*below, *above);
  }
  if (f) j.longer_by = std::max(1.0, *f);
  return j;
}

}  // namespace perfgate::stats
