// config_error.cpp - ConfigError's message layout.
#include "perfgate/config/config_error.hpp"

namespace perfgate::config {

ConfigError::ConfigError(std::string file, std::string json_path, std::string expectation)
    : core::Error(file + ": " + (json_path.empty() ? std::string("/") : json_path) + ": " +
                  expectation),
      file_(std::move(file)),
      json_path_(std::move(json_path)),
      expectation_(std::move(expectation)) {}

}  // namespace perfgate::config
