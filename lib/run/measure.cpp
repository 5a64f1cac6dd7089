// measure.cpp - One measured run: executor, progress, process sampling, collection.
#include "perfgate/run/measure.hpp"

#include <fmt/format.h>

#include <ostream>
#include <sstream>

#include "perfgate/core/clock.hpp"
#include "perfgate/metrics/process_sampler.hpp"
#include "perfgate/report/progress.hpp"

namespace perfgate::run {
namespace {

// The spike of a spike-and-recover plan ends when the last stage at the peak target ends.
std::int64_t spike_end_ns(const load::StagePlan& plan) {
  const double peak = plan.peak();
  std::chrono::nanoseconds t{0}, end{0};
  for (const load::Stage& s : plan.stages()) {
    t += s.duration;
    if (s.target == peak) end = t;
  }
  return end.count();
}

void print_setup(std::ostream& out, const load::SetUpOutcome& su) {
  out << fmt::format("set-up: {} of {} slots started in {:.1f} s{}{}\n", su.started, su.slots,
                     su.seconds, su.failed ? fmt::format(", {} failed", su.failed) : "",
                     su.cut ? " (setup_timeout reached: the rest were cut)" : "");
}

}  // namespace

Measurement measure(load::Workload& workload, const load::LoadProfile& profile,
                    const MeasureOptions& options) {
  Measurement m;
  metrics::RunResult& r = m.result;
  r.shard = {static_cast<int>(profile.shard.index), static_cast<int>(profile.shard.count)};
  if (options.stop && options.stop->load()) {
    r.started_at_ms = r.ended_at_ms = core::unix_millis_now();
    r.interrupted = true;  // never started: the run was stopped before this one
    return m;
  }
  metrics::ProcessSampler sampler(m.set, options.target_pid);
  sampler.start(core::SteadyClock::now());
  std::ostringstream silent;
  std::ostream& out = options.out ? *options.out : silent;
  report::ProgressLine progress(out, options.label, options.terminal && options.out != nullptr);
  load::RunOptions run_options;
  run_options.exceedance_limit_ns = options.recovery_limit_ns.value_or(0);
  run_options.stop_requested = options.stop;
  if (options.out)
    run_options.on_progress = [&progress](const load::Progress& p) { progress.update(p); };
  load::ExecutorOutcome outcome = load::run(workload, profile, m.set, run_options);
  progress.finish();
  sampler.stop();
  outcome.recorder.merge(sampler.recorder());
  const metrics::ShardInfo shard = r.shard;
  r = metrics::collect(m.set, outcome.recorder, outcome.steady_seconds,
                       outcome.stage_steady_seconds);
  r.shard = shard;
  r.ended_at_ms = core::unix_millis_now();
  r.started_at_ms = r.ended_at_ms - static_cast<std::int64_t>(outcome.duration_s * 1000);
  r.duration_s = outcome.duration_s;
  r.interrupted = outcome.interrupted;
  m.ran = true;
  m.setup = outcome.setup;
  if (m.setup) print_setup(out, *m.setup);
  sampler.add_session_memory(r, outcome.peak_sessions);
  workload.annotate(r);
  metrics::derive_shares(m.set, r);  // the workload may have added counters a share counts
  if (options.recovery_limit_ns) {
    const std::int64_t from = spike_end_ns(profile.plan);
    const auto recovered = metrics::recovery_time_ns(outcome.recorder.exceedance(), from);
    metrics::Histogram h;
    // Never recovered: record the rest of the run, a lower bound, and say so.
    h.record(recovered.value_or(static_cast<std::int64_t>(outcome.duration_s * 1e9) - from));
    r.histograms["recovery_time"] = h;
    r.counters["recovered"] = recovered ? 1 : 0;
  }
  return m;
}

void rederive_shares(Measurement& m) {
  if (m.ran) metrics::derive_shares(m.set, m.result);
}

}  // namespace perfgate::run
