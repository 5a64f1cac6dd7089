// perfgate/run/ab.hpp - A scenario run A/B: the baseline build and the candidate side by side.
//
// Two runs of one build on one machine, minutes apart, differ by more than the regressions worth
// gating (docs/GATE.md measures it): the machine drifts. An A/B run measures the baseline target
// (A, main's build) and the candidate (B, the pull request's) in one job, in alternating rounds:
// the scenario's planned load is run `ab_rounds` times (the table profile's, else
// default_ab_rounds: 8 to 16 rounds a side), each round the plan scaled to 2/rounds of
// its length, in ABBA order (ABBAABBA...), so that each side gets the planned duration in all and
// a drift of the machine falls on both sides alike. One unmeasured round per side (B then A)
// comes first: a service's first seconds (cold caches, connection pools, page faults) are not
// its steady state, and in ABBA order they would all fall on A.
//
// Rounds, not seconds, are the unit of the verdict: round k of A ran next to round k of B, and
// config::compare_runs pairs them (stats::paired_change_interval). More rounds make the interval
// surer; shorter rounds lose more of each to its part-second and its start.
//
// Each side's rounds merge into one run (metrics::merge_rounds). The candidate's is the result:
// judged by the table's absolute rules, and by its change from the baseline side's through
// config::compare_runs (a regression needs its size *and* its confidence: baseline.hpp), with the
// table's `baseline` rule's max_regression and confidence (10% and 99% without one). A stored
// baseline (PERFGATE_BASELINE) is not compared as well: the side measured beside it is the surer.
// The baseline side is kept in the result (RunResult::ab), not judged.
//
//   run::AbSides sides{.make = [&](run::Side s) { return make_workload(s); },
//                      .baseline_target = baseline.redacted()};
//   metrics::RunResult r = run::run_ab_scenario(sides, how).result;
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "perfgate/run/scenario.hpp"

namespace perfgate::run {

enum class Side { kBaseline, kCandidate };

// "baseline" or "candidate".
const char* side_name(Side side);

// The side of each of `rounds` rounds (even, >= 2) in ABBA order: A B B A A B B A ...
std::vector<Side> ab_order(std::uint32_t rounds);

// "ABBAABBA": an order as text (A the baseline, B the candidate).
std::string order_text(const std::vector<Side>& order);

// Rounds for an A/B run whose table does not set `ab_rounds`, from the planned duration of one
// side. The verdict needs stats::min_pairs(0.99) = 8 pairs of rounds, and a round's part-second
// is not compared, so: the fewest rounds a side (8 to 16) that are a whole number of seconds
// each; 10 a side when none is; rounds of 1 s when the side is shorter than 8 s (too few to be
// sure: its A/B verdicts are inconclusive, and a longer load or a table's `ab_rounds` decides).
// 20 s a side: 20 rounds of 2 s; 15 s: 30 of 1 s; 25 s: 20 of 2.5 s. A load planned by
// iterations: 16.
inline constexpr std::uint32_t kAbPairsWanted = 8;
std::uint32_t default_ab_rounds(std::chrono::nanoseconds side_duration);

struct AbSides {
  // Builds the workload that sends a side's load: called for every round, so nothing a workload
  // holds (connections, a broadcast ledger) carries from one round to the next.
  std::function<std::unique_ptr<load::Workload>(Side)> make;
  std::string baseline_target;      // recorded in the result (redacted)
  std::optional<int> baseline_pid;  // the baseline target's process, when on this machine
};

// Runs `how.scenario` A/B (see the file comment); `how.measure.target_pid` is the candidate's.
// Throws core::Error for a shard (an A/B run is one process's) or a capacity search (whose steps
// are chosen by what it measures: run the candidate alone with run_scenario), and what
// run_scenario throws.
ScenarioOutcome run_ab_scenario(const AbSides& sides, const ScenarioRun& how);

}  // namespace perfgate::run
