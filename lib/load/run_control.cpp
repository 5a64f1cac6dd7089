// run_control.cpp - When a run stops, and how many closed-loop users it runs.
#include "perfgate/load/run_control.hpp"

#include <algorithm>
#include <cmath>

namespace perfgate::load {

StopSequence::StopSequence(const core::Clock& clock, core::Nanos graceful, core::Nanos cancel_grace)
    : clock_(clock), graceful_end_(clock.now() + graceful), cancel_grace_(cancel_grace) {}

StopSequence::Step StopSequence::next(std::uint64_t live) {
  if (live == 0) return Step::kDone;
  const core::TimePoint now = clock_.now();
  if (!cancel_at_) {
    if (now < graceful_end_) return Step::kWait;
    cancel_at_ = now;
    return Step::kCancel;
  }
  return now < *cancel_at_ + cancel_grace_ ? Step::kWait : Step::kAbandon;
}

core::Nanos graceful_time(core::Nanos graceful_stop, bool interrupted) {
  return interrupted ? std::min<core::Nanos>(graceful_stop, std::chrono::seconds(1))
                     : graceful_stop;
}

std::uint64_t closed_loop_users_at(const StagePlan& plan, core::Nanos t, std::uint64_t shard_index,
                                   std::uint64_t shards) {
  const auto global = static_cast<std::uint64_t>(std::floor(plan.value_at(t) + 1e-9));
  return share_of(global, shards, shard_index);
}

}  // namespace perfgate::load
