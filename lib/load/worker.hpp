// worker.hpp - What the executors share (internal to the load module).
//
// A run has one RunState, read by the controller and every worker, and one Worker per thread.
// A Worker owns an io_context, a Recorder and its users; everything about a user happens on its
// worker's thread, and the controller reaches a worker only by posting to its io_context.
//
// The Worker here does what both loops do with a finished operation (record it), with a user's
// session (count it, stop it) and with the progress line. ClosedLoopWorker (closed_loop.cpp) and
// OpenLoopWorker (open_loop.cpp) add when operations start.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "perfgate/core/clock.hpp"
#include "perfgate/core/random.hpp"
#include "perfgate/load/executor.hpp"
#include "perfgate/metrics/recorder.hpp"

namespace perfgate::load::detail {

using core::TimePoint;

// Every operation's own metrics, declared by the executor for all workloads.
struct Ids {
  metrics::MetricId latency = 0;
  std::vector<metrics::MetricId> by_tag;               // latency{<tags.key>:<value>}
  std::vector<metrics::CounterId> failed_by_tag;       // failed{<tags.key>:<value>}
  std::vector<metrics::MetricId> by_stage;             // latency{stage:<n>}, empty for one stage
  std::vector<metrics::CounterId> completed_by_stage;  // steady rate throughput{stage:<n>}
  metrics::MetricId sessions_held = 0;
  metrics::MetricId schedule_lag = 0;
  metrics::MetricId latency_uncorrected = 0;
};
Ids declare_ids(const Workload& workload, const LoadProfile& profile, metrics::MetricSet& set);

// State shared by the controller and all workers; written only before the run or atomically.
struct RunState {
  Workload& workload;
  const LoadProfile& profile;
  // What every worker times operations with (the controller's clock).
  const core::Clock& clock;
  Ids ids;
  std::vector<Window> steady;
  TimePoint origin;
  std::atomic<bool> ending{false};
  std::atomic<bool> cancelling{false};   // past graceful_stop: users retire without stop()
  std::atomic<bool> interrupted{false};  // the stop was asked for (a signal), not the plan's end
  std::atomic<std::uint64_t> live_users{0};
  std::atomic<std::uint64_t> sessions_open{0};

  bool is_steady(TimePoint at) const {
    const auto t = at - origin;
    for (const Window& w : steady) {
      if (t >= w.begin && t < w.end) return true;
    }
    return false;
  }
  std::size_t stage_at(TimePoint at) const { return profile.plan.stage_at(at - origin); }
};

// Where workers hand over their figures for the progress line (see Progress).
struct ProgressBoard {
  struct Counts {
    std::uint64_t attempted = 0, completed = 0, failed = 0;
  };
  explicit ProgressBoard(std::size_t workers) : counts(workers) {}
  std::mutex mutex;
  std::vector<Counts> counts;     // by worker
  metrics::Histogram latency{2};  // as the per-second series
};

// One user and its bookkeeping; lives on its worker's thread.
struct UserSlot {
  UserSlot(boost::asio::io_context& io, std::uint64_t seed) : think(io), rng(seed) {}
  std::unique_ptr<VirtualUser> user;
  std::uint64_t position = 0;  // closed loop: the shard-local position in the ramp order
  bool started = false;        // start() succeeded and stop() has not run
  bool busy = false;           // an operation is in flight
  bool stop_requested = false;
  bool retired = false;
  boost::asio::steady_timer think;  // closed loop: think time, and the retry after a failed start
  core::SplitMix64 rng;             // 8 bytes: a slot per held session
};

class Worker {
 public:
  Worker(RunState& run, const metrics::MetricSet& set, std::uint32_t index,
         std::int64_t exceedance_limit_ns);
  virtual ~Worker() = default;

  // ---- called on this worker's thread, by what the controller posts ----

  // The run is ending: every user stops after its current operation (stop(), unless the run is
  // already cancelling).
  virtual void request_stop_all();
  // Past graceful_stop: what is in flight is cancelled.
  void cancel_all();
  // Hands this worker's counts, and the latency of whole seconds before `before_second`, to the
  // board.
  void report_progress(ProgressBoard& board, std::int64_t before_second);

  boost::asio::io_context io{1};  // run by this worker's thread alone (the controller only posts)
  metrics::Recorder recorder;
  const std::uint32_t index;
  std::thread thread;
  std::vector<std::unique_ptr<UserSlot>> users;  // cleared before io goes
  TimePoint last_finish{};                       // when this worker's last operation ended

 protected:
  // What an operation is to the run: a measured one, or a user's set-up or tear-down (start(),
  // stop()). Set-up and tear-down are not what the scenario measures: when they succeed they
  // show under their own tag only (latency{behaviour:start}), outside latency, throughput and
  // the operation counts; when they fail, the user could not run, and that is the target's
  // failure like any other.
  enum class Phase { kMeasured, kSetUp };

  // Records one finished operation that started at `began` (the intended start in open loop).
  // With `sent` (open loop: when the operation actually began), also records
  // latency_uncorrected: what a tool timing from the send would report, the coordinated
  // omission perfgate does not commit.
  void finish(TimePoint began, OperationResult r, std::optional<TimePoint> sent = std::nullopt,
              Phase phase = Phase::kMeasured);
  // A failed operation: under its kind and its tag's failure count.
  void record_failure(TimePoint at, std::int64_t latency, const OperationResult& r, bool steady);

  // Makes a user on this worker. The caller has counted it in run_.live_users (so that the stop
  // waits for a user whose post a busy worker has not run yet).
  UserSlot& add_user(std::uint64_t position, std::uint64_t global_index);
  // The user's session ended under it: no longer held; its next turn starts a new one.
  void session_lost(UserSlot& u);
  // Ends the user: stop() when its session is open and the run is not cancelling, then retire.
  void stop_user(UserSlot& u);
  void retire(UserSlot& u);

  RunState& run_;
  WorkerContext context_;

 private:
  std::size_t progress_cursor_ = 0;  // series slots already handed to the ProgressBoard
};

}  // namespace perfgate::load::detail
