// json_node.cpp - Located checks of JSON values.
#include "perfgate/core/json_node.hpp"

#include <fmt/format.h>

#include "perfgate/core/error.hpp"
#include "perfgate/core/strict_json.hpp"

namespace perfgate::core {

JsonNode::JsonNode(const nlohmann::json& value, std::string path)
    : value_(value), path_(std::move(path)) {}

void JsonNode::fail(const std::string& expectation) const { throw FieldError(path_, expectation); }

std::string JsonNode::got() const {
  std::string text = value_.dump();
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return text;
}

JsonNode JsonNode::child(const std::string& key) const {
  return JsonNode(value_.at(key), path_ + "/" + json_pointer_token(key));
}

JsonNode JsonNode::element(std::size_t i) const {
  return JsonNode(value_.at(i), path_ + "/" + std::to_string(i));
}

void JsonNode::expect_object(std::string_view what) const {
  if (!value_.is_object()) fail(fmt::format("expected {} (a JSON object), got {}", what, got()));
}

void JsonNode::expect_array(std::string_view what, bool non_empty) const {
  if (!value_.is_array() || (non_empty && value_.empty()))
    fail(fmt::format("expected {}, got {}", what, got()));
}

void JsonNode::only_keys(std::initializer_list<std::string_view> allowed) const {
  for (const auto& [key, _] : value_.items()) {
    bool known = false;
    for (auto a : allowed) known = known || key == a;
    if (!known) {
      std::string list;
      for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      child(key).fail(fmt::format("unknown key '{}' (expected one of: {})", key, list));
    }
  }
}

std::string JsonNode::string(std::string_view what) const {
  if (!value_.is_string()) fail(fmt::format("expected {}, got {}", what, got()));
  return value_.get<std::string>();
}

bool JsonNode::boolean() const {
  if (!value_.is_boolean()) fail("expected true or false, got " + got());
  return value_.get<bool>();
}

double JsonNode::number(std::string_view what) const {
  if (!value_.is_number()) fail(fmt::format("expected {}, got {}", what, got()));
  return value_.get<double>();
}

std::uint64_t JsonNode::whole_number(std::string_view what, std::uint64_t max) const {
  // Parsed JSON holds 5 as unsigned; a document built in code holds it as a signed integer.
  if (!value_.is_number_integer() || value_.get<std::int64_t>() < 0 ||
      value_.get<std::uint64_t>() > max) {
    fail(fmt::format("expected {} (a whole number from 0 to {}), got {}", what, max, got()));
  }
  return value_.get<std::uint64_t>();
}

double JsonNode::quantity(Unit unit, std::string_view what) const {
  const std::string text = string(what);
  try {
    return parse_quantity(text, unit);
  } catch (const UnitError& e) {
    fail(fmt::format("expected {}: {}", what, e.what()));
  }
}

std::chrono::nanoseconds JsonNode::duration(std::string_view what) const {
  return std::chrono::nanoseconds(static_cast<std::int64_t>(quantity(Unit::kDuration, what)));
}

std::string JsonNode::one_of(const std::string& key,
                             std::initializer_list<std::string_view> choices,
                             std::optional<std::string> fallback) const {
  std::string list;  // "a", "b" or "c"
  std::size_t n = 0;
  for (const std::string_view c : choices) {
    if (++n > 1) list += n == choices.size() ? " or " : ", ";
    list += fmt::format("\"{}\"", c);
  }
  if (!has(key)) {
    if (fallback) return *fallback;
    fail(fmt::format("expected \"{}\": {}", key, list));
  }
  const JsonNode v = child(key);
  if (v.value_.is_string()) {
    const std::string value = v.value_.get<std::string>();
    for (const std::string_view c : choices) {
      if (value == c) return value;
    }
  }
  v.fail(fmt::format("expected {}, got {}", list, v.got()));
}

std::string JsonNode::string_or(const std::string& key, std::string fallback) const {
  return has(key) ? child(key).string("a string") : fallback;
}

std::uint32_t JsonNode::count_or(const std::string& key, std::uint32_t fallback,
                                 std::uint32_t max) const {
  if (!has(key)) return fallback;
  const JsonNode v = child(key);
  if (!v.value_.is_number_integer() || v.value_.get<std::int64_t>() < 0 ||
      v.value_.get<std::uint64_t>() > max) {
    v.fail(fmt::format("expected a whole number from 0 to {}, got {}", max, v.got()));
  }
  return v.value_.get<std::uint32_t>();
}

bool JsonNode::bool_or(const std::string& key, bool fallback) const {
  return has(key) ? child(key).boolean() : fallback;
}

std::chrono::nanoseconds JsonNode::duration_or(const std::string& key,
                                               std::chrono::nanoseconds fallback) const {
  if (!has(key)) return fallback;
  const JsonNode v = child(key);
  if (!v.value_.is_string()) v.fail("expected a duration like \"250ms\", got " + v.got());
  try {
    return parse_duration(v.value_.get<std::string>());
  } catch (const UnitError& e) {
    v.fail(e.what());
  }
}

std::vector<std::string> JsonNode::strings_or(const std::string& key,
                                              std::vector<std::string> fallback,
                                              const StringList& list) const {
  if (!has(key)) return fallback;
  const JsonNode array = child(key);
  array.expect_array(list.array, !list.may_be_empty);
  std::vector<std::string> out;
  for (std::size_t i = 0; i < array.size(); ++i) {
    const JsonNode e = array.element(i);
    const auto* text = e.value_.get_ptr<const std::string*>();
    const bool ok = text != nullptr && (list.valid ? list.valid(*text) : !text->empty());
    if (!ok) e.fail(fmt::format("expected {}, got {}", list.element, e.got()));
    out.push_back(*text);
  }
  return out;
}

double JsonNode::percent_or(const std::string& key, double fallback,
                            const PercentRange& range) const {
  if (!has(key)) return fallback;
  const JsonNode v = child(key);
  const double p = v.quantity(Unit::kPercent, "a percentage, e.g. \"10%\"");
  const bool above = range.low_included ? p >= range.low : p > range.low;
  const bool below = range.high_included ? p <= range.high : p < range.high;
  if (!(above && below)) {
    v.fail(fmt::format("expected a percentage {} {:g}% and {} {:g}%",
                       range.low_included ? "from" : "above", range.low * 100,
                       range.high_included ? "at most" : "below", range.high * 100));
  }
  return p;
}

}  // namespace perfgate::core
