// perfgate/core/json_node.hpp - Reading a JSON document with the path to every value.
//
// The one way perfgate validates JSON it is given: threshold tables (config), drivers' workload
// options (http, llm, ws, pg) and targets. A JsonNode is a value and its JSON Pointer path from
// the document's root; every check that fails throws core::FieldError with that path and what
// was expected, and the boundary that knows the file adds it (config::ConfigError,
// config::parse_workload):
//
//   const core::JsonNode w(workload);
//   w.expect_object("a workload");
//   w.only_keys({"kind", "rows", "table"});
//   const std::uint32_t rows = w.count_or("rows", 1000, 1'000'000);
//   const std::string table = w.child("table").string("a table name");
#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "perfgate/core/units.hpp"

namespace perfgate::core {

class JsonNode {
 public:
  // `value` at `path` ("" for a document's root). `value` must outlive the node and its children.
  explicit JsonNode(const nlohmann::json& value, std::string path = "");

  const nlohmann::json& value() const { return value_; }
  const std::string& path() const { return path_; }

  // Throws FieldError(path(), expectation).
  [[noreturn]] void fail(const std::string& expectation) const;
  // The value as JSON text, cut at 60 characters: for "got ..." in messages.
  std::string got() const;

  // The value under `key` / at `i` (must exist: check has() or size() first).
  JsonNode child(const std::string& key) const;
  JsonNode element(std::size_t i) const;
  bool has(const std::string& key) const { return value_.is_object() && value_.contains(key); }
  std::size_t size() const { return value_.size(); }

  // Fails unless the value is an object / an array (`non_empty`: with at least one element).
  void expect_object(std::string_view what) const;
  void expect_array(std::string_view what, bool non_empty = false) const;
  // Fails on any key not in `allowed`, naming it and listing the allowed ones: a typo must not
  // pass silently.
  void only_keys(std::initializer_list<std::string_view> allowed) const;

  // The value as a string / true or false / a number; `what` says what was expected.
  std::string string(std::string_view what) const;
  bool boolean() const;
  double number(std::string_view what) const;
  // A whole number from 0 to `max`.
  std::uint64_t whole_number(std::string_view what, std::uint64_t max) const;
  // A string quantity in `unit` ("250ms", "1.5k/s", "10%"), in canonical units.
  double quantity(Unit unit, std::string_view what) const;
  std::chrono::nanoseconds duration(std::string_view what) const;

  // The string under `key`, one of `choices`; `fallback` when the key is absent (without one,
  // the key is required). Fails with the choices: expected "chat" or "completions", got "x".
  std::string one_of(const std::string& key, std::initializer_list<std::string_view> choices,
                     std::optional<std::string> fallback = std::nullopt) const;

  // Optional keys of an object: the value under `key`, or `fallback` when it is absent.
  std::string string_or(const std::string& key, std::string fallback) const;
  std::uint32_t count_or(const std::string& key, std::uint32_t fallback, std::uint32_t max) const;
  bool bool_or(const std::string& key, bool fallback) const;
  std::chrono::nanoseconds duration_or(const std::string& key,
                                       std::chrono::nanoseconds fallback) const;

  // A percentage under `key` ("10%", as a fraction) within `range`, or `fallback` when absent.
  // Fails with the range: expected a percentage above 0% and at most 100%.
  struct PercentRange {
    double low = 0;
    bool low_included = false;
    double high = 1;
    bool high_included = true;
  };
  double percent_or(const std::string& key, double fallback, const PercentRange& range) const;

  // An array of strings (model names, methods, addresses).
  struct StringList {
    std::string_view array;    // "a non-empty array of model names"
    std::string_view element;  // "a model name"
    // Whether an element is acceptable; nullptr accepts any non-empty string.
    bool (*valid)(std::string_view) = nullptr;
    bool may_be_empty = false;  // whether [] is acceptable
  };
  // The array under `key`, or `fallback` when it is absent. Fails at the array, or at the first
  // element that is not an acceptable string: expected <element>, got <its JSON>.
  std::vector<std::string> strings_or(const std::string& key, std::vector<std::string> fallback,
                                      const StringList& list) const;

 private:
  const nlohmann::json& value_;
  std::string path_;
};

}  // namespace perfgate::core
