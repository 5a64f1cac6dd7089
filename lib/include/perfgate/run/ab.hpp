// perfgate/run/ab.hpp - A scenario run A/B: the baseline build and the candidate side by side.
//
// Two runs of one build on one machine, minutes apart, differ by more than the regressions worth
// gating (docs/GATE.md measures it): the machine drifts. An A/B run measures the baseline target
// (A, main's build) and the candidate (B, the pull request's) in one job, in alternating rounds:
// the scenario's planned load is run `ab_rounds` times (the table profile's, else
// default_ab_rounds: rounds of 1 s, up to 30 a side), each round the plan scaled to 2/rounds of
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
// side. The verdict rests on pairs of rounds, and more pairs make it surer and let it leave out
// more odd rounds (at 99%, 8 pairs give an interval from the smallest to the largest pair's
// change, so one round with a scheduler hiccup decides it; 20 pairs leave out the 37 most extreme
// of 210 Walsh averages on each side). A round's part-second is not compared, and each round pays
// its start. So: rounds of 1 s, up to kAbMaxRoundsASide a side; a longer side gets the most
// rounds a side (at least kAbPairsWanted) that are a whole number of seconds each, else
// kAbMaxRoundsASide rounds. 20 s a side: 40 rounds of 1 s; 8 s: 16 of 1 s; 5 s: 10 of 1 s (too
// few pairs to be 99% sure: its A/B verdicts are inconclusive, and a longer load or a table's
// `ab_rounds` decides); 60 s: 60 of 2 s; 45 s: 60 of 1.5 s. A load planned by iterations: 40.
inline constexpr std::uint32_t kAbPairsWanted = 20;
inline constexpr std::uint32_t kAbMaxRoundsASide = 30;
std::uint32_t default_ab_rounds(std::chrono::nanoseconds side_duration);

struct AbSides {
  // Builds the workload that sends a side's load: called for every round, so nothing a workload
  // holds (connections, a broadcast ledger) carries from one round to the next.
  std::function<std::unique_ptr<load::Workload>(Side)> make;
  std::string baseline_target;      // recorded in the result (redacted)
  std::optional<int> baseline_pid;  // the baseline target's process, when on this machine
};

// The A/B verdict, for load scenarios and benchmarks alike: `candidate`, already judged by the
// table's absolute rules, judged again by its change from `baseline`, the side measured beside it
// (config::compare_runs pairs their rounds), with the table's `baseline` rule's max_regression
// and confidence (10% and 99% without one); a regression fails it. `baseline` is named after the
// scenario, stripped of verdicts (the table's verdicts are the candidate's) and kept, with `ab`,
// in candidate.ab.
void judge_ab(const config::ScenarioConfig& scenario, metrics::AbRun ab,
              metrics::RunResult baseline, metrics::RunResult& candidate);

// Runs `how.scenario` A/B (see the file comment); `how.measure.target_pid` is the candidate's.
// Throws core::Error for a shard (an A/B run is one process's) or a capacity search (whose steps
// are chosen by what it measures: run the candidate alone with run_scenario), and what
// run_scenario throws.
ScenarioOutcome run_ab_scenario(const AbSides& sides, const ScenarioRun& how);

}  // namespace perfgate::run
