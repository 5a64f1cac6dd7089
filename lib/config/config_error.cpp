// config_error.cpp - ConfigError's message layout.
#include "perfgate/config/config_error.hpp"

#include <fmt/format.h>

#include "perfgate/core/strict_json.hpp"

namespace perfgate::config {

ConfigError::ConfigError(std::string file, std::string json_path, std::string expectation)
    : core::Error(file + ": " + (json_path.empty() ? std::string("/") : json_path) + ": " +
                  expectation),
      file_(std::move(file)),
      json_path_(std::move(json_path)),
      expectation_(std::move(expectation)) {}

nlohmann::json parse_config_json(std::string_view text, const std::string& file) {
  try {
    return core::parse_strict_json(text);
  } catch (const core::DuplicateKeyError& e) {
    throw ConfigError(file, e.path(),
                      "a key named once (it appears twice, and only one would count)");
  } catch (const nlohmann::json::exception& e) {  // parse_error; out_of_range for 1e400
    throw ConfigError(file, "", fmt::format("malformed JSON: {}", e.what()));
  }
}

}  // namespace perfgate::config
