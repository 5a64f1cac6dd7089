// perfgate/stats/verdict.hpp - A change judged: regressed, unchanged, improved or inconclusive.
//
// With `worse` the change in the metric's bad direction (up for latency, down for throughput),
// its interval [lo, hi] at the chosen confidence, and m the allowed regression:
//   regressed     worse > m and lo > 0: bigger than allowed, and surely not noise;
//   improved      worse < -m and hi < 0;
//   unchanged     -m < lo and hi < m: whatever changed is surely within what is allowed;
//   inconclusive  anything else: the interval is too wide to tell, and a longer run would say.
// A plain comparison of two numbers (worse > m) flags noise as often as noise exceeds m; the
// interval keeps that to the chosen confidence's error rate.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "perfgate/metrics/catalog.hpp"
#include "perfgate/stats/change.hpp"

namespace perfgate::stats {

enum class Verdict { kUnchanged, kImproved, kRegressed, kInconclusive };
std::string_view verdict_name(Verdict verdict);  // "unchanged", "regressed", ...

struct Judgement {
  Verdict verdict = Verdict::kInconclusive;
  // Inconclusive: about how many times longer both runs would have to be for this interval to
  // decide (its reach from the change shrinks as 1/sqrt(length); the side that must clear 0,
  // or the allowance, is measured, since an interval need not be symmetric); absent otherwise.
  std::optional<double> longer_by;
};

// Judges the relative change `change` (current / baseline - 1) with its interval.
Judgement judge(double change, const ChangeInterval& interval, metrics::Direction direction,
                double max_regression);

}  // namespace perfgate::stats
