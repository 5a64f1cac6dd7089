// scenario_steps.hpp - The steps run_scenario and run_ab_scenario share (private to run/).
#pragma once

#include <optional>
#include <ostream>

#include "perfgate/run/scenario.hpp"

namespace perfgate::run::detail {

// A refused outcome when a rule's tag selector can match nothing `workload` declares (said on
// `out`), before any load is sent; nullopt when every rule can match.
std::optional<ScenarioOutcome> refuse_unmatched(const load::Workload& workload,
                                                const ScenarioRun& how, std::ostream& out);

// `how.measure` with the scenario's recovery limit.
MeasureOptions measure_options(const ScenarioRun& how);

// The caller's annotate step (how.annotate) on a measured run, shares derived again after it.
void annotate(const ScenarioRun& how, Measurement& m);

// Names the run, records the context (the caller's, load, set-up, adjustment) and evaluates the
// scenario's rules.
void describe_and_evaluate(const ScenarioRun& how, const std::optional<load::SetUpOutcome>& setup,
                           metrics::RunResult& r);

}  // namespace perfgate::run::detail
