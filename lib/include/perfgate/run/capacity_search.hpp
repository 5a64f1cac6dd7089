// perfgate/run/capacity_search.hpp - A scenario whose load is a capacity search.
//
// Executor "capacity" (load/capacity.hpp): open-loop steps at the rates load::CapacitySearch
// picks, each measured and judged by the scenario's rules except those of the whole search (the
// `capacity` metric itself and min_samples). The result is the highest step that held (else the
// first step), carrying the curve of every step and rates["capacity"].
#pragma once

#include <functional>
#include <ostream>

#include "perfgate/config/thresholds.hpp"
#include "perfgate/load/executor.hpp"
#include "perfgate/run/measure.hpp"

namespace perfgate::run {

// The search for `scenario` under `profile` (its `capacity` plan). `annotate` adds the caller's
// figures to each step before the step is judged; `options.label` prefixes each step's progress
// line, and a stop cuts the search short (the result is then interrupted). Throws core::Error when
// `profile` is a shard of several: each step's verdict picks the next rate, in one process.
Measurement search_capacity(const config::ScenarioConfig& scenario, load::Workload& workload,
                            const load::LoadProfile& profile, const MeasureOptions& options,
                            const std::function<void(Measurement&)>& annotate);

}  // namespace perfgate::run
