// perfgate/config/config_error.hpp - The one exception a bad table, targets file or setting throws.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "perfgate/core/error.hpp"
#include "perfgate/core/json_node.hpp"

namespace perfgate::config {

// A configuration mistake, located: what() reads "<file>: <json path>: expected <what>, got
// <text>".
class ConfigError : public core::Error {
 public:
  ConfigError(std::string file, std::string json_path, std::string expectation);
  const std::string& file() const { return file_; }
  const std::string& json_path() const { return json_path_; }
  const std::string& expectation() const { return expectation_; }

 private:
  std::string file_;
  std::string json_path_;
  std::string expectation_;
};

// Parses `text`, the contents of `file`, as strict JSON (core::parse_strict_json). Throws
// ConfigError naming the file for malformed JSON or a key given twice.
nlohmann::json parse_config_json(std::string_view text, const std::string& file);

// Parses `text` and reads it with `read(const core::JsonNode& root)`, which throws
// core::FieldError: every failure becomes a ConfigError naming `file`, the JSON path and what
// was expected.
template <class Read>
auto read_config_json(std::string_view text, const std::string& file, Read&& read) {
  const nlohmann::json doc = parse_config_json(text, file);
  try {
    return read(core::JsonNode(doc));
  } catch (const core::FieldError& e) {
    throw ConfigError(file, e.path(), e.expectation());
  }
}

}  // namespace perfgate::config
