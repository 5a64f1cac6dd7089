// perfgate/run/measure.hpp - One measured run of a workload under a load profile.
//
// measure() is the step every caller shares: a suite's scenario, each step of a capacity search,
// `perfgate http` and `perfgate pgbench`, and a suite's own probes. It declares the workload's
// metrics, runs the executor (load/executor.hpp) with a progress line, samples the target's
// process, collects the recorders into a RunResult with its rates and shares, lets the workload
// add what it knows after the run (Workload::annotate) and, when asked, computes recovery_time. The
// result is measured, not judged: no suite, scenario, context or threshold outcome
// (run/scenario.hpp adds those).
#pragma once

#include <atomic>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>

#include "perfgate/load/executor.hpp"
#include "perfgate/metrics/recorder.hpp"
#include "perfgate/metrics/run_result.hpp"

namespace perfgate::run {

struct MeasureOptions {
  std::string label;  // names the progress line: "users/sustained_load"
  // Where the progress line and the set-up summary go; nullptr prints nothing.
  std::ostream* out = nullptr;
  bool terminal = false;  // the progress line redraws itself in place (stdout is a terminal)
  // Set by a signal handler: the run stops early and is marked interrupted. When it is set
  // before the run begins, nothing is sent.
  const std::atomic<bool>* stop = nullptr;
  std::optional<int> target_pid = std::nullopt;  // sampled for target_cpu and target_memory
  // When set, recovery_time is computed: from the end of the plan's peak to the first 100 ms slot
  // whose latency is back under this limit (a spike-and-recover plan's recovery).
  std::optional<std::int64_t> recovery_limit_ns = std::nullopt;
};

struct Measurement {
  metrics::RunResult result;
  // What the workload declared: derive_shares() needs it again after counters are added.
  metrics::MetricSet set;
  bool ran = false;  // false when a stop was asked for before it began
  std::optional<load::SetUpOutcome> setup;
};

// Runs `workload` under `profile`. `result` carries the figures, started/ended times,
// duration_s (the measured part: set-up excluded), interrupted and the shard; with `ran` false,
// it is an empty run marked interrupted. Throws what the executor throws (a bad profile).
Measurement measure(load::Workload& workload, const load::LoadProfile& profile,
                    const MeasureOptions& options);

// Derives the shares again after a caller added counters to `m.result` (a suite's annotate
// step: figures known only after the run, such as a broadcast ledger's).
void rederive_shares(Measurement& m);

}  // namespace perfgate::run
