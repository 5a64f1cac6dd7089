// closed_loop.cpp - The closed-loop executor: N users, each starting its next operation when the
// previous one ended (plus think time); the controller launches and retires users to follow the
// plan.
#include <atomic>
#include <random>

#include "loop_executor.hpp"
#include "perfgate/load/run_control.hpp"

namespace perfgate::load::detail {
namespace {

namespace asio = boost::asio;
using metrics::ErrorKind;

constexpr auto kStartRetryDelay = std::chrono::milliseconds(100);

class ClosedLoopWorker final : public Worker {
 public:
  // `iterations_left`: the process's iteration budget, shared by its workers.
  ClosedLoopWorker(RunState& run, const metrics::MetricSet& set, std::uint32_t index,
                   std::int64_t exceedance_limit_ns, std::atomic<std::int64_t>& iterations_left)
      : Worker(run, set, index, exceedance_limit_ns), iterations_left_(iterations_left) {}

  // Launches the user at `position` (global number `global_index`), counted in live_users.
  void launch(std::uint64_t position, std::uint64_t global_index) {
    turn(add_user(position, global_index));
  }

  // The user at `position` stops after its current operation.
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

 private:
  // The user's next step: start its session, run an operation, or stop.
  void turn(UserSlot& u) {
    if (u.retired || u.busy) return;
    if (u.stop_requested || run_.ending.load(std::memory_order_relaxed)) {
      stop_user(u);
      return;
    }
    const TimePoint began = run_.clock.now();
    context_.operation_start = began;
    u.busy = true;
    if (!u.started) {
      u.user->start([this, &u, began](OperationResult r) {
        u.busy = false;
        finish(began, r, std::nullopt, Phase::kSetUp);
        if (r.error == ErrorKind::kNone) {
          u.started = true;
          ++run_.sessions_open;
          asio::post(io, [this, &u] { turn(u); });
        } else {
          u.think.expires_after(kStartRetryDelay);
          u.think.async_wait([this, &u](boost::system::error_code) { turn(u); });
        }
      });
      return;
    }
    if (iterations_left_.fetch_sub(1, std::memory_order_relaxed) <= 0) {
      u.busy = false;
      run_.ending = true;
      stop_user(u);
      return;
    }
    u.user->iterate([this, &u, began](OperationResult r) {
      u.busy = false;
      finish(began, r);
      if (r.session_lost) session_lost(u);
      after_think(u);
    });
  }

  void after_think(UserSlot& u) {
    const LoadProfile& p = run_.profile;
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

  std::atomic<std::int64_t>& iterations_left_;
};

class ClosedLoopExecutor final : public Executor {
 public:
  ClosedLoopExecutor(RunState& run, const metrics::MetricSet& set, const RunOptions& options)
      : Executor(run, options) {
    const LoadProfile& profile = run.profile;
    if (profile.iterations) {
      iterations_left_ = static_cast<std::int64_t>(
          share_of(*profile.iterations, profile.shard.count, profile.shard.index));
    }
    for (std::uint32_t i = 0; i < profile.threads; ++i) {
      closed_.push_back(adopt(std::make_unique<ClosedLoopWorker>(
          run, set, i, options.exceedance_limit_ns, iterations_left_)));
    }
  }

  void tick(core::Nanos t) override {
    const LoadProfile& profile = run_.profile;
    const std::uint64_t shards = profile.shard.count;
    const std::uint64_t mine = closed_loop_users_at(profile.plan, t, profile.shard.index, shards);
    while (active_ < mine) {
      const std::uint64_t position = active_++;
      ClosedLoopWorker* w = closed_[position % closed_.size()];
      const std::uint64_t global_index = profile.shard.index + shards * position;
      // Counted here, not when the worker runs the post: the stop must wait for a user whose
      // post a busy worker has not run yet (else io.stop() would drop it unmade).
      ++run_.live_users;
      asio::post(w->io, [w, position, global_index] { w->launch(position, global_index); });
    }
    while (active_ > mine) {
      const std::uint64_t position = --active_;
      ClosedLoopWorker* w = closed_[position % closed_.size()];
      asio::post(w->io, [w, position] { w->request_stop(position); });
    }
  }

  // A spent budget ends the window with the last operation's end.
  TimePoint window_end(TimePoint end_of_load) const override {
    if (!run_.profile.iterations || iterations_left_.load() > 0) return end_of_load;
    TimePoint end = run_.origin;
    for (const ClosedLoopWorker* w : closed_) end = std::max(end, w->last_finish);
    return end;
  }

 private:
  std::atomic<std::int64_t> iterations_left_{INT64_MAX};  // this process's budget
  std::vector<ClosedLoopWorker*> closed_;                 // owned by Executor
  std::uint64_t active_ = 0;  // users launched and not asked to stop (this shard)
};

}  // namespace

std::unique_ptr<Executor> make_closed_loop_executor(RunState& run, const metrics::MetricSet& set,
                                                    const RunOptions& options) {
  return std::make_unique<ClosedLoopExecutor>(run, set, options);
}

}  // namespace perfgate::load::detail
