// perfgate/metrics/process_sampler.hpp - CPU and memory of the target and of perfgate, from /proc.
//
// Samples every `interval` on its own thread: `target_cpu` / `loadgen_cpu` (user+sys CPU time over
// the interval as a share of one core, so 150% means one and a half cores) and `target_rss` /
// `loadgen_rss` (resident bytes). The target is sampled only when it runs on this machine and its
// pid is known. /proc reports CPU time in clock ticks (10 ms), so one sample resolves to
// 10 ms / interval (2% at 500 ms); the average over a run is exact, since the ticks telescope.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "perfgate/metrics/recorder.hpp"
#include "perfgate/metrics/run_result.hpp"

namespace perfgate::metrics {

class ProcessSampler {
 public:
  ProcessSampler(MetricSet& set, std::optional<int> target_pid,
                 std::chrono::milliseconds interval = std::chrono::milliseconds(500));
  ~ProcessSampler();
  // Starts sampling; `origin` is the run's start.
  void start(core::TimePoint origin);
  // Stops sampling and joins the thread. Idempotent.
  void stop();
  // What was sampled (valid after stop()).
  const Recorder& recorder() const { return *recorder_; }
  // Adds loadgen_session_memory and target_session_memory to `result` (which holds what was
  // sampled): peak RSS growth since start() / `peak_sessions`, when at least 100 were held.
  void add_session_memory(RunResult& result, std::uint64_t peak_sessions) const;

 private:
  void loop();

  MetricSet& set_;
  std::optional<int> target_pid_;
  std::chrono::milliseconds interval_;
  MetricId target_cpu_, target_rss_, loadgen_cpu_, loadgen_rss_;
  std::unique_ptr<Recorder> recorder_;
  std::optional<std::int64_t> loadgen_rss_at_start_;
  std::optional<std::int64_t> target_rss_at_start_;
  // stop() wakes the loop at once: a sampler that slept out its interval added up to one
  // interval to every run's end (an A/B run of 40 one-second rounds: ~10 s).
  std::mutex mutex_;
  std::condition_variable wake_;
  bool running_ = false;  // guarded by mutex_
  std::thread thread_;
};

// recovery_time from 100 ms exceedance slots (Recorder::exceedance()): the time from `from_ns`
// (the end of a spike, since the run's start) to the start of the first 1 s window that has
// samples and whose p95 is within the limit the slots were counted against. nullopt if no window
// after `from_ns` recovers.
std::optional<std::int64_t> recovery_time_ns(const std::vector<Recorder::ExceedanceSlot>& slots,
                                             std::int64_t from_ns);

}  // namespace perfgate::metrics
