// targets.cpp - Targets and settings from the environment.
#include "perfgate/config/targets.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "perfgate/core/redact.hpp"
#include "perfgate/core/strict_json.hpp"

namespace perfgate::config {

using nlohmann::json;

namespace {

std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

std::string read_file(const std::string& path, const std::string& what) {
  std::ifstream in(path);
  if (!in)
    throw ConfigError(path, "",
                      fmt::format("cannot read the {} (set by {})", "targets file", what));
  std::stringstream b;
  b << in.rdbuf();
  return b.str();
}

}  // namespace

std::string Target::redacted() const { return core::redact(url); }

Targets Targets::parse(const std::string& text, const std::string& source) {
  json doc;
  try {
    doc = core::parse_strict_json(text);
  } catch (const core::DuplicateKeyError& e) {
    throw ConfigError(source, e.path(),
                      "a key named once (it appears twice, and only one would count)");
  } catch (const json::exception& e) {  // parse_error, and out_of_range for a number like 1e400
    throw ConfigError(source, "", fmt::format("malformed JSON: {}", e.what()));
  }
  if (!doc.is_object()) throw ConfigError(source, "", "expected an object of targets by name");
  Targets t;
  for (const auto& [name, value] : doc.items()) {
    Target target;
    target.name = name;
    target.source = source;
    if (value.is_string()) {
      target.url = value.get<std::string>();
    } else if (value.is_object()) {
      for (const auto& [key, _] : value.items()) {
        if (key != "url" && key != "insecure" && key != "pid" && key != "models" &&
            key != "api_key_env") {
          throw ConfigError(source, "/" + name + "/" + key,
                            "unknown key (expected url, insecure, pid, models or api_key_env)");
        }
      }
      if (!value.contains("url") || !value["url"].is_string()) {
        throw ConfigError(source, "/" + name + "/url", "expected the target's URL (a string)");
      }
      target.url = value["url"].get<std::string>();
      if (value.contains("insecure")) {
        if (!value["insecure"].is_boolean())
          throw ConfigError(source, "/" + name + "/insecure", "expected true or false");
        target.insecure = value["insecure"].get<bool>();
      }
      if (value.contains("pid")) {
        if (!value["pid"].is_number_integer())
          throw ConfigError(source, "/" + name + "/pid", "expected a process id");
        target.pid = value["pid"].get<int>();
      }
      if (value.contains("models")) {
        const json& m = value["models"];
        if (!m.is_array() || m.empty() ||
            !std::all_of(m.begin(), m.end(), [](const json& x) { return x.is_string(); })) {
          throw ConfigError(source, "/" + name + "/models",
                            "expected a non-empty array of model names");
        }
        target.models = m.get<std::vector<std::string>>();
      }
      if (value.contains("api_key_env")) {
        if (!value["api_key_env"].is_string()) {
          throw ConfigError(source, "/" + name + "/api_key_env",
                            "expected the name of an environment variable");
        }
        target.api_key_env = value["api_key_env"].get<std::string>();
      }
    } else {
      throw ConfigError(source, "/" + name,
                        "expected a URL string or {\"url\": ..., \"insecure\": ...}");
    }
    t.targets_[name] = std::move(target);
  }
  return t;
}

Targets Targets::from_environment() {
  Targets result;
  // Lowest precedence first: embedded fixture targets, then the user's file, then variables.
  // The embedded targets: one file per CTest fixture, separated by ':'; a missing file is a
  // fixture this suite did not ask for.
  if (auto embedded = env("PERFGATE_EMBEDDED_TARGETS")) {
    std::stringstream files(*embedded);
    for (std::string path; std::getline(files, path, ':');) {
      if (path.empty() || !std::ifstream(path)) continue;
      for (auto& [name, target] :
           parse(read_file(path, "PERFGATE_EMBEDDED_TARGETS"), path).targets_) {
        result.targets_[name] = std::move(target);
      }
    }
  }
  if (auto file = env("PERFGATE_TARGETS")) {
    // A user's targets replace the embedded ones entirely: never mix two systems in one run.
    result = parse(read_file(*file, "PERFGATE_TARGETS"), *file);
  }
  for (const char* name : {"http", "ai", "ws", "pg"}) {
    const std::string var = "PERFGATE_TARGET_" + upper(name);
    if (auto url = env(var.c_str())) {
      Target t;
      t.name = name;
      t.url = *url;
      t.source = var;
      if (const Target* existing = result.find(name)) t.insecure = existing->insecure;
      result.targets_[name] = std::move(t);
    }
  }
  return result;
}

const Target* Targets::find(const std::string& name) const {
  const auto it = targets_.find(name);
  return it == targets_.end() ? nullptr : &it->second;
}

const Target& Targets::require(const std::string& name) const {
  if (const Target* t = find(name)) return *t;
  throw ConfigError(
      "environment", "",
      fmt::format(
          "no '{}' target: set PERFGATE_TARGET_{} (e.g. http://127.0.0.1:8080) or PERFGATE_TARGETS "
          "(a JSON file of targets), or run the suite through ctest, which starts the reference "
          "service",
          name, upper(name)));
}

json Targets::redacted_json() const {
  json out = json::object();
  for (const auto& [name, t] : targets_) {
    out[name] = {{"url", t.redacted()}, {"insecure", t.insecure}, {"local", t.pid.has_value()}};
  }
  return out;
}

load::Shard parse_shard(const std::string& text, const std::string& source) {
  unsigned i = 0, n = 0;
  char slash = 0;
  std::istringstream in(text);
  if (!(in >> i >> slash >> n) || slash != '/' || !in.eof() || n == 0 || i >= n) {
    throw ConfigError(
        source, "",
        fmt::format("expected a shard like \"0/4\" (index/count, index < count), got \"{}\"",
                    text));
  }
  return load::Shard{i, n};
}

Settings Settings::from_environment(const std::string& default_thresholds_dir,
                                    const std::string& default_results_dir) {
  Settings s;
  s.thresholds_dir = env("PERFGATE_THRESHOLDS_DIR").value_or(default_thresholds_dir);
  s.results_dir = env("PERFGATE_RESULTS_DIR").value_or(default_results_dir);
  if (auto p = env("PERFGATE_PROFILE")) {
    const bool ok = std::all_of(p->begin(), p->end(), [](unsigned char c) {
      return std::isalnum(c) || c == '_' || c == '-';
    });
    if (!ok)
      throw ConfigError(
          "PERFGATE_PROFILE", "",
          fmt::format("expected a profile name like ci, local or nightly, got \"{}\"", *p));
    s.profile = *p;
  }
  if (auto shard = env("PERFGATE_SHARD")) s.shard = parse_shard(*shard, "PERFGATE_SHARD");
  s.baseline = env("PERFGATE_BASELINE");
  return s;
}

}  // namespace perfgate::config
