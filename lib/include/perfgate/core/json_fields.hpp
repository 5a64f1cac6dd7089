// perfgate/core/json_fields.hpp - Reading a driver's options object field by field.
//
// Each helper reads one key of a JSON object (a scenario's "workload") and throws
// core::FieldError naming "/<key>" and what was expected, so the config layer can point at the
// exact place in the table.
#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

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

}  // namespace perfgate::core
