// executor.cpp - Closed- and open-loop executors on one io_context per worker thread.
//
// Threading: each Worker owns an io_context, a Recorder and its users; everything about a user
// happens on its worker's thread. The calling thread is the controller: run() prepares the
// workers, lets the Executor (ClosedLoopExecutor or OpenLoopExecutor) set up and begin, runs the
// controller loop (control(): the executor's tick, sessions_held samples, progress) and the stop
// (stop(): graceful, then cancel; run_control.hpp decides when). It talks to workers only by
// posting.
#include "perfgate/load/executor.hpp"

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cmath>
#include <deque>
#include <mutex>
#include <random>
#include <thread>

#include "perfgate/core/random.hpp"
#include "perfgate/load/run_control.hpp"
#include "perfgate/metrics/catalog.hpp"

namespace perfgate::load {
namespace {

namespace asio = boost::asio;
using core::SteadyClock;
using core::TimePoint;
using metrics::ErrorKind;

constexpr auto kControllerTick = std::chrono::milliseconds(10);
constexpr auto kSessionSampleEvery = std::chrono::milliseconds(100);
constexpr auto kStartRetryDelay = std::chrono::milliseconds(100);
constexpr auto kCancelGrace = std::chrono::seconds(5);
constexpr std::size_t kMaxWaiting = 1'000'000;  // per worker: beyond this, arrivals are dropped

struct Ids {
  metrics::MetricId latency = 0;
  std::vector<metrics::MetricId> by_tag;               // latency{<tag_key>:<value>}
  std::vector<metrics::CounterId> failed_by_tag;       // failed{<tag_key>:<value>}
  std::vector<metrics::MetricId> by_stage;             // latency{stage:<n>}, empty for one stage
  std::vector<metrics::CounterId> completed_by_stage;  // steady rate throughput{stage:<n>}
  metrics::MetricId sessions_held = 0;
  metrics::MetricId schedule_lag = 0;
  metrics::MetricId latency_uncorrected = 0;
};

struct Worker;
struct UserSlot;

// Open loop: the process's max_in_flight share, one budget for all workers. A slot (a user and
// its session) lives on the worker that made it, but any worker's arrival may take any free
// slot, so there are never more than `cap` operations (or sessions) at once and never a drop
// while a slot is free anywhere. Splitting the budget per worker would do neither: at least one
// slot per worker opens 64 connections for max_in_flight 16 on 64 cores, and a worker whose
// slots are busy would drop while another's idle.
struct SlotPool {
  struct Free {
    Worker* owner;
    UserSlot* slot;
  };
  std::mutex mutex;
  std::uint64_t cap = 0;
  std::uint64_t created = 0;
  std::vector<Free> free;
  std::deque<TimePoint> waiting;  // when_busy = queue: arrivals waiting for a slot, oldest first
  std::atomic<std::uint64_t> next_index{0};  // slots numbered 0, 1, ... in this process
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
  UserSlot(asio::io_context& io, std::uint64_t seed) : think(io), rng(seed) {}
  std::unique_ptr<VirtualUser> user;
  std::uint64_t position = 0;  // closed loop: the shard-local position in the ramp order
  bool started = false;        // start() succeeded and stop() has not run
  bool busy = false;           // an operation is in flight
  bool stop_requested = false;
  bool retired = false;
  asio::steady_timer think;
  core::SplitMix64 rng;  // 8 bytes: a slot per held session
};

// State shared by the controller and all workers; written only before the run or atomically.
struct Shared {
  Workload& workload;
  const LoadProfile& profile;
  Ids ids;
  std::vector<Window> steady;
  TimePoint origin;
  std::atomic<bool> ending{false};
  std::atomic<bool> cancelling{false};  // past graceful_stop: users retire without stop()
  std::atomic<std::int64_t> iterations_left{INT64_MAX};  // closed loop budget of this process
  std::atomic<std::uint64_t> live_users{0};
  std::atomic<std::uint64_t> sessions_open{0};
  std::atomic<std::uint32_t> workers_done{0};  // open loop: workers whose schedule ended
  std::atomic<std::uint64_t> prestarted{0};    // open loop with prestart: slots whose start ended
  std::atomic<std::uint64_t> prestart_failed{0};  // ...and of those, the ones that failed
  // When the controller ended the load (ns from origin): open-loop arrivals due before it that
  // a lagging worker has not started are counted as dropped.
  std::atomic<std::int64_t> load_ended_ns{INT64_MAX};
  SlotPool pool{};

  bool is_steady(TimePoint at) const {
    const auto t = at - origin;
    for (const Window& w : steady) {
      if (t >= w.begin && t < w.end) return true;
    }
    return false;
  }
};

struct Worker {
  Worker(Shared& shared, const metrics::MetricSet& set, std::uint32_t index,
         std::int64_t exceedance_limit_ns)
      : shared(shared),
        recorder(set, shared.origin, exceedance_limit_ns),
        index(index),
        context{io,
                recorder,
                index,
                [&shared](core::TimePoint at) { return shared.is_steady(at); },
                [&shared](core::TimePoint at) {
                  return shared.profile.plan.stage_at(at - shared.origin);
                },
                core::TimePoint{}},
        arrival_timer(io) {}

  Shared& shared;
  asio::io_context io{1};  // run by this worker's thread alone (the controller only posts)
  metrics::Recorder recorder;
  std::uint32_t index;
  WorkerContext context;
  std::vector<std::unique_ptr<UserSlot>> users;
  // Open loop.
  std::optional<ArrivalSchedule> arrivals;
  std::uint64_t arrivals_left = UINT64_MAX;
  std::uint64_t prestart_share = 0;  // slots this worker makes before the clock starts
  // Set-up (prestart) failures, recorded as failed operations once the clock has started (a
  // recorder counts time from the run's origin, which set-up precedes).
  std::vector<OperationResult> setup_failures;
  bool clock_started = false;
  asio::steady_timer arrival_timer;
  TimePoint next_arrival;
  std::thread thread;
  std::size_t progress_cursor = 0;  // series slots already handed to the ProgressBoard
  TimePoint last_finish{};          // when this worker's last operation ended
  // Open loop: when this worker's next arrival was due when its iteration budget ran out.
  std::optional<TimePoint> due_after_budget;
  bool arrival_pending = false;  // next_arrival was taken from the schedule, its timer is armed

  // On this worker's thread: hands its counts and the latency of whole seconds before
  // `before_second` to the board.
  void report_progress(ProgressBoard& board, std::int64_t before_second) {
    const auto& series = recorder.series();
    const std::lock_guard lock(board.mutex);
    for (; progress_cursor < series.size() && series[progress_cursor].second < before_second;
         ++progress_cursor) {
      board.latency.merge(series[progress_cursor].latency);
    }
    board.counts[index] = {recorder.attempted(), recorder.completed(), recorder.failed()};
  }

  // Records one finished operation that started at `began` (intended start in open loop).
  // With `sent` (open loop: when the operation actually began), also records
  // latency_uncorrected: what a tool timing from the send would report, the coordinated
  // omission perfgate does not commit.
  // What an operation is to the run: a measured one, or a user's set-up or tear-down (start(),
  // stop()). Set-up and tear-down are not what the scenario measures: when they succeed they
  // show under their own tag only (latency{behaviour:start}), outside latency, throughput and
  // the operation counts; when they fail, the user could not run, and that is the target's
  // failure like any other.
  enum class Phase { kMeasured, kSetUp };

  void finish(TimePoint began, std::size_t stage, OperationResult r,
              std::optional<TimePoint> sent = std::nullopt, Phase phase = Phase::kMeasured) {
    if (!r.counted) return;
    const TimePoint now = SteadyClock::now();
    last_finish = std::max(last_finish, now);
    if (shared.cancelling.load(std::memory_order_relaxed)) {
      // Cut by the harness past graceful_stop: whatever error the driver reports for the
      // cancellation, the target did not fail it.
      recorder.operation_interrupted();
      return;
    }
    const std::int64_t latency = (now - began).count();
    // Throughput counts operations by their (intended) start: counted by their end, an open
    // loop at R/s with latency L would read R (T - L) / T over a window of T.
    const bool steady = shared.is_steady(began);
    if (r.error != ErrorKind::kNone) return record_failure(now, latency, r, steady);
    if (phase == Phase::kSetUp) {
      if (r.tag < shared.ids.by_tag.size()) recorder.record(shared.ids.by_tag[r.tag], latency);
      return;
    }
    recorder.operation_finished(now, latency, ErrorKind::kNone, steady);
    recorder.record(shared.ids.latency, latency);
    if (sent) recorder.record(shared.ids.latency_uncorrected, (now - *sent).count());
    if (r.tag < shared.ids.by_tag.size()) recorder.record(shared.ids.by_tag[r.tag], latency);
    if (!shared.ids.by_stage.empty()) {
      const std::size_t last = shared.ids.by_stage.size() - 1;
      recorder.record(shared.ids.by_stage[std::min(stage - 1, last)], latency);
      // Throughput per stage counts completions inside that stage's steady window.
      if (steady) recorder.add(shared.ids.completed_by_stage[std::min(stage - 1, last)]);
    }
  }

  // A failed operation: under its kind and its tag's failure count.
  void record_failure(TimePoint at, std::int64_t latency, const OperationResult& r, bool steady) {
    if (r.tag < shared.ids.failed_by_tag.size()) recorder.add(shared.ids.failed_by_tag[r.tag]);
    recorder.operation_finished(at, latency, r.error, steady);
  }

  std::size_t stage_at(TimePoint t) const {
    return shared.profile.plan.stage_at(t - shared.origin);
  }

  // Makes a user on this worker. The caller has counted it in shared.live_users: the controller
  // does so when it posts a closed-loop user, so that the stop waits for a user whose post a busy
  // worker has not run yet (else io.stop() would drop it unmade).
  UserSlot& add_user(std::uint64_t position, std::uint64_t global_index) {
    auto slot = std::make_unique<UserSlot>(io, shared.profile.seed * 7919 + global_index);
    slot->position = position;
    slot->user = shared.workload.make_user(context, global_index);
    users.push_back(std::move(slot));
    return *users.back();
  }

  // The user's session ended under it: no longer held; its next turn starts a new one.
  void session_lost(UserSlot& u) {
    if (!u.started) return;
    u.started = false;
    --shared.sessions_open;
  }

  void retire(UserSlot& u) {
    if (u.retired) return;
    u.retired = true;
    if (u.started) --shared.sessions_open;
    u.started = false;
    --shared.live_users;
  }

  // ---- closed loop ----

  void after_think(UserSlot& u) {
    const auto& p = shared.profile;
    Nanos pause = p.think_time_min;
    if (p.think_time_max > p.think_time_min) {
      std::uniform_int_distribution<std::int64_t> d(p.think_time_min.count(),
                                                    p.think_time_max.count());
      pause = Nanos(d(u.rng));
    }
    if (pause.count() == 0) {
      asio::post(io, [this, &u] { turn(u); });
      return;
    }
    u.think.expires_after(pause);
    u.think.async_wait([this, &u](boost::system::error_code) { turn(u); });
  }

  void stop_user(UserSlot& u) {
    if (!u.started || shared.cancelling.load(std::memory_order_relaxed)) {
      retire(u);
      return;
    }
    u.busy = true;
    const TimePoint began = SteadyClock::now();
    context.operation_start = began;
    u.user->stop([this, &u, began](OperationResult r) {
      u.busy = false;
      finish(began, stage_at(began), r, std::nullopt, Phase::kSetUp);
      retire(u);
    });
  }

  void turn(UserSlot& u) {
    if (u.retired || u.busy) return;
    if (u.stop_requested || shared.ending.load(std::memory_order_relaxed)) {
      stop_user(u);
      return;
    }
    const TimePoint began = SteadyClock::now();
    context.operation_start = began;
    u.busy = true;
    if (!u.started) {
      u.user->start([this, &u, began](OperationResult r) {
        u.busy = false;
        finish(began, stage_at(began), r, std::nullopt, Phase::kSetUp);
        if (r.error == ErrorKind::kNone) {
          u.started = true;
          ++shared.sessions_open;
          asio::post(io, [this, &u] { turn(u); });
        } else {
          u.think.expires_after(kStartRetryDelay);
          u.think.async_wait([this, &u](boost::system::error_code) { turn(u); });
        }
      });
      return;
    }
    if (shared.iterations_left.fetch_sub(1, std::memory_order_relaxed) <= 0) {
      u.busy = false;
      shared.ending = true;
      stop_user(u);
      return;
    }
    u.user->iterate([this, &u, began](OperationResult r) {
      u.busy = false;
      finish(began, stage_at(began), r);
      if (r.session_lost) session_lost(u);
      after_think(u);
    });
  }

  // Controller request: make sure the user at `position` stops after its current operation.
  void request_stop(std::uint64_t position) {
    for (auto& slot : users) {
      if (slot->position == position && !slot->stop_requested && !slot->retired) {
        slot->stop_requested = true;
        if (!slot->busy) {
          slot->think.cancel();
          UserSlot& u = *slot;
          asio::post(io, [this, &u] { turn(u); });
        }
        return;
      }
    }
  }

  void request_stop_all() {
    drop_overdue_arrivals();
    for (auto& slot : users) {
      slot->stop_requested = true;
      if (!slot->busy && !slot->retired) {
        slot->think.cancel();
        UserSlot& u = *slot;
        asio::post(io, [this, &u] { turn(u); });
      }
    }
    {
      // This worker's idle slots leave the pool: they are stopping.
      const std::lock_guard lock(shared.pool.mutex);
      std::erase_if(shared.pool.free, [this](const SlotPool::Free& f) { return f.owner == this; });
    }
    arrival_timer.cancel();
  }

  void cancel_all() {
    for (auto& slot : users) {
      if (slot->busy) slot->user->cancel();
    }
  }

  // ---- open loop ----

  // Takes this share's next arrivals: each one already due starts at once, stamped with its
  // intended time (if this thread fell behind, the wait shows in latency instead of being
  // hidden); then the timer waits for the first one still ahead.
  void advance() {
    for (;;) {
      if (arrivals_left == 0) {
        // The budget's arrivals span until the next one would have been due.
        if (const auto t = arrivals->next()) due_after_budget = shared.origin + *t;
        break;
      }
      if (shared.ending.load(std::memory_order_relaxed)) break;
      const auto t = arrivals->next();
      if (!t) break;
      next_arrival = shared.origin + *t;
      if (next_arrival > SteadyClock::now()) {
        arrival_pending = true;
        arrival_timer.expires_at(next_arrival + shared.profile.timer_slack);
        arrival_timer.async_wait([this](boost::system::error_code ec) { on_arrival_due(ec); });
        return;
      }
      start_arrival();
    }
    ++shared.workers_done;
  }

  void on_arrival_due(boost::system::error_code ec) {
    arrival_pending = false;
    if (ec) {  // cancelled: the run is ending (drop_overdue_arrivals counted what was due)
      ++shared.workers_done;
      return;
    }
    start_arrival();
    advance();
  }

  // At the end of the load: every arrival that was due before the load ended but that this
  // worker had not started (its thread fell behind, or its timer had not fired yet) is counted
  // as dropped. Left out, the arrivals a lagging generator never sent, the slowest of all,
  // would vanish from the figures.
  void drop_overdue_arrivals() {
    if (!arrivals) return;
    const TimePoint end =
        shared.origin + Nanos(shared.load_ended_ns.load(std::memory_order_relaxed));
    if (arrival_pending && next_arrival < end && arrivals_left > 0) {
      drop(next_arrival);
      --arrivals_left;
    }
    arrival_pending = false;
    while (arrivals_left > 0) {
      const auto t = arrivals->next();
      if (!t || shared.origin + *t >= end) break;
      drop(shared.origin + *t);
      --arrivals_left;
    }
  }

  void start_arrival() {
    dispatch(next_arrival);
    --arrivals_left;
  }

  // The global index of the next slot made (0, 1, 2, ... over the process's workers, and
  // distinct over shards), so that a workload that picks by index (a method, a model) spreads
  // its slots evenly whichever worker makes them.
  std::uint64_t next_slot_index() {
    return shared.pool.next_index.fetch_add(1) * shared.profile.shard.count +
           shared.profile.shard.index;
  }

  void prestart_slots() {
    while (users.size() < prestart_share) {
      ++shared.live_users;
      UserSlot& u = add_user(users.size(), next_slot_index());
      u.busy = true;
      context.operation_start = SteadyClock::now();
      u.user->start([this, &u](OperationResult r) {
        u.busy = false;
        if (r.error == ErrorKind::kNone) {
          u.started = true;
          ++shared.sessions_open;
        } else if (r.counted) {  // the slot tries again at its first arrival
          ++shared.prestart_failed;
          if (clock_started) {
            record_failure(shared.origin, 0, r, false);
          } else {
            setup_failures.push_back(r);
          }
        }
        {
          const std::lock_guard lock(shared.pool.mutex);
          shared.pool.free.push_back({this, &u});
        }
        ++shared.prestarted;
      });
    }
  }

  // Set-up ran out of time: the starts still in flight are cut (and fail, as the target's
  // failures: it did not answer in time).
  void cancel_prestart() {
    for (auto& u : users) {
      if (u->busy && !u->started) u->user->cancel();
    }
  }

  // The clock has started: set-up failures count as failed operations at its first moment.
  void start_clock(TimePoint origin) {
    recorder.reset_origin(origin);
    clock_started = true;
    for (const OperationResult& r : setup_failures) record_failure(origin, 0, r, false);
    setup_failures.clear();
  }

  void dispatch(TimePoint intended) {
    std::optional<SlotPool::Free> taken;
    bool make = false;
    {
      SlotPool& pool = shared.pool;
      const std::lock_guard lock(pool.mutex);
      if (!pool.free.empty()) {
        // This worker's own free slot if it has one (no hop between threads), else any.
        auto it = std::find_if(pool.free.rbegin(), pool.free.rend(),
                               [this](const SlotPool::Free& f) { return f.owner == this; });
        const auto at = it != pool.free.rend() ? std::prev(it.base()) : std::prev(pool.free.end());
        taken = *at;
        pool.free.erase(at);
      } else if (pool.created < pool.cap) {
        ++pool.created;
        make = true;
      } else if (shared.profile.when_busy == WhenBusy::kQueue &&
                 pool.waiting.size() < kMaxWaiting) {
        pool.waiting.push_back(intended);  // starts when a slot frees: the wait shows in latency
        return;
      }
    }
    if (make) {
      ++shared.live_users;
      return run_arrival(add_user(users.size(), next_slot_index()), intended);
    }
    if (!taken) return drop(intended);
    if (taken->owner == this) return run_arrival(*taken->slot, intended);
    // Another worker's slot: everything about a user happens on its own thread.
    Worker* owner = taken->owner;
    UserSlot* slot = taken->slot;
    asio::post(owner->io, [owner, slot, intended] {
      if (slot->busy || slot->retired) {  // stopped meanwhile at the end of the run
        owner->drop(intended);
        return;
      }
      owner->run_arrival(*slot, intended);
    });
  }

  void drop(TimePoint intended) {
    recorder.operation_finished(intended, 0, ErrorKind::kDropped, shared.is_steady(intended));
  }

  void run_arrival(UserSlot& u, TimePoint intended) {
    u.busy = true;
    // How late the arrival starts (pgbench -R's schedule lag): a busy generator shows here.
    recorder.record(shared.ids.schedule_lag, (SteadyClock::now() - intended).count());
    if (!u.started) {
      const TimePoint began = SteadyClock::now();
      context.operation_start = began;
      u.user->start([this, &u, began, intended](OperationResult r) {
        if (r.error != ErrorKind::kNone) {
          // The arrival cannot run without a session: it fails once, with the start's error
          // and its kind (db_53 stays db_53), timed from the intended start. Counting the
          // start and the arrival apart would make every arrival two failures.
          r.counted = true;
          finish(intended, stage_at(intended), r);
          release(u);
          return;
        }
        finish(began, stage_at(began), r, std::nullopt, Phase::kSetUp);
        u.started = true;
        ++shared.sessions_open;
        iterate_arrival(u, intended);
      });
      return;
    }
    iterate_arrival(u, intended);
  }

  void iterate_arrival(UserSlot& u, TimePoint intended) {
    const TimePoint began = SteadyClock::now();
    context.operation_start = intended;
    u.user->iterate([this, &u, intended, began](OperationResult r) {
      finish(intended, stage_at(intended), r, began);
      if (r.session_lost) session_lost(u);
      release(u);
    });
  }

  void release(UserSlot& u) {
    u.busy = false;
    SlotPool& pool = shared.pool;
    if (shared.ending.load(std::memory_order_relaxed)) {
      // Arrivals still waiting never started: they count as dropped.
      std::deque<TimePoint> never_started;
      {
        const std::lock_guard lock(pool.mutex);
        never_started.swap(pool.waiting);
      }
      for (const TimePoint intended : never_started) drop(intended);
      stop_user(u);
      return;
    }
    std::optional<TimePoint> next;
    {
      const std::lock_guard lock(pool.mutex);
      if (!pool.waiting.empty()) {
        next = pool.waiting.front();
        pool.waiting.pop_front();
      } else {
        pool.free.push_back({this, &u});
      }
    }
    if (next) run_arrival(u, *next);
  }
};

Ids declare_ids(Workload& workload, const LoadProfile& profile, metrics::MetricSet& set) {
  Ids ids;
  ids.latency = set.histogram("latency");
  const std::string key = workload.tag_key();
  if (!key.empty()) {
    for (const std::string& v : workload.tag_values()) {
      ids.by_tag.push_back(set.histogram(metrics::tagged("latency", key, v)));
      ids.failed_by_tag.push_back(set.counter(metrics::tagged("failed", key, v)));
    }
  }
  if (profile.plan.stages().size() > 1) {
    for (std::size_t s = 1; s <= profile.plan.stages().size(); ++s) {
      ids.by_stage.push_back(set.histogram(metrics::tagged("latency", "stage", std::to_string(s))));
      ids.completed_by_stage.push_back(
          set.steady_rate(metrics::tagged("throughput", "stage", std::to_string(s)), s));
    }
  }
  ids.sessions_held = set.histogram("sessions_held");
  if (profile.open_loop()) {
    ids.schedule_lag = set.histogram("schedule_lag");
    ids.latency_uncorrected = set.histogram("latency_uncorrected");
  }
  return ids;
}

// What differs between closed and open loop, behind one interface; run() below is what they
// share (threads, the controller loop, the stop, the outcome). Every call is on the controller
// thread; workers are reached only by posting to them.
class Executor {
 public:
  Executor(Shared& shared, std::vector<std::unique_ptr<Worker>>& workers, const RunOptions& options,
           const core::Clock& clock)
      : shared_(shared), workers_(workers), options_(options), clock_(clock) {}
  virtual ~Executor() = default;

  // Before the worker threads start: share out what the workers own.
  virtual void prepare() {}
  // Before the clock starts (open loop with prestart: every slot opens its session). Returns the
  // set-up's outcome when there was one; sets shared.ending when nothing could start.
  virtual std::optional<SetUpOutcome> set_up(metrics::Recorder& /*controller*/) {
    return std::nullopt;
  }
  // The clock has started at shared.origin; `measure` is false when set-up started nothing.
  virtual void begin(bool /*measure*/) {}
  // One controller tick, `t` into the plan.
  virtual void tick(core::Nanos /*t*/) {}
  // Whether the load has ended before the plan did.
  virtual bool exhausted() const { return false; }
  // Where the load window ends when the iteration budget may have ended the load (see
  // ExecutorOutcome::steady_seconds); `end_of_load` otherwise.
  virtual TimePoint window_end(TimePoint end_of_load) const = 0;

 protected:
  // Runs f(worker) on every worker's thread.
  template <class F>
  void post_all(F f) {
    for (auto& w : workers_) {
      Worker* wp = w.get();
      asio::post(wp->io, [wp, f] { f(*wp); });
    }
  }

  Shared& shared_;
  std::vector<std::unique_ptr<Worker>>& workers_;
  const RunOptions& options_;
  const core::Clock& clock_;
};

// N users, each starting its next operation when the previous one ended; the controller launches
// and retires users to follow the plan.
class ClosedLoopExecutor final : public Executor {
 public:
  using Executor::Executor;

  void tick(core::Nanos t) override {
    const LoadProfile& profile = shared_.profile;
    const std::uint64_t shards = profile.shard.count;
    const std::uint64_t mine = closed_loop_users_at(profile.plan, t, profile.shard.index, shards);
    while (active_ < mine) {
      const std::uint64_t position = active_++;
      Worker* w = workers_[position % workers_.size()].get();
      const std::uint64_t global_index = profile.shard.index + shards * position;
      ++shared_.live_users;
      asio::post(w->io, [w, position, global_index] {
        UserSlot& u = w->add_user(position, global_index);
        w->turn(u);
      });
    }
    while (active_ > mine) {
      const std::uint64_t position = --active_;
      Worker* w = workers_[position % workers_.size()].get();
      asio::post(w->io, [w, position] { w->request_stop(position); });
    }
  }

  // A spent budget ends the window with the last operation's end.
  TimePoint window_end(TimePoint end_of_load) const override {
    if (!shared_.profile.iterations || shared_.iterations_left.load() > 0) return end_of_load;
    TimePoint end = shared_.origin;
    for (const auto& w : workers_) end = std::max(end, w->last_finish);
    return end;
  }

 private:
  std::uint64_t active_ = 0;  // users launched and not asked to stop (this shard)
};

// Arrivals at the plan's rate, each taken by a free slot of a shared pool; the workers schedule
// their own arrivals, so the controller only starts and ends them.
class OpenLoopExecutor final : public Executor {
 public:
  using Executor::Executor;

  void prepare() override {
    const LoadProfile& profile = shared_.profile;
    const std::uint64_t shards = profile.shard.count;
    if (profile.max_in_flight < shards) {
      throw std::invalid_argument("max_in_flight " + std::to_string(profile.max_in_flight) +
                                  " cannot be shared by " + std::to_string(shards) +
                                  " shards (each needs at least one slot)");
    }
    shared_.pool.cap = share_of(profile.max_in_flight, shards, profile.shard.index);
    const std::uint64_t stride = shards * profile.threads;
    for (auto& w : workers_) {
      const std::uint64_t offset = profile.shard.index + shards * w->index;
      w->arrivals.emplace(profile.plan, profile.spacing, profile.seed, stride, offset);
      if (profile.iterations) w->arrivals_left = share_of(*profile.iterations, stride, offset);
      w->prestart_share = share_of(shared_.pool.cap, profile.threads, w->index);
    }
  }

  // As pgbench connects its clients before it starts the clock: every slot starts (opens its
  // session) first, and the run's time begins once all have. Set-up has its own deadline (the
  // table's setup_timeout): a target that accepts connections and never answers is not waited
  // on for a request timeout per slot.
  std::optional<SetUpOutcome> set_up(metrics::Recorder& controller) override {
    const LoadProfile& profile = shared_.profile;
    if (!profile.prestart) return std::nullopt;
    const std::uint64_t slots = shared_.pool.cap;
    shared_.pool.created = slots;
    post_all([](Worker& w) { w.prestart_slots(); });
    const TimePoint began = clock_.now();
    const TimePoint deadline = began + profile.setup_timeout;
    TimePoint next_progress = began;  // at once, then every progress_every
    const auto stopped = [this] {
      return options_.stop_requested && options_.stop_requested->load();
    };
    while (shared_.prestarted.load() < slots && clock_.now() < deadline && !stopped()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      if (options_.on_progress && clock_.now() >= next_progress) {
        Progress p;
        p.elapsed = clock_.now() - began;
        p.total = profile.setup_timeout;
        p.setup = Progress::SetUp{shared_.prestarted.load() - shared_.prestart_failed.load(),
                                  shared_.prestart_failed.load(), slots};
        options_.on_progress(p);
        next_progress += options_.progress_every;
      }
    }
    if (shared_.prestarted.load() < slots) {
      post_all([](Worker& w) { w.cancel_prestart(); });
      const TimePoint cancel_deadline = clock_.now() + kCancelGrace;
      while (shared_.prestarted.load() < slots && clock_.now() < cancel_deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    SetUpOutcome setup;
    setup.seconds = std::chrono::duration<double>(clock_.now() - began).count();
    setup.slots = slots;
    setup.failed = shared_.prestart_failed.load();
    setup.started = shared_.prestarted.load() - setup.failed;
    setup.cut = clock_.now() >= deadline;
    shared_.origin = clock_.now() + std::chrono::milliseconds(20);
    controller.reset_origin(shared_.origin);
    // Not one slot could start: the measured part would only wait on the same target again.
    if (setup.started == 0 && slots > 0 && !stopped()) shared_.ending = true;
    return setup;
  }

  void begin(bool measure) override {
    const TimePoint origin = shared_.origin;
    post_all([origin, measure](Worker& w) {
      w.start_clock(origin);
      if (measure) w.advance();
    });
  }

  // An open loop ends early only when its iteration budget is spent: a plan whose last arrival
  // comes before its end still lasts its configured duration (a rate is per that time).
  bool exhausted() const override {
    return shared_.profile.iterations && shared_.workers_done.load() == workers_.size();
  }

  // A spent budget ends the window where the next arrival was due: the budget's arrivals span
  // exactly that long.
  TimePoint window_end(TimePoint end_of_load) const override {
    if (!shared_.profile.iterations) return end_of_load;
    std::optional<TimePoint> next_due;
    bool budget_spent = true;
    for (const auto& w : workers_) {
      budget_spent = budget_spent && w->arrivals_left == 0;
      if (w->due_after_budget && (!next_due || *w->due_after_budget < *next_due))
        next_due = w->due_after_budget;
    }
    return budget_spent && next_due ? *next_due : end_of_load;
  }
};

// What the controller loop ended with.
struct Control {
  bool interrupted = false;
  TimePoint end_of_load;
  std::uint64_t peak_sessions = 0;
};

// The controller loop: every kControllerTick until the plan ends, the load is exhausted or a stop
// is asked for, the executor's tick, a sessions_held sample every kSessionSampleEvery, and the
// progress report.
Control control(Shared& shared, std::vector<std::unique_ptr<Worker>>& workers, Executor& executor,
                metrics::Recorder& controller, const RunOptions& options,
                const core::Clock& clock) {
  const LoadProfile& profile = shared.profile;
  Control c;
  TimePoint next_sample = shared.origin;
  TimePoint tick = shared.origin;
  ProgressBoard board(workers.size());
  TimePoint next_progress = shared.origin + options.progress_every;
  std::uint64_t last_completed = 0;
  std::this_thread::sleep_until(shared.origin);
  for (;;) {
    const TimePoint now = clock.now();
    const core::Nanos t = now - shared.origin;
    if (options.stop_requested && options.stop_requested->load()) {
      c.interrupted = true;
      break;
    }
    if (t >= profile.plan.total() || shared.ending.load() || executor.exhausted()) break;
    executor.tick(t);
    if (now >= next_sample) {
      const std::uint64_t held = shared.sessions_open.load();
      controller.record(shared.ids.sessions_held, static_cast<std::int64_t>(held));
      c.peak_sessions = std::max(c.peak_sessions, held);
      next_sample += kSessionSampleEvery;
    }
    if (options.on_progress && now >= next_progress) {
      // Figures handed over since the last tick; this tick's requests are answered by the next.
      Progress p;
      p.elapsed = t;
      p.total = profile.plan.total();
      {
        const std::lock_guard lock(board.mutex);
        for (const auto& count : board.counts) {
          p.attempted += count.attempted;
          p.completed += count.completed;
          p.failed += count.failed;
        }
        if (board.latency.count() != 0) p.p95_ns = board.latency.percentile(95);
      }
      p.completed_per_s = static_cast<double>(p.completed - std::min(p.completed, last_completed)) /
                          std::chrono::duration<double>(options.progress_every).count();
      last_completed = p.completed;
      p.sessions = shared.sessions_open.load();
      options.on_progress(p);
      const auto before_second = std::chrono::duration_cast<std::chrono::seconds>(t).count();
      for (auto& w : workers) {
        Worker* wp = w.get();
        asio::post(w->io,
                   [wp, &board, before_second] { wp->report_progress(board, before_second); });
      }
      next_progress += options.progress_every;
    }
    tick += kControllerTick;
    std::this_thread::sleep_until(tick);
  }
  c.end_of_load = clock.now();
  return c;
}

// The stop: users are asked to stop and get their graceful time (StopSequence); those still live
// are cancelled; then the workers' threads end.
void stop(Shared& shared, std::vector<std::unique_ptr<Worker>>& workers, bool interrupted,
          const core::Clock& clock) {
  shared.ending = true;
  for (auto& w : workers) {
    Worker* wp = w.get();
    asio::post(w->io, [wp] { wp->request_stop_all(); });
  }
  StopSequence sequence(clock, graceful_time(shared.profile.graceful_stop, interrupted),
                        kCancelGrace);
  for (;;) {
    const StopSequence::Step step = sequence.next(shared.live_users.load());
    if (step == StopSequence::Step::kDone || step == StopSequence::Step::kAbandon) break;
    if (step == StopSequence::Step::kCancel) {
      shared.cancelling = true;
      for (auto& w : workers) {
        Worker* wp = w.get();
        asio::post(w->io, [wp] { wp->cancel_all(); });
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace

ExecutorOutcome run(Workload& workload, const LoadProfile& profile_in, metrics::MetricSet& set,
                    const RunOptions& options) {
  LoadProfile profile = profile_in;
  if (profile.threads == 0) profile.threads = std::max(1u, std::thread::hardware_concurrency());
  if (profile.shard.count == 0 || profile.shard.index >= profile.shard.count) {
    throw std::invalid_argument("shard index must be below the shard count");
  }
  // The controller's clock; workers time operations with the steady clock it reads.
  const core::Clock& clock = core::SystemClock::instance();
  workload.declare(set);
  if (profile.plan.stages().size() > 1) workload.declare_stages(set, profile.plan.stages().size());
  Shared shared{workload, profile, declare_ids(workload, profile, set),
                profile.plan.steady_windows(), clock.now() + std::chrono::milliseconds(20)};
  if (profile.iterations) {
    shared.iterations_left = static_cast<std::int64_t>(
        share_of(*profile.iterations, profile.shard.count, profile.shard.index));
  }
  std::vector<std::unique_ptr<Worker>> workers;
  for (std::uint32_t i = 0; i < profile.threads; ++i) {
    workers.push_back(std::make_unique<Worker>(shared, set, i, options.exceedance_limit_ns));
  }
  metrics::Recorder controller(set, shared.origin);
  std::unique_ptr<Executor> executor;
  if (profile.open_loop()) {
    executor = std::make_unique<OpenLoopExecutor>(shared, workers, options, clock);
  } else {
    executor = std::make_unique<ClosedLoopExecutor>(shared, workers, options, clock);
  }
  executor->prepare();

  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  for (auto& w : workers) {
    guards.emplace_back(w->io.get_executor());
    Worker* wp = w.get();
    w->thread = std::thread([wp] { wp->io.run(); });
  }
  const std::optional<SetUpOutcome> setup = executor->set_up(controller);
  const bool measure = !shared.ending.load();  // false when set-up started no slot
  executor->begin(measure);
  const Control c = control(shared, workers, *executor, controller, options, clock);
  shared.load_ended_ns = measure ? std::min<std::int64_t>((c.end_of_load - shared.origin).count(),
                                                          profile.plan.total().count())
                                 : -1;  // no arrival was due: none is overdue
  stop(shared, workers, c.interrupted, clock);
  guards.clear();
  for (auto& w : workers) {
    // Every user has retired (or a driver ignored cancel(): do not hang). What is left on the
    // io_context (an idle connection's deadline watchdog, a keep-alive ping) is not part of the
    // run and must not hold it open.
    w->io.stop();
    w->thread.join();
  }
  const TimePoint finished = clock.now();

  ExecutorOutcome outcome(std::move(controller));
  outcome.interrupted = c.interrupted;
  outcome.setup = setup;
  outcome.peak_sessions = c.peak_sessions;
  for (auto& w : workers) outcome.recorder.merge(w->recorder);
  const TimePoint window_end = c.interrupted ? c.end_of_load : executor->window_end(c.end_of_load);
  outcome.steady_seconds = profile.plan.steady_seconds(window_end - shared.origin);
  if (!shared.ids.by_stage.empty()) {
    outcome.stage_steady_seconds = profile.plan.stage_steady_seconds(window_end - shared.origin);
  }
  outcome.duration_s = std::chrono::duration<double>(finished - shared.origin).count();
  // Users (and their sockets) must go before their io_context.
  for (auto& w : workers) w->users.clear();
  return outcome;
}

}  // namespace perfgate::load
