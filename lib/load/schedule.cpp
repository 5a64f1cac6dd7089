// schedule.cpp - Stage plans (piecewise-linear targets) and arrival schedules.
#include "perfgate/load/schedule.hpp"

#include <cmath>
#include <stdexcept>

namespace perfgate::load {
namespace {

double seconds(Nanos d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

StagePlan StagePlan::constant(double target, Nanos duration) {
  return StagePlan(target, {Stage{duration, target}});
}

StagePlan::StagePlan(double start_target, std::vector<Stage> stages)
    : start_(start_target), stages_(std::move(stages)) {
  if (stages_.empty()) throw std::invalid_argument("a stage plan needs at least one stage");
  if (start_ < 0) throw std::invalid_argument("a stage plan cannot start below zero");
  for (const Stage& s : stages_) {
    if (s.duration.count() < 0 || s.target < 0) {
      throw std::invalid_argument("stage durations and targets must not be negative");
    }
    total_ += s.duration;
  }
}

StagePlan StagePlan::scaled(double factor) const {
  if (!(factor > 0)) throw std::invalid_argument("a stage plan's scale must be above zero");
  std::vector<Stage> stages = stages_;
  for (Stage& s : stages) {
    s.duration = Nanos(static_cast<Nanos::rep>(static_cast<double>(s.duration.count()) * factor));
  }
  return StagePlan(start_, std::move(stages));
}

double StagePlan::value_at(Nanos t) const {
  double from = start_;
  Nanos begin{0};
  for (const Stage& s : stages_) {
    if (t < begin + s.duration) {
      const double f = seconds(t - begin) / seconds(s.duration);
      return from + (s.target - from) * f;
    }
    begin += s.duration;
    from = s.target;
  }
  return stages_.back().target;
}

std::size_t StagePlan::stage_at(Nanos t) const {
  Nanos begin{0};
  for (std::size_t i = 0; i < stages_.size(); ++i) {
    begin += stages_[i].duration;
    if (t < begin) return i + 1;
  }
  return stages_.size();
}

double StagePlan::cumulative(Nanos t) const {
  double area = 0;
  double from = start_;
  Nanos begin{0};
  for (const Stage& s : stages_) {
    const double d = seconds(s.duration);
    if (t < begin + s.duration) {
      const double tau = seconds(t - begin);
      return area + from * tau + (s.target - from) * tau * tau / (2 * d);
    }
    area += (from + s.target) / 2 * d;
    begin += s.duration;
    from = s.target;
  }
  return area;
}

std::optional<Nanos> StagePlan::time_of_cumulative(double area) const {
  double from = start_;
  Nanos begin{0};
  for (const Stage& s : stages_) {
    const double d = seconds(s.duration);
    const double stage_area = (from + s.target) / 2 * d;
    if (area < stage_area) {
      // Solve from*tau + (b-a)/(2d)*tau^2 = area; this form is stable when from == 0 or a == b.
      const double slope = d > 0 ? (s.target - from) / d : 0;
      const double root = std::sqrt(std::max(0.0, from * from + 2 * slope * area));
      const double tau = (from + root) > 0 ? 2 * area / (from + root) : 0;
      return begin + std::chrono::duration_cast<Nanos>(std::chrono::duration<double>(tau));
    }
    area -= stage_area;
    begin += s.duration;
    from = s.target;
  }
  return std::nullopt;
}

std::vector<Window> StagePlan::steady_windows() const {
  std::vector<Window> windows;
  double from = start_;
  Nanos begin{0};
  for (const Stage& s : stages_) {
    if (s.duration.count() > 0 && s.target == from && s.target > 0) {
      if (!windows.empty() && windows.back().end == begin) {
        windows.back().end = begin + s.duration;
      } else {
        windows.push_back({begin, begin + s.duration});
      }
    }
    begin += s.duration;
    from = s.target;
  }
  return windows;
}

double StagePlan::steady_seconds(Nanos until) const {
  double total = 0;
  for (const Window& w : steady_windows()) {
    if (until <= w.begin) break;
    total += seconds(std::min(until, w.end) - w.begin);
  }
  return total;
}

std::vector<double> StagePlan::stage_steady_seconds(Nanos until) const {
  std::vector<double> out;
  double from = start_;
  Nanos begin{0};
  for (const Stage& s : stages_) {
    const Nanos end = std::min(begin + s.duration, until);
    const bool constant = s.target == from && s.target > 0;
    out.push_back(constant && end > begin ? seconds(end - begin) : 0.0);
    begin += s.duration;
    from = s.target;
  }
  return out;
}

double StagePlan::peak() const {
  double peak = start_;
  for (const Stage& s : stages_) peak = std::max(peak, s.target);
  return peak;
}

ArrivalSchedule::ArrivalSchedule(const StagePlan& rate_plan, Spacing spacing, std::uint64_t seed,
                                 std::uint64_t stride, std::uint64_t offset)
    : plan_(&rate_plan), spacing_(spacing), rng_(seed), stride_(stride), offset_(offset) {
  if (stride == 0 || offset >= stride) throw std::invalid_argument("bad arrival share");
}

std::optional<Nanos> ArrivalSchedule::next_global() {
  if (spacing_ == Spacing::kEven) {
    area_ = static_cast<double>(index_);
  } else {
    // Time rescaling: unit-rate exponential gaps mapped through the inverse cumulative rate give
    // a Poisson process whose rate follows the plan.
    std::exponential_distribution<double> gap(1.0);
    area_ += gap(rng_);
  }
  ++index_;
  return plan_->time_of_cumulative(area_);
}

std::optional<Nanos> ArrivalSchedule::next() {
  for (;;) {
    const std::uint64_t k = index_;
    auto t = next_global();
    if (!t) return std::nullopt;
    if (k % stride_ == offset_) return t;
  }
}

std::uint64_t share_of(std::uint64_t total, std::uint64_t stride, std::uint64_t offset) {
  return total > offset ? (total - offset - 1) / stride + 1 : 0;
}

}  // namespace perfgate::load
