// sqlstate.cpp - SQLSTATE classes as failure kinds.
#include "perfgate/pg/sqlstate.hpp"

#include <optional>

namespace perfgate::pg {
namespace {

constexpr std::string_view kDigits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
constexpr std::size_t kClasses = kDigits.size() * kDigits.size();

// The class's index (36 * first + second), when `sqlstate` is five characters of 0-9 and A-Z.
std::optional<std::size_t> class_index(std::string_view sqlstate) {
  if (sqlstate.size() != 5) return std::nullopt;
  for (const char c : sqlstate) {
    if (kDigits.find(c) == std::string_view::npos) return std::nullopt;
  }
  return kDigits.find(sqlstate[0]) * kDigits.size() + kDigits.find(sqlstate[1]);
}

}  // namespace

std::string sqlstate_error_kind(std::string_view sqlstate) {
  return class_index(sqlstate) ? "db_" + std::string(sqlstate.substr(0, 2)) : "db_unknown";
}

void SqlStateKinds::declare(metrics::MetricSet& set) {
  by_class_.clear();
  by_class_.reserve(kClasses);
  for (const char first : kDigits) {
    for (const char second : kDigits)
      by_class_.push_back(set.error_kind(std::string{'d', 'b', '_', first, second}));
  }
  unknown_ = set.error_kind("db_unknown");
}

metrics::ErrorKind SqlStateKinds::of(std::string_view sqlstate) const {
  const std::optional<std::size_t> i = class_index(sqlstate);
  if (!i) return unknown_;
  return *i < by_class_.size() ? by_class_[*i] : metrics::ErrorKind::kOther;
}

}  // namespace perfgate::pg
