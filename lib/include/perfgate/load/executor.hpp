// perfgate/load/executor.hpp - Executors: decide *when* operations start, and measure them.
//
// A Workload makes VirtualUsers; an executor runs them on worker threads (one io_context per
// thread) under a LoadProfile and returns what the recorders measured.
//
// - closed loop: N virtual users, each starting its next operation when the previous one ended
//   (plus think time); stages ramp N up and down. `latency` runs from the actual start.
// - open loop: arrivals at a planned rate (even or Poisson), each taken by a free slot (at most
//   `max_in_flight` at once); an arrival with no free slot is counted as `dropped`. `latency` runs
//   from the *intended* start, so a stalled target shows in the percentiles (no coordinated
//   omission).
//
// Both stop by themselves: at the end of the plan or after `iterations`, users get
// `graceful_stop` to finish; then whatever is still in flight is cancelled and counted as
// `interrupted`: cut by the harness, not failed by the target, so outside attempted, failed and
// error_rate. Open-loop arrivals whose time had come when the load ended but that a lagging
// generator had not started fail as `loadgen_behind`, perfgate's fault by name (like
// loadgen_ports): no offered arrival goes uncounted, and none is blamed on the target.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "perfgate/core/clock.hpp"
#include "perfgate/load/capacity.hpp"
#include "perfgate/load/schedule.hpp"
#include "perfgate/metrics/recorder.hpp"
#include "perfgate/metrics/run_result.hpp"

namespace perfgate::load {

// What one operation ended as.
struct OperationResult {
  // kNone for a success; else the kind it failed as: built in, or declared by the workload with
  // MetricSet::error_kind ("db_40").
  metrics::ErrorKind error = metrics::ErrorKind::kNone;
  // Index into Workload::tags().values (0 when the workload has no tags).
  std::uint16_t tag = 0;
  // False for a no-op (a user with nothing to do at start or stop): not counted as an operation.
  bool counted = true;
  // The user's session ended with this operation (a dropped connection): it no longer counts
  // toward sessions_held, and the user's next turn starts a new one (start() again).
  bool session_lost = false;
};

using Completion = std::function<void(OperationResult)>;

// A user's operation in flight: holds its completion until the result is known, and calls it
// exactly once (forgetting it first, since the callee may start the user's next operation).
class PendingCompletion {
 public:
  void hold(Completion done) { done_ = std::move(done); }
  void fire(OperationResult result) {
    Completion done = std::move(done_);
    done_ = nullptr;
    done(result);
  }

 private:
  Completion done_;
};

// One virtual user (closed loop) or one in-flight slot (open loop). Every call happens on the
// thread that owns the user, and a user runs one operation at a time. Each call must invoke `done`
// exactly once, later or at once.
class VirtualUser {
 public:
  virtual ~VirtualUser() = default;
  // Prepares the user (logs in, opens a session). Counted as an operation unless it reports
  // `counted = false`; on failure the user is retried at its next turn.
  virtual void start(Completion done) { done({.counted = false}); }
  // Runs one operation.
  virtual void iterate(Completion done) = 0;
  // Ends the user's session (logs out).
  virtual void stop(Completion done) { done({.counted = false}); }
  // Aborts what is in flight: its completion must still be called, soon, with an error.
  virtual void cancel() {}
};

struct WorkerContext;

// What every driver's user holds: the thread's context, the state its workload's users share
// (options, metric ids, the target: `Shared`, defined in the driver), and its number, global
// over shards. Drivers derive their users from it.
template <class Shared>
class UserOf : public VirtualUser {
 public:
  // Public so that a driver's user takes it over with `using UserOf::UserOf;`, initialising its
  // own members from these (`net::Connection connection_{ctx_.io, s_->origin};`).
  UserOf(WorkerContext& ctx, std::shared_ptr<const Shared> shared, std::uint64_t index)
      : ctx_(ctx), s_(std::move(shared)), index_(index) {}

 protected:
  WorkerContext& ctx_;
  const std::shared_ptr<const Shared> s_;
  const std::uint64_t index_;
};

// Per-thread things a virtual user may use.
struct WorkerContext {
  boost::asio::io_context& io;
  metrics::Recorder& recorder;
  std::uint32_t thread_index;
  // Whether `at` lies in a steady (non-ramp) window of the run. `throughput` counts the
  // operations that *started* in one (the intended start in open loop), so a workload's own
  // per-second figures (goodput, output tokens, rows) pass it their operation's start too:
  // counted by when they end, an open loop at R/s with latency L would read R (T - L) / T.
  std::function<bool(core::TimePoint)> is_steady;
  // The 1-based stage of the plan that `at` falls in.
  std::function<std::size_t(core::TimePoint)> stage_at;
  // When the operation being started was meant to start: the intended start in open loop, the
  // actual start in closed loop. Set by the executor just before it calls a user's start(),
  // iterate() or stop(), and valid during that call: a driver that counts or times by it copies
  // it there.
  core::TimePoint operation_start;
};

// What OperationResult::tag indexes: the executor keeps latency and failures per value
// (latency{behaviour:login}, failed{behaviour:login}).
struct OperationTags {
  std::string key;                  // "behaviour"; empty for untagged operations
  std::vector<std::string> values;  // in OperationResult::tag order
};

// Makes the virtual users of a scenario.
class Workload {
 public:
  virtual ~Workload() = default;
  // Declares the histograms and counters the users record (called once, before the run).
  virtual void declare(metrics::MetricSet& /*set*/) {}
  // Called after declare() when the plan has `stages` > 1 stages, for per-stage figures of the
  // workload's own (e.g. connect{stage:<n>}); WorkerContext::stage_at says which stage is on.
  virtual void declare_stages(metrics::MetricSet& /*set*/, std::size_t /*stages*/) {}
  // The tags of the workload's operations; none by default.
  virtual OperationTags tags() const { return {}; }
  // Creates user number `user_index` (global over shards); called on the owning thread.
  virtual std::unique_ptr<VirtualUser> make_user(WorkerContext& ctx, std::uint64_t user_index) = 0;
  // Adds to a run's collected result what only the workload knows once it ended (ws: the
  // broadcast ledger's receipts); run::measure calls it after every run. Nothing by default.
  virtual void annotate(metrics::RunResult& /*result*/) const {}
};

enum class ExecutorKind {
  kClosedLoop,
  kOpenLoop,
  // A capacity search (capacity.hpp): open-loop steps at rates the search picks. run() takes
  // one step at a time, as kOpenLoop; run::search_capacity (run/capacity_search.hpp) drives it.
  kCapacity,
};

// Open loop: what an arrival does when all max_in_flight slots are busy.
enum class WhenBusy {
  kDrop,   // counted as `dropped` (a failure): the target could not take the offered load
  kQueue,  // waits for a slot and starts late, as in pgbench -R: latency (from the intended
           // start) and schedule_lag include the wait. Arrivals waiting when the load ends are
           // served through graceful_stop (the slowest of the run: measured, not cut); those
           // still waiting after it are `dropped`, or `interrupted` when a signal stopped the run
};

// The share of a run this process takes (`--shard i/N`).
struct Shard {
  std::uint32_t index = 0;
  std::uint32_t count = 1;
};

// How a scenario loads its target: parsed from the table's `load` for the active profile.
struct LoadProfile {
  ExecutorKind kind = ExecutorKind::kClosedLoop;
  // Users (closed loop) or arrivals per second (open loop) over time.
  StagePlan plan = StagePlan::constant(1, std::chrono::seconds(1));
  // Closed loop: pause between a user's operations, uniform in [min, max].
  Nanos think_time_min{0};
  Nanos think_time_max{0};
  // Open loop.
  Spacing spacing = Spacing::kEven;
  std::uint32_t max_in_flight = 64;
  // Open loop: start (open the session of) every slot before the clock starts, as pgbench
  // connects its clients first; otherwise slots start on first use, inside the measured run.
  bool prestart = false;
  // How long prestart may take in all: then the starts still in flight are cut and fail (a
  // target that accepts connections and never answers is not waited on per slot), and the run
  // begins with the slots that started, or not at all when none did.
  Nanos setup_timeout = std::chrono::seconds(5);
  WhenBusy when_busy = WhenBusy::kDrop;
  // Open loop: wake for an arrival up to this late, so that one wake-up starts every arrival
  // due by then. Each wake-up is a context switch (most of the generator's CPU at a fixed rate);
  // wrk's 1 ms timer tick is such a slack. The lateness is not hidden: latency runs from the
  // intended start and schedule_lag shows it. 0 (the default) wakes for each arrival on time.
  Nanos timer_slack{0};
  // Stop after this many operations in all (over every shard), if set.
  std::optional<std::uint64_t> iterations;
  Nanos graceful_stop = std::chrono::seconds(5);
  std::uint32_t threads = 0;  // 0: one per core
  std::uint64_t seed = 1;
  Shard shard;
  // kCapacity: the search's bounds and steps (the open-loop settings above apply to each step).
  CapacityPlan capacity;

  bool open_loop() const { return kind != ExecutorKind::kClosedLoop; }
};

// How an open loop's prestart went. Its time is not the run's: duration_s and every rate count
// from the clock's start, after set-up.
struct SetUpOutcome {
  double seconds = 0;
  std::uint64_t slots = 0;    // slots asked to start
  std::uint64_t started = 0;  // ...that started
  std::uint64_t failed = 0;   // ...that failed (each also a failed operation of the run)
  bool cut = false;           // setup_timeout passed with starts still in flight
};

// What run() hands back: the merged measurements and the run's timing.
struct ExecutorOutcome {
  explicit ExecutorOutcome(metrics::Recorder merged) : recorder(std::move(merged)) {}
  metrics::Recorder recorder;  // all threads merged
  // The steady seconds of the load window, what throughput divides by. The window is the plan's,
  // up to where the load ended; when `iterations` ran out first it ends, in open loop, where the
  // next arrival was due (the budget's arrivals span exactly that long), and in closed loop
  // with the last operation's end.
  double steady_seconds = 0;
  // Per stage (when the plan has more than one): steady seconds, and operations completed in them
  // (the steady rates throughput{stage:<n>}: metrics::collect divides them by these).
  std::vector<double> stage_steady_seconds;
  double duration_s = 0;
  bool interrupted = false;
  std::uint64_t peak_sessions = 0;
  std::optional<SetUpOutcome> setup;  // open loop with prestart
};

// What a run has done so far, for a progress line. Figures lag the clock by up to one report
// interval: the workers hand them over between their operations, without locks on the hot path.
struct Progress {
  Nanos elapsed{0};
  Nanos total{0};  // the plan's length
  std::uint64_t attempted = 0;
  std::uint64_t completed = 0;
  std::uint64_t failed = 0;
  double completed_per_s = 0;          // over the last report interval
  std::optional<std::int64_t> p95_ns;  // of latency so far, whole seconds only (2 digits)
  std::uint64_t sessions = 0;          // open now
  // Set, and the figures above empty, while prestart runs: elapsed of total is its time so far
  // against setup_timeout.
  struct SetUp {
    std::uint64_t started = 0;
    std::uint64_t failed = 0;
    std::uint64_t slots = 0;
  };
  std::optional<SetUp> setup;
};

struct RunOptions {
  // Latency limit for the 100 ms exceedance slots (recovery_time); 0 disables them.
  std::int64_t exceedance_limit_ns = 0;
  // Set from another thread (e.g. a signal handler's watcher) to stop the run early.
  const std::atomic<bool>* stop_requested = nullptr;
  // Called on the calling thread every `progress_every` while the load runs.
  std::function<void(const Progress&)> on_progress;
  Nanos progress_every = std::chrono::seconds(1);
};

// Runs `workload` under `profile`. The MetricSet must hold what workload.declare() declared;
// run() adds `latency` (and per-tag, per-stage variants) and `sessions_held` itself.
ExecutorOutcome run(Workload& workload, const LoadProfile& profile, metrics::MetricSet& set,
                    const RunOptions& options = {});

}  // namespace perfgate::load
