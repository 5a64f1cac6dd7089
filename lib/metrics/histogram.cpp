// histogram.cpp - Log-linear histogram: layout, percentiles, merge and JSON form.
#include "perfgate/metrics/histogram.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "perfgate/core/json_fields.hpp"

namespace perfgate::metrics {
namespace {

int sub_bucket_bits_for(int digits) {
  // Smallest k with 2^k >= 10^digits: relative bucket width 2^-k <= 10^-digits.
  const double target = std::pow(10.0, digits);
  int k = 0;
  while (static_cast<double>(1ULL << k) < target) ++k;
  return k;
}

}  // namespace

Histogram::Histogram(int significant_digits, std::int64_t highest)
    : digits_(significant_digits), highest_(highest) {
  if (significant_digits < 1 || significant_digits > 5) {
    throw std::invalid_argument("histogram significant digits must be in [1, 5]");
  }
  if (highest < 2) throw std::invalid_argument("histogram highest value must be >= 2");
  sub_bucket_bits_ = sub_bucket_bits_for(significant_digits);
  counts_.assign(index_of(highest_) + 1, 0);
}

std::int64_t Histogram::lowest_of(std::size_t index) const noexcept {
  const std::size_t s = std::size_t{1} << sub_bucket_bits_;
  if (index < 2 * s) return static_cast<std::int64_t>(index);
  const std::size_t bucket = index / s - 1;
  const std::size_t sub = index % s + s;
  return static_cast<std::int64_t>(sub << bucket);
}

std::int64_t Histogram::highest_of(std::size_t index) const noexcept {
  const std::size_t s = std::size_t{1} << sub_bucket_bits_;
  if (index < 2 * s) return static_cast<std::int64_t>(index);
  const std::size_t bucket = index / s - 1;
  return lowest_of(index) + (std::int64_t{1} << bucket) - 1;
}

void Histogram::merge(const Histogram& other) {
  if (other.digits_ != digits_ || other.highest_ != highest_) {
    throw std::invalid_argument("cannot merge histograms of different layouts (digits " +
                                std::to_string(digits_) + "/" + std::to_string(other.digits_) +
                                ", highest " + std::to_string(highest_) + "/" +
                                std::to_string(other.highest_) + ")");
  }
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  total_ += other.total_;
  clamped_ += other.clamped_;
  sum_ += other.sum_;
  if (other.total_ != 0) {
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
  }
}

void Histogram::reset() noexcept {
  std::fill(counts_.begin(), counts_.end(), 0);
  total_ = clamped_ = 0;
  sum_ = 0;
  min_ = INT64_MAX;
  max_ = 0;
}

double Histogram::mean() const noexcept {
  return total_ ? static_cast<double>(sum_) / static_cast<double>(total_) : 0.0;
}

std::uint64_t Histogram::rank_of(double p, std::uint64_t total) noexcept {
  // p in units of 10^-7 percent, so that p / 100 * N is computed in integers: in floating point
  // 99.9 / 100.0 * 1000 is 999.0000000000001, whose ceiling would be the maximum.
  const auto scaled = static_cast<std::uint64_t>(std::llround(std::clamp(p, 0.0, 100.0) * 1e7));
  __extension__ using Wide = unsigned __int128;
  constexpr Wide kWhole = 1'000'000'000;  // 100% in those units
  const Wide rank = (static_cast<Wide>(scaled) * total + kWhole - 1) / kWhole;
  return std::clamp<std::uint64_t>(static_cast<std::uint64_t>(rank), 1, total);
}

std::size_t Histogram::index_at_rank(std::uint64_t rank) const noexcept {
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) return i;
  }
  return counts_.size() - 1;
}

std::int64_t Histogram::percentile(double p) const noexcept {
  if (total_ == 0) return 0;
  if (!(p > 0)) return min_;
  if (p >= 100) return max_;
  return std::clamp(highest_of(index_at_rank(rank_of(p, total_))), min_, max_);
}

std::int64_t Histogram::percentile_lower_bound(double p) const noexcept {
  if (total_ == 0) return 0;
  if (!(p > 0)) return min_;
  if (p >= 100) return max_;
  return std::clamp(lowest_of(index_at_rank(rank_of(p, total_))), min_, max_);
}

std::uint64_t Histogram::count_at_or_below(std::int64_t value) const noexcept {
  if (value < 0) return 0;
  const std::size_t last = index_of(std::min(value, highest_));
  std::uint64_t n = 0;
  for (std::size_t i = 0; i <= last; ++i) n += counts_[i];
  return n;
}

nlohmann::json Histogram::to_json() const {
  nlohmann::json buckets = nlohmann::json::array();
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    if (counts_[i] != 0) buckets.push_back({i, counts_[i]});
  }
  return {{"significant_digits", digits_},
          {"highest", highest_},
          {"count", total_},
          {"clamped", clamped_},
          {"min", min()},
          {"max", max()},
          {"sum", static_cast<double>(sum_)},
          {"buckets", std::move(buckets)}};
}

Histogram Histogram::from_json(const nlohmann::json& j) {
  try {
    Histogram h(core::whole_number<int>(j.at("significant_digits"), "significant_digits"),
                core::whole_number<std::int64_t>(j.at("highest"), "highest"));
    std::uint64_t total = 0;
    for (const auto& pair : j.at("buckets")) {
      const auto index = core::whole_number<std::size_t>(pair.at(0), "bucket index");
      const auto count = core::whole_number<std::uint64_t>(pair.at(1), "bucket count");
      if (index >= h.counts_.size()) throw std::invalid_argument("bucket index out of range");
      if (count > std::numeric_limits<std::uint64_t>::max() - total) {
        throw std::invalid_argument("bucket counts overflow");
      }
      h.counts_[index] += count;
      total += count;
    }
    if (total != core::whole_number<std::uint64_t>(j.at("count"), "count")) {
      throw std::invalid_argument("bucket counts do not add up to 'count'");
    }
    h.total_ = total;
    h.clamped_ =
        j.contains("clamped") ? core::whole_number<std::uint64_t>(j.at("clamped"), "clamped") : 0;
    const auto sum = j.at("sum").get<double>();
    if (!(sum >= 0 && sum < 1e38)) throw std::invalid_argument("'sum' out of range");
    h.sum_ = static_cast<Sum>(sum);
    if (total != 0) {
      h.min_ = core::whole_number<std::int64_t>(j.at("min"), "min");
      h.max_ = core::whole_number<std::int64_t>(j.at("max"), "max");
    }
    return h;
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument(std::string("malformed histogram: ") + e.what());
  }
}

bool operator==(const Histogram& a, const Histogram& b) {
  return a.digits_ == b.digits_ && a.highest_ == b.highest_ && a.total_ == b.total_ &&
         a.counts_ == b.counts_ && a.min() == b.min() && a.max() == b.max();
}

}  // namespace perfgate::metrics
