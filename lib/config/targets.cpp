// targets.cpp - Targets and settings from the environment.
#include "perfgate/config/targets.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "perfgate/core/json_node.hpp"
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

// The targets of `doc`, by name; throws core::FieldError.
std::map<std::string, Target> parse_targets(const core::JsonNode& doc, const std::string& source) {
  if (!doc.value().is_object()) doc.fail("expected an object of targets by name");
  std::map<std::string, Target> t;
  for (const auto& [name, _] : doc.value().items()) {
    const core::JsonNode value = doc.child(name);
    Target target;
    target.name = name;
    target.source = source;
    if (value.value().is_string()) {
      target.url = value.value().get<std::string>();
    } else if (value.value().is_object()) {
      value.only_keys({"url", "insecure", "pid", "models", "api_key_env"});
      if (!value.has("url")) value.fail("expected \"url\": the target's URL");
      target.url = value.child("url").string("the target's URL (a string)");
      target.insecure = value.bool_or("insecure", false);
      if (value.has("pid")) {
        target.pid = static_cast<int>(value.child("pid").whole_number("a process id", 4'194'304));
      }
      target.models = value.strings_or(
          "models", {}, {.array = "a non-empty array of model names", .element = "a model name"});
      target.api_key_env = value.string_or("api_key_env", target.api_key_env);
    } else {
      value.fail("expected a URL string or {\"url\": ..., \"insecure\": ...}");
    }
    t[name] = std::move(target);
  }
  return t;
}

}  // namespace

std::string Target::redacted() const { return core::redact(url); }

Targets Targets::parse(const std::string& text, const std::string& source) {
  Targets t;
  t.targets_ = read_config_json(
      text, source, [&](const core::JsonNode& root) { return parse_targets(root, source); });
  return t;
}

namespace {

// PERFGATE_<prefix>TARGET_<NAME> over what `result` holds (keeping a file's TLS setting).
void override_from_variables(Targets& result, const std::string& prefix) {
  for (const char* name : {"http", "ai", "ws", "pg"}) {
    const std::string var = "PERFGATE_" + prefix + "TARGET_" + upper(name);
    if (auto url = env(var.c_str())) {
      Target t;
      t.name = name;
      t.url = *url;
      t.source = var;
      if (const Target* existing = result.find(name)) t.insecure = existing->insecure;
      result.set(std::move(t));
    }
  }
}

}  // namespace

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
  override_from_variables(result, "");
  return result;
}

Targets Targets::baseline_from_environment() {
  Targets result;
  if (auto file = env("PERFGATE_BASELINE_TARGETS"))
    result = parse(read_file(*file, "PERFGATE_BASELINE_TARGETS"), *file);
  override_from_variables(result, "BASELINE_");
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
