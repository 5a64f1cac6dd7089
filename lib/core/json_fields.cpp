// json_fields.cpp - Field readers for drivers' options objects.
#include "perfgate/core/json_fields.hpp"

#include <fmt/format.h>

#include "perfgate/core/error.hpp"
#include "perfgate/core/units.hpp"

namespace perfgate::core {

using nlohmann::json;

void only_keys(const json& object, std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, _] : object.items()) {
    bool known = false;
    for (auto a : allowed) known = known || key == a;
    if (!known) {
      std::string list;
      for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      throw FieldError("/" + key, fmt::format("unknown key '{}' (expected one of: {})", key, list));
    }
  }
}

std::string string_field(const json& object, const std::string& key, std::string fallback) {
  if (!object.contains(key)) return fallback;
  if (!object[key].is_string())
    throw FieldError("/" + key, "expected a string, got " + object[key].dump());
  return object[key].get<std::string>();
}

std::uint32_t count_field(const json& object, const std::string& key, std::uint32_t fallback,
                          std::uint32_t max) {
  if (!object.contains(key)) return fallback;
  const json& v = object[key];
  // Parsed JSON holds 5 as unsigned; a document built in code holds it as a signed integer.
  if (!v.is_number_integer() || v.get<std::int64_t>() < 0 || v.get<std::uint64_t>() > max) {
    throw FieldError("/" + key, fmt::format("expected a whole number from 0 to {}, got {}", max,
                                            object[key].dump()));
  }
  return object[key].get<std::uint32_t>();
}

bool bool_field(const json& object, const std::string& key, bool fallback) {
  if (!object.contains(key)) return fallback;
  if (!object[key].is_boolean())
    throw FieldError("/" + key, "expected true or false, got " + object[key].dump());
  return object[key].get<bool>();
}

std::chrono::nanoseconds duration_field(const json& object, const std::string& key,
                                        std::chrono::nanoseconds fallback) {
  if (!object.contains(key)) return fallback;
  if (!object[key].is_string())
    throw FieldError("/" + key, "expected a duration like \"250ms\", got " + object[key].dump());
  try {
    return parse_duration(object[key].get<std::string>());
  } catch (const UnitError& e) {
    throw FieldError("/" + key, e.what());
  }
}

}  // namespace perfgate::core
