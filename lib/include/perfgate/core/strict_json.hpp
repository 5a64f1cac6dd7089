// perfgate/core/strict_json.hpp - Parsing JSON that a person wrote: a key twice is an error.
//
// JSON's grammar allows an object to name a key twice, and nlohmann keeps the last one silently.
// In a threshold table that deletes a gate without a word (a bad merge leaves two "latency"
// entries, or "min_samples": 1000, "min_samples": 1), so every file perfgate reads from a person
// goes through parse_strict_json.
#pragma once

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>

namespace perfgate::core {

// A key that an object names twice.
class DuplicateKeyError : public std::runtime_error {
 public:
  // `path` is the JSON pointer of the duplicated key ("/scenarios/login/min_samples").
  explicit DuplicateKeyError(std::string path)
      : std::runtime_error("duplicate key " + path), path_(std::move(path)) {}
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Parses `text` as nlohmann::json::parse does (throwing nlohmann::json::exception for malformed
// JSON), and throws DuplicateKeyError for the first key an object names twice.
nlohmann::json parse_strict_json(std::string_view text);

// `key` escaped for a JSON pointer ("~" as "~0", "/" as "~1").
std::string json_pointer_token(std::string_view key);

}  // namespace perfgate::core
