// perfgate/load/run_control.hpp - The parts of a run's control that decide *when*, on an
// injected clock.
//
// The executor (executor.hpp) has three phases on its controller thread: set-up (open loop with
// prestart: every slot opens its session before the clock starts), the controller loop (ticks
// every 10 ms: launches and retires closed-loop users as the plan says, samples sessions_held,
// reports progress) and the stop. The decisions those phases make are here, free of threads and
// sockets, so that unit tests drive them with a core::ManualClock.
#pragma once

#include <cstdint>
#include <optional>

#include "perfgate/core/clock.hpp"
#include "perfgate/load/schedule.hpp"

namespace perfgate::load {

// The end of a run: users get `graceful` to finish what they are doing; then those still live are
// cancelled and get `cancel_grace` to report; after that the run ends regardless, so that a driver
// that ignores cancel() cannot hang it.
class StopSequence {
 public:
  enum class Step {
    kWait,     // users are finishing within their time
    kCancel,   // graceful time is over with users live: cancel them now (returned once)
    kDone,     // every user has retired
    kAbandon,  // cancelled users did not report within cancel_grace: end without them
  };
  // Starts the sequence at clock.now().
  StopSequence(const core::Clock& clock, core::Nanos graceful, core::Nanos cancel_grace);
  // What to do now, with `live` users still running.
  Step next(std::uint64_t live);
  // Whether the users were cancelled (the graceful time ran out).
  bool cancelled() const { return cancel_at_.has_value(); }

 private:
  const core::Clock& clock_;
  core::TimePoint graceful_end_;
  core::Nanos cancel_grace_;
  std::optional<core::TimePoint> cancel_at_;
};

// The graceful time of a stop: the profile's, cut to at most 1 s for an interrupted run (someone
// is waiting for the program to end).
core::Nanos graceful_time(core::Nanos graceful_stop, bool interrupted);

// Closed loop: how many users shard `shard_index` of `shards` runs at `t` into `plan`: the plan's
// value at t (rounded down), shared among the shards (share_of).
std::uint64_t closed_loop_users_at(const StagePlan& plan, core::Nanos t, std::uint64_t shard_index,
                                   std::uint64_t shards);

}  // namespace perfgate::load
