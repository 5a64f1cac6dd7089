// perfgate/run/ab.hpp - A scenario run A/B: the baseline build and the candidate side by side.
//
// Two runs of one build on one machine, minutes apart, differ by more than the regressions worth
// gating (docs/GATE.md measures it): the machine drifts. An A/B run measures the baseline target
// (A, main's build) and the candidate (B, the pull request's) in one job, in alternating rounds:
// the scenario's planned load is run `ab_rounds` times (the table profile's; 8 by default), each
// round the plan scaled to 2/rounds of its length, in ABBA order (ABBAABBA), so that each side
// gets the planned duration in all and a drift of the machine falls on both sides alike.
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
