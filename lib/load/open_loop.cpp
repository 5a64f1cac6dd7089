// open_loop.cpp - The open-loop executor: arrivals at the plan's rate (even or Poisson), each
// taken by a free slot of one pool; the workers schedule their own arrivals, so the controller
// only starts and ends them. Latency runs from the intended start.
#include <algorithm>
#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <mutex>
#include <thread>

#include "loop_executor.hpp"

namespace perfgate::load::detail {
namespace {

namespace asio = boost::asio;
using metrics::ErrorKind;

constexpr std::size_t kMaxWaiting = 1'000'000;  // beyond this, queued arrivals are dropped

class OpenLoopWorker;

// The process's max_in_flight share, one budget for all workers. A slot (a user and its session)
// lives on the worker that made it, but any worker's arrival may take any free slot, so there
// are never more than `cap` operations (or sessions) at once and never a drop while a slot is
// free anywhere. Splitting the budget per worker would do neither: at least one slot per worker
// opens 64 connections for max_in_flight 16 on 64 cores, and a worker whose slots are busy would
// drop while another's idle.
struct SlotPool {
  struct Free {
    OpenLoopWorker* owner;
    UserSlot* slot;
  };
  std::mutex mutex;
  std::uint64_t cap = 0;
  std::uint64_t created = 0;
  std::vector<Free> free;
  std::deque<TimePoint> waiting;  // when_busy = queue: arrivals waiting for a slot, oldest first
  std::atomic<std::uint64_t> next_index{0};  // slots numbered 0, 1, ... in this process
};

// What the open loop's workers share besides the RunState.
struct OpenLoopState {
  SlotPool pool;
  std::atomic<std::uint32_t> workers_done{0};     // workers whose schedule ended
  std::atomic<std::uint64_t> prestarted{0};       // prestart: slots whose start ended
  std::atomic<std::uint64_t> prestart_failed{0};  // ...and of those, the ones that failed
  // When the controller ended the load (ns from origin): arrivals due before it that a lagging
  // worker has not started are counted as dropped.
  std::atomic<std::int64_t> load_ended_ns{INT64_MAX};
};

class OpenLoopWorker final : public Worker {
 public:
  OpenLoopWorker(RunState& run, const metrics::MetricSet& set, std::uint32_t index,
                 std::int64_t exceedance_limit_ns, OpenLoopState& open)
      : Worker(run, set, index, exceedance_limit_ns), open_(open), arrival_timer_(io) {}

  // This worker's share of the arrivals (and of the iteration budget) and of the slots that
  // prestart makes.
  void share(ArrivalSchedule arrivals, std::uint64_t budget, std::uint64_t prestart) {
    arrivals_.emplace(std::move(arrivals));
    arrivals_left = budget;
    prestart_share_ = prestart;
  }

  // Before the clock starts: makes this worker's prestart share of slots and starts each one's
  // session; every slot goes into the pool, started or not (a failed one tries again at its
  // first arrival).
  void prestart_slots() {
    while (users.size() < prestart_share_) {
      ++run_.live_users;
      UserSlot& u = add_user(users.size(), next_slot_index());
      u.busy = true;
      context_.operation_start = run_.clock.now();
      u.user->start([this, &u](OperationResult r) {
        u.busy = false;
        if (r.error == ErrorKind::kNone) {
          u.started = true;
          ++run_.sessions_open;
        } else if (r.counted) {
          ++open_.prestart_failed;
          if (clock_started_) {
            record_failure(run_.origin, 0, r, false);
          } else {
            setup_failures_.push_back(r);
          }
        }
        {
          const std::lock_guard lock(open_.pool.mutex);
          open_.pool.free.push_back({this, &u});
        }
        ++open_.prestarted;
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

  // The clock has started at `origin`: set-up failures count as failed operations at its first
  // moment; with `measure`, arrivals begin.
  void begin(TimePoint origin, bool measure) {
    recorder.reset_origin(origin);
    clock_started_ = true;
    for (const OperationResult& r : setup_failures_) record_failure(origin, 0, r, false);
    setup_failures_.clear();
    if (measure) advance();
  }

  void request_stop_all() override {
    count_unsent_arrivals();
    Worker::request_stop_all();
    {
      // This worker's idle slots leave the pool: they are stopping.
      const std::lock_guard lock(open_.pool.mutex);
      std::erase_if(open_.pool.free, [this](const SlotPool::Free& f) { return f.owner == this; });
    }
    arrival_timer_.cancel();
  }

  // Another worker's arrival took this worker's free slot: runs it here, where the user lives.
  void run_handed_over(UserSlot& slot, TimePoint intended) {
    if (slot.busy || slot.retired) {
      // The slot stopped meanwhile, at the end of the run: cut by the harness, not the target.
      recorder.operation_interrupted();
      return;
    }
    run_arrival(slot, intended);
  }

  std::uint64_t arrivals_left = UINT64_MAX;
  // When this worker's next arrival was due when its iteration budget ran out.
  std::optional<TimePoint> due_after_budget;

 private:
  // Takes this share's next arrivals: each one already due starts at once, stamped with its
  // intended time (if this thread fell behind, the wait shows in latency instead of being
  // hidden); then the timer waits for the first one still ahead.
  void advance() {
    for (;;) {
      if (arrivals_left == 0) {
        // The budget's arrivals span until the next one would have been due.
        if (const auto t = arrivals_->next()) due_after_budget = run_.origin + *t;
        break;
      }
      if (run_.ending.load(std::memory_order_relaxed)) break;
      const auto t = arrivals_->next();
      if (!t) break;
      next_arrival_ = run_.origin + *t;
      if (next_arrival_ > run_.clock.now()) {
        arrival_pending_ = true;
        arrival_timer_.expires_at(next_arrival_ + run_.profile.timer_slack);
        arrival_timer_.async_wait([this](boost::system::error_code ec) { on_arrival_due(ec); });
        return;
      }
      start_arrival();
    }
    ++open_.workers_done;
  }

  void on_arrival_due(boost::system::error_code ec) {
    // Cancelled, or expired but overtaken by the stop, which counted this arrival already
    // (count_unsent_arrivals): it must not also start.
    if (ec || !arrival_pending_) {
      ++open_.workers_done;
      return;
    }
    arrival_pending_ = false;
    start_arrival();
    advance();
  }

  // At the end of the load: every arrival that was due before the load ended but that this
  // worker had not started fails as loadgen_behind. Left out, the arrivals a lagging generator
  // never sent, the slowest of all, would vanish from the figures; counted as `dropped`, the
  // target would be blamed for what perfgate did not send. One case is no lag but a race: the
  // worker had caught up and armed its timer, and the stop reached the thread within
  // kStopRace of an arrival's time, before the timer's handler ran (a thread woken a few ms late
  // on a busy machine: the likely cause of one failed arrival in 4,000 that failed the accuracy
  // test's error-free run in a fresh-clone run). Those arrivals are cut by the harness
  // (interrupted: outside attempted and failed, still counted), not errors.
  void count_unsent_arrivals() {
    if (!arrivals_) return;
    const TimePoint end = run_.origin + Nanos(open_.load_ended_ns.load(std::memory_order_relaxed));
    const bool caught_up = arrival_pending_;
    const auto unsent = [&](TimePoint due) {
      if (caught_up && end - due <= kStopRace) {
        recorder.operation_interrupted();
      } else {
        fail_unstarted(due, ErrorKind::kLoadgenBehind);
      }
      --arrivals_left;
    };
    if (caught_up && next_arrival_ < end && arrivals_left > 0) unsent(next_arrival_);
    arrival_pending_ = false;
    while (arrivals_left > 0) {
      const auto t = arrivals_->next();
      if (!t || run_.origin + *t >= end) break;
      unsent(run_.origin + *t);
    }
  }

  // How late a caught-up worker's timer may be at the stop and still be a race, not a lag.
  static constexpr Nanos kStopRace = std::chrono::milliseconds(10);

  void start_arrival() {
    dispatch(next_arrival_);
    --arrivals_left;
  }

  // The global index of the next slot made (0, 1, 2, ... over the process's workers, and
  // distinct over shards), so that a workload that picks by index (a method, a model) spreads
  // its slots evenly whichever worker makes them.
  std::uint64_t next_slot_index() {
    return open_.pool.next_index.fetch_add(1) * run_.profile.shard.count + run_.profile.shard.index;
  }

  // An arrival takes a free slot (this worker's own if it has one), or makes one while the pool
  // is below its cap, or waits (when_busy = queue), or is dropped.
  void dispatch(TimePoint intended) {
    std::optional<SlotPool::Free> taken;
    bool make = false;
    {
      SlotPool& pool = open_.pool;
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
      } else if (run_.profile.when_busy == WhenBusy::kQueue && pool.waiting.size() < kMaxWaiting) {
        pool.waiting.push_back(intended);  // starts when a slot frees: the wait shows in latency
        return;
      }
    }
    if (make) {
      ++run_.live_users;
      return run_arrival(add_user(users.size(), next_slot_index()), intended);
    }
    if (!taken) return fail_unstarted(intended);
    if (taken->owner == this) return run_arrival(*taken->slot, intended);
    // Another worker's slot: everything about a user happens on its own thread.
    OpenLoopWorker* owner = taken->owner;
    UserSlot* slot = taken->slot;
    asio::post(owner->io, [owner, slot, intended] { owner->run_handed_over(*slot, intended); });
  }

  // An arrival that never started fails as `kind`: kDropped when the target held every slot,
  // kLoadgenBehind when perfgate itself had not got to it.
  void fail_unstarted(TimePoint intended, ErrorKind kind = ErrorKind::kDropped) {
    recorder.operation_finished(intended, 0, kind, run_.is_steady(intended));
  }

  void run_arrival(UserSlot& u, TimePoint intended) {
    u.busy = true;
    // How late the arrival starts (pgbench -R's schedule lag): a busy generator shows here.
    recorder.record(run_.ids.schedule_lag, (run_.clock.now() - intended).count());
    if (!u.started) {
      const TimePoint began = run_.clock.now();
      context_.operation_start = began;
      u.user->start([this, &u, began, intended](OperationResult r) {
        if (r.error != ErrorKind::kNone) {
          // The arrival cannot run without a session: it fails once, with the start's error
          // and its kind (db_53 stays db_53), timed from the intended start. Counting the
          // start and the arrival apart would make every arrival two failures.
          r.counted = true;
          finish(intended, r);
          release(u);
          return;
        }
        finish(began, r, std::nullopt, Phase::kSetUp);
        u.started = true;
        ++run_.sessions_open;
        iterate_arrival(u, intended);
      });
      return;
    }
    iterate_arrival(u, intended);
  }

  void iterate_arrival(UserSlot& u, TimePoint intended) {
    const TimePoint began = run_.clock.now();
    context_.operation_start = intended;
    u.user->iterate([this, &u, intended, began](OperationResult r) {
      finish(intended, r, began);
      if (r.session_lost) session_lost(u);
      release(u);
    });
  }

  // The operation ended: the slot takes the oldest waiting arrival, or goes back to the pool,
  // or (the run is ending and nothing waits) stops. Arrivals queued when the load ended were
  // offered inside it: they keep being served through graceful_stop, as operations in flight
  // are, so the slowest of the run (those that waited out a stall at its end) are measured, not
  // cut. Those still waiting when graceful_stop runs out never started: `dropped` (the target
  // held every slot for all that time). A signal's stop starts none of them: they are
  // `interrupted` (the harness cut them).
  void release(UserSlot& u) {
    u.busy = false;
    SlotPool& pool = open_.pool;
    const bool ending = run_.ending.load();  // stored after `interrupted`: this load sees it
    const bool interrupted = ending && run_.interrupted.load(std::memory_order_relaxed);
    if (ending && (run_.cancelling.load(std::memory_order_relaxed) || interrupted)) {
      std::deque<TimePoint> never_started;
      {
        const std::lock_guard lock(pool.mutex);
        never_started.swap(pool.waiting);
      }
      for (const TimePoint intended : never_started) {
        if (interrupted) {
          recorder.operation_interrupted();
        } else {
          fail_unstarted(intended);
        }
      }
      stop_user(u);
      return;
    }
    std::optional<TimePoint> next;
    {
      const std::lock_guard lock(pool.mutex);
      if (!pool.waiting.empty()) {
        next = pool.waiting.front();
        pool.waiting.pop_front();
      } else if (!ending) {
        pool.free.push_back({this, &u});
      }
    }
    if (next) return run_arrival(u, *next);
    if (ending) stop_user(u);
  }

  OpenLoopState& open_;
  std::optional<ArrivalSchedule> arrivals_;
  std::uint64_t prestart_share_ = 0;  // slots this worker makes before the clock starts
  // Set-up (prestart) failures, recorded as failed operations once the clock has started (a
  // recorder counts time from the run's origin, which set-up precedes).
  std::vector<OperationResult> setup_failures_;
  bool clock_started_ = false;
  asio::steady_timer arrival_timer_;
  TimePoint next_arrival_;
  bool arrival_pending_ = false;  // next_arrival_ was taken from the schedule, its timer is armed
};

class OpenLoopExecutor final : public Executor {
 public:
  OpenLoopExecutor(RunState& run, const metrics::MetricSet& set, const RunOptions& options)
      : Executor(run, options) {
    for (std::uint32_t i = 0; i < run.profile.threads; ++i) {
      open_.push_back(adopt(
          std::make_unique<OpenLoopWorker>(run, set, i, options.exceedance_limit_ns, state_)));
    }
  }

  void prepare() override {
    const LoadProfile& profile = run_.profile;
    const std::uint64_t shards = profile.shard.count;
    if (profile.max_in_flight < shards) {
      throw std::invalid_argument("max_in_flight " + std::to_string(profile.max_in_flight) +
                                  " cannot be shared by " + std::to_string(shards) +
                                  " shards (each needs at least one slot)");
    }
    state_.pool.cap = share_of(profile.max_in_flight, shards, profile.shard.index);
    const std::uint64_t stride = shards * profile.threads;
    for (OpenLoopWorker* w : open_) {
      const std::uint64_t offset = profile.shard.index + shards * w->index;
      w->share(ArrivalSchedule(profile.plan, profile.spacing, profile.seed, stride, offset),
               profile.iterations ? share_of(*profile.iterations, stride, offset) : UINT64_MAX,
               share_of(state_.pool.cap, profile.threads, w->index));
    }
  }

  // As pgbench connects its clients before it starts the clock: every slot starts (opens its
  // session) first, and the run's time begins once all have. Set-up has its own deadline (the
  // table's setup_timeout): a target that accepts connections and never answers is not waited
  // on for a request timeout per slot.
  std::optional<SetUpOutcome> set_up(metrics::Recorder& controller) override {
    const LoadProfile& profile = run_.profile;
    if (!profile.prestart) return std::nullopt;
    const core::Clock& clock = run_.clock;
    const std::uint64_t slots = state_.pool.cap;
    state_.pool.created = slots;
    for (OpenLoopWorker* w : open_) asio::post(w->io, [w] { w->prestart_slots(); });
    const TimePoint began = clock.now();
    const TimePoint deadline = began + profile.setup_timeout;
    TimePoint next_progress = began;  // at once, then every progress_every
    const auto stopped = [this] {
      return options_.stop_requested && options_.stop_requested->load();
    };
    while (state_.prestarted.load() < slots && clock.now() < deadline && !stopped()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      if (options_.on_progress && clock.now() >= next_progress) {
        Progress p;
        p.elapsed = clock.now() - began;
        p.total = profile.setup_timeout;
        p.setup = Progress::SetUp{state_.prestarted.load() - state_.prestart_failed.load(),
                                  state_.prestart_failed.load(), slots};
        options_.on_progress(p);
        next_progress += options_.progress_every;
      }
    }
    if (state_.prestarted.load() < slots) {
      for (OpenLoopWorker* w : open_) asio::post(w->io, [w] { w->cancel_prestart(); });
      const TimePoint cancel_deadline = clock.now() + kCancelGrace;
      while (state_.prestarted.load() < slots && clock.now() < cancel_deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    SetUpOutcome setup;
    setup.seconds = std::chrono::duration<double>(clock.now() - began).count();
    setup.slots = slots;
    setup.failed = state_.prestart_failed.load();
    setup.started = state_.prestarted.load() - setup.failed;
    setup.cut = clock.now() >= deadline;
    run_.origin = clock.now() + std::chrono::milliseconds(20);
    controller.reset_origin(run_.origin);
    // Not one slot could start: the measured part would only wait on the same target again.
    if (setup.started == 0 && slots > 0 && !stopped()) run_.ending = true;
    return setup;
  }

  void begin(bool measure) override {
    const TimePoint origin = run_.origin;
    // No arrival was due when nothing is measured: none is overdue at the stop.
    if (!measure) state_.load_ended_ns = -1;
    for (OpenLoopWorker* w : open_) {
      asio::post(w->io, [w, origin, measure] { w->begin(origin, measure); });
    }
  }

  // An open loop ends early only when its iteration budget is spent: a plan whose last arrival
  // comes before its end still lasts its configured duration (a rate is per that time).
  bool exhausted() const override {
    return run_.profile.iterations && state_.workers_done.load() == open_.size();
  }

  // Arrivals due before the end of the load and not started by then count as loadgen_behind
  // (or interrupted: count_unsent_arrivals); the workers read this when the stop reaches them.
  void load_ended(core::Nanos at) override {
    if (state_.load_ended_ns.load() >= 0) {
      state_.load_ended_ns = std::min<std::int64_t>(at.count(), run_.profile.plan.total().count());
    }
  }

  // A spent budget ends the window where the next arrival was due: the budget's arrivals span
  // exactly that long.
  TimePoint window_end(TimePoint end_of_load) const override {
    if (!run_.profile.iterations) return end_of_load;
    std::optional<TimePoint> next_due;
    bool budget_spent = true;
    for (const OpenLoopWorker* w : open_) {
      budget_spent = budget_spent && w->arrivals_left == 0;
      if (w->due_after_budget && (!next_due || *w->due_after_budget < *next_due))
        next_due = w->due_after_budget;
    }
    return budget_spent && next_due ? *next_due : end_of_load;
  }

 private:
  OpenLoopState state_;
  std::vector<OpenLoopWorker*> open_;  // owned by Executor
};

}  // namespace

std::unique_ptr<Executor> make_open_loop_executor(RunState& run, const metrics::MetricSet& set,
                                                  const RunOptions& options) {
  return std::make_unique<OpenLoopExecutor>(run, set, options);
}

}  // namespace perfgate::load::detail
