// perfgate/stats/prediction.hpp - Where the next run's figure will fall: limits set from data.
//
// A limit set by hand is either below what a slow CI machine does (the gate cries wolf) or far
// above what the target does (a 15x regression passes). `perfgate calibrate` sets it from N runs
// of the same code: a figure's logarithm across runs is close to normal (run-to-run noise is
// multiplicative), so the next run's figure lies below
//
//     exp(mean + t(1 - a, N - 1) * sd * sqrt(1 + 1/N))
//
// with probability 1 - a: the one-sided prediction interval of a normal sample (Hahn & Meeker,
// "Statistical Intervals", 1991, sec. 4.6), with mean and sd those of the N runs' logarithms and
// t Student's quantile. `a` is the false-alarm rate a limit at that bound has on unchanged code on
// a machine like the calibrating one; few runs make the bound wide (t grows as N falls), which
// is the price of knowing the spread from few runs.
#pragma once

#include <optional>
#include <vector>

#include "perfgate/metrics/catalog.hpp"
#include "perfgate/stats/change.hpp"

namespace perfgate::stats {

// The standard normal quantile and Student's t quantile with `df` degrees of freedom (0 < p < 1).
double normal_quantile(double p);
double student_t_quantile(double p, double df);

// The bound the next run's figure stays on the right side of with probability 1 - `false_alarm`
// (0 < false_alarm < 1): above for kAtMost, below for kAtLeast. nullopt for fewer than 3 runs or
// a figure that is not positive in every run.
std::optional<double> prediction_bound(const std::vector<double>& runs, double false_alarm,
                                       metrics::Direction direction);

// A figure judged against N >= 3 runs of the baseline rather than one: `reference` is their
// geometric mean, and `interval` the changes from it that unchanged code shows at `confidence`
// (the two-sided prediction interval of the runs' logarithms, moved to `current`): a change whose
// interval excludes 0 lies outside run-to-run noise, which one baseline run cannot show.
struct HistoryChange {
  double reference = 0;
  ChangeInterval interval;
};
std::optional<HistoryChange> change_from_history(const std::vector<double>& baseline_runs,
                                                 double current, double confidence);

}  // namespace perfgate::stats
