// perfgate/core/json_fields.hpp - Numbers read strictly from files perfgate did not just write.
//
// Results files and shard documents come back from CI artifacts and other machines. Options and
// tables are read through core::JsonNode (json_node.hpp); this is for those read-back files.
#pragma once

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace perfgate::core {

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
