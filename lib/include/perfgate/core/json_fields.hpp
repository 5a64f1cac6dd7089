// perfgate/core/json_fields.hpp - Reading a driver's options object field by field.
//
// Each helper reads one key of a JSON object (a scenario's "workload") and throws
// core::FieldError naming "/<key>" and what was expected, so the config layer can point at the
// exact place in the table.
#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace perfgate::core {

// Fails on any key of `object` not in `allowed`, listing the allowed ones.
void only_keys(const nlohmann::json& object, std::initializer_list<std::string_view> allowed);

std::string string_field(const nlohmann::json& object, const std::string& key,
                         std::string fallback);
// A whole number from 0 to `max`.
std::uint32_t count_field(const nlohmann::json& object, const std::string& key,
                          std::uint32_t fallback, std::uint32_t max);
bool bool_field(const nlohmann::json& object, const std::string& key, bool fallback);
// A duration like "250ms" (core::parse_duration).
std::chrono::nanoseconds duration_field(const nlohmann::json& object, const std::string& key,
                                        std::chrono::nanoseconds fallback);

// `value` (called `name` in errors) as a whole number of type T. Throws std::invalid_argument
// naming it unless it is a JSON integer
// within T's range: nlohmann's get<T>() casts 8e100 (undefined behaviour) or -1 (to 2^64 - 1)
// without a word, and files read back (results) must not be trusted that far.
template <class T>
T whole_number(const nlohmann::json& value, std::string_view name) {
  static_assert(std::is_integral_v<T>);
  // A JSON integer is held signed or unsigned depending on how it was made; either may fit T.
  const bool fits = value.is_number_unsigned()  ? std::in_range<T>(value.get<std::uint64_t>())
                    : value.is_number_integer() ? std::in_range<T>(value.get<std::int64_t>())
                                                : false;
  if (!fits) {
    throw std::invalid_argument("'" + std::string(name) + "': expected a whole number from " +
                                std::to_string(std::numeric_limits<T>::min()) + " to " +
                                std::to_string(std::numeric_limits<T>::max()) + ", got " +
                                value.dump());
  }
  return value.get<T>();
}

}  // namespace perfgate::core
