// perfgate/load/capacity.hpp - Capacity search: which arrival rate a target can take.
//
// A scenario of kind `capacity` (executor "capacity" in a table's load) runs open-loop steps at
// rising rates, as Nighthawk's adaptive load controller does: doubling from `start_rate` while
// every threshold holds, then halving the gap between the highest rate that held and the lowest
// that broke, until that gap is within `precision` of the rate that held. The answer is the
// highest rate at which every threshold held; each step's figures make the curve of latency
// against offered rate. CapacitySearch only decides the next rate; the suite runs the steps.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace perfgate::load {

struct CapacityPlan {
  double start_rate = 10;  // arrivals per second of the first step
  double max_rate = 1e6;   // never offered beyond this; reaching it ends the search
  std::chrono::nanoseconds step_duration = std::chrono::seconds(10);
  double precision = 0.05;  // stop when (broke - held) / held is at most this
  std::uint32_t max_steps = 20;
  std::chrono::nanoseconds cooldown = std::chrono::seconds(1);  // idle between steps
};

// Why a search ended.
enum class CapacityEnd {
  kRunning,
  kPrecision,  // the gap between held and broke is within the precision
  kMaxRate,    // max_rate held: the target can take at least that
  kStartRate,  // start_rate broke already: the capacity is below it
  kMaxSteps,   // out of steps before the precision was reached
};
std::string_view capacity_end_name(CapacityEnd end);

class CapacitySearch {
 public:
  explicit CapacitySearch(const CapacityPlan& plan);

  // The next rate to offer; nullopt once the search is over (see end()).
  std::optional<double> next() const;
  // What the step at `rate` (the last next()) found.
  void record(double rate, bool held);

  // The highest rate that held, if any did.
  std::optional<double> highest_held() const { return held_; }
  // The lowest rate that broke, if any did.
  std::optional<double> lowest_broken() const { return broken_; }
  CapacityEnd end() const;
  std::uint32_t steps() const { return steps_; }

 private:
  CapacityPlan plan_;
  std::optional<double> held_;
  std::optional<double> broken_;
  std::uint32_t steps_ = 0;
};

}  // namespace perfgate::load
