// perfgate/config/config_error.hpp - The one exception a bad table, targets file or setting throws.
#pragma once

#include <string>

#include "perfgate/core/error.hpp"

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

}  // namespace perfgate::config
