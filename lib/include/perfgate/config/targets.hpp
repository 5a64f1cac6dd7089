// perfgate/config/targets.hpp - Where suites send load, and the run's settings, from the
// environment.
//
// Targets: `PERFGATE_TARGETS=file.json` ({"http": "http://...", "pg": {"url": ..., ...}}), each
// name overridable by `PERFGATE_TARGET_<NAME>`; for names still unset, the file that CTest's
// fixtures write for the embedded reference service (`PERFGATE_EMBEDDED_TARGETS`). Settings:
// `PERFGATE_PROFILE`, `PERFGATE_THRESHOLDS_DIR`, `PERFGATE_RESULTS_DIR`, `PERFGATE_SHARD` (i/N).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "perfgate/config/config_error.hpp"
#include "perfgate/load/executor.hpp"

namespace perfgate::config {

struct Target {
  std::string name;        // "http", "ai", "ws", "pg"
  std::string url;         // as given; may hold secrets: never print it, print redacted() instead
  bool insecure = false;   // skip TLS verification (self-signed test servers)
  std::optional<int> pid;  // the target's process id when it runs on this machine
  // AI targets: the model names to use in place of the table's (scenario model i -> models[i % n]),
  // and the variable that holds the API key.
  std::vector<std::string> models;
  std::string api_key_env;
  std::string source;  // where it came from ("PERFGATE_TARGET_HTTP", a file path)
  std::string redacted() const;
};

class Targets {
 public:
  // Reads targets as described above. Throws ConfigError for a malformed file.
  static Targets from_environment();
  // The baseline side of an A/B run (run/ab.hpp): `PERFGATE_BASELINE_TARGETS=file.json` (the same
  // format), each name overridable by `PERFGATE_BASELINE_TARGET_<NAME>`. Empty when none is set.
  static Targets baseline_from_environment();
  // Parses a targets document; `source` names the file in errors.
  static Targets parse(const std::string& text, const std::string& source);

  const Target* find(const std::string& name) const;
  // The target called `name`, or a ConfigError saying which variable to set.
  const Target& require(const std::string& name) const;
  // Targets without secrets, for results files and reports.
  nlohmann::json redacted_json() const;
  void set(Target target) { targets_[target.name] = std::move(target); }
  bool empty() const { return targets_.empty(); }

 private:
  std::map<std::string, Target> targets_;
};

struct Settings {
  std::string profile = "ci";
  std::string thresholds_dir;
  std::string results_dir;
  load::Shard shard;
  // PERFGATE_BASELINE: a results folder (or file) to compare every scenario with, in place of the
  // tables' own `baseline` files; tables without a baseline rule allow 10% regression.
  std::optional<std::string> baseline;

  // Reads the PERFGATE_* settings, with the given defaults. Throws ConfigError for a bad
  // PERFGATE_PROFILE or PERFGATE_SHARD.
  static Settings from_environment(const std::string& default_thresholds_dir,
                                   const std::string& default_results_dir);
};

// Parses "i/N" (0 <= i < N). Throws ConfigError naming `source`.
load::Shard parse_shard(const std::string& text, const std::string& source);

}  // namespace perfgate::config
