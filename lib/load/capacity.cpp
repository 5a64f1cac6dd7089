// capacity.cpp - The capacity search's choice of rates.
#include "perfgate/load/capacity.hpp"

#include <algorithm>
#include <stdexcept>

#include "perfgate/core/enum_names.hpp"

namespace perfgate::load {

namespace {
constexpr auto kEndNames =
    core::enum_names<CapacityEnd>({{CapacityEnd::kRunning, "running"},
                                   {CapacityEnd::kPrecision, "precision reached"},
                                   {CapacityEnd::kMaxRate, "max_rate held"},
                                   {CapacityEnd::kStartRate, "start_rate broke"},
                                   {CapacityEnd::kMaxSteps, "max_steps used"}});
}  // namespace

std::string_view capacity_end_name(CapacityEnd end) { return kEndNames.name(end); }

CapacitySearch::CapacitySearch(const CapacityPlan& plan) : plan_(plan) {
  if (!(plan.start_rate > 0) || plan.max_rate < plan.start_rate || !(plan.precision > 0) ||
      plan.max_steps == 0 || plan.step_duration.count() <= 0) {
    throw std::invalid_argument(
        "capacity search needs 0 < start_rate <= max_rate, precision > 0, steps > 0");
  }
}

CapacityEnd CapacitySearch::end() const {
  if (broken_ && !held_) return CapacityEnd::kStartRate;
  if (held_ && *held_ >= plan_.max_rate) return CapacityEnd::kMaxRate;
  if (held_ && broken_ && (*broken_ - *held_) / *held_ <= plan_.precision)
    return CapacityEnd::kPrecision;
  if (steps_ >= plan_.max_steps) return CapacityEnd::kMaxSteps;
  return CapacityEnd::kRunning;
}

std::optional<double> CapacitySearch::next() const {
  if (end() != CapacityEnd::kRunning) return std::nullopt;
  if (!held_) return plan_.start_rate;
  if (!broken_) return std::min(*held_ * 2, plan_.max_rate);  // still climbing
  return (*held_ + *broken_) / 2;
}

void CapacitySearch::record(double rate, bool held) {
  ++steps_;
  // next() only offers rates between the highest held and the lowest broken, so these stay
  // ordered; a target that held a rate and broke a lower one is not asked again.
  if (held) {
    held_ = std::max(held_.value_or(0), rate);
  } else {
    broken_ = std::min(broken_.value_or(rate), rate);
  }
}

}  // namespace perfgate::load
