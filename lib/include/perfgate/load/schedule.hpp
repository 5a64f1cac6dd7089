// perfgate/load/schedule.hpp - When operations should start: stage plans and arrival schedules.
//
// These are pure functions of time (no clock, no threads), so the executors' timing can be unit
// tested exactly. A StagePlan is a piecewise-linear target over time (virtual users for closed
// loop, arrivals per second for open loop), k6 style: each stage ramps linearly from the previous
// stage's target to its own over its duration; a stage of 0 s is a step.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <vector>

namespace perfgate::load {

using Nanos = std::chrono::nanoseconds;

struct Stage {
  Nanos duration{0};
  double target = 0;  // users, or arrivals per second
};

// A window of the run where the target is constant (not ramping): `throughput` counts only these.
struct Window {
  Nanos begin{0};
  Nanos end{0};
};

class StagePlan {
 public:
  // A constant target for `duration`.
  static StagePlan constant(double target, Nanos duration);
  // Starts at `start_target` and follows `stages`. Throws std::invalid_argument on a negative
  // target or duration, or no stages.
  StagePlan(double start_target, std::vector<Stage> stages);

  // The target at `t` since the run's start (the last target after the end).
  double value_at(Nanos t) const;
  // 1-based index of the stage containing `t` (the last stage after the end).
  std::size_t stage_at(Nanos t) const;
  // Expected arrivals by `t`: the integral of the target (per second) from 0 to t.
  double cumulative(Nanos t) const;
  // The time at which cumulative() reaches `area`; nullopt if it never does within the plan.
  std::optional<Nanos> time_of_cumulative(double area) const;
  // Windows where the target holds constant and is above zero.
  std::vector<Window> steady_windows() const;
  // Sum of steady window lengths that lie before `until`.
  double steady_seconds(Nanos until) const;
  // The same per stage: a stage's length before `until` if its target holds constant, else 0.
  std::vector<double> stage_steady_seconds(Nanos until) const;
  Nanos total() const { return total_; }
  double peak() const;
  // The same plan with every stage's duration times `factor` (> 0): the shape of a scenario's
  // load in a shorter round of an A/B run.
  StagePlan scaled(double factor) const;
  const std::vector<Stage>& stages() const { return stages_; }
  double start_target() const { return start_; }

 private:
  double start_;
  std::vector<Stage> stages_;
  Nanos total_{0};
};

enum class Spacing {
  kEven,     // arrival k at the time the cumulative target reaches k
  kPoisson,  // exponential gaps (rate follows the plan), seeded: the same seed, the same times
};

// The intended start times of one executor thread's share of an open-loop run. Arrival k (counting
// over the whole run, all shards and threads) belongs to the share with k % stride == offset, so
// shares are disjoint, add up to the whole and need no coordination.
class ArrivalSchedule {
 public:
  ArrivalSchedule(const StagePlan& rate_plan, Spacing spacing, std::uint64_t seed,
                  std::uint64_t stride = 1, std::uint64_t offset = 0);
  // The next intended start (since the run's start) of this share; nullopt when the plan ends.
  std::optional<Nanos> next();
  // Global index of the arrival next() returned last.
  std::uint64_t last_index() const { return index_ - 1; }

 private:
  std::optional<Nanos> next_global();

  const StagePlan* plan_;
  Spacing spacing_;
  std::mt19937_64 rng_;
  std::uint64_t stride_;
  std::uint64_t offset_;
  std::uint64_t index_ = 0;  // global index of the next arrival to generate
  double area_ = 0;          // cumulative target of the next arrival (Poisson)
};

// How many of the global users 0..total-1 belong to share `offset` of `stride`.
std::uint64_t share_of(std::uint64_t total, std::uint64_t stride, std::uint64_t offset);

}  // namespace perfgate::load
