// perfgate/core/clock.hpp - Monotonic time for schedules and executors, injectable for tests.
//
// All measurements use std::chrono::steady_clock (monotonic, unaffected by wall-clock jumps).
// Code that decides *when* things happen takes a `const Clock&` so unit tests can drive it with a
// ManualClock and check exact times without sleeping.
#pragma once

#include <chrono>
#include <cstdint>

namespace perfgate::core {

using SteadyClock = std::chrono::steady_clock;
using TimePoint = SteadyClock::time_point;
using Nanos = std::chrono::nanoseconds;

// A source of monotonic time.
class Clock {
 public:
  virtual ~Clock() = default;
  // The current time; never decreases between calls.
  virtual TimePoint now() const = 0;
};

// The real steady clock.
class SystemClock final : public Clock {
 public:
  TimePoint now() const override { return SteadyClock::now(); }
  // One shared instance: the clock has no state.
  static const SystemClock& instance() {
    static const SystemClock clock;
    return clock;
  }
};

// A clock that moves only when told to; for deterministic tests.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint start = TimePoint{}) : now_(start) {}
  TimePoint now() const override { return now_; }
  void advance(Nanos by) { now_ += by; }
  void set(TimePoint to) { now_ = to; }

 private:
  TimePoint now_;
};

// Nanoseconds as a plain integer, the unit histograms record durations in.
inline std::int64_t to_nanos(Nanos d) { return d.count(); }

// Wall-clock time as Unix milliseconds, for results files (start/end) and aligning shards.
inline std::int64_t unix_millis_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace perfgate::core
