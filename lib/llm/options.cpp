// options.cpp - Parsing AI workload options and loading prompts.
#include "perfgate/llm/options.hpp"

#include <fmt/format.h>

#include <fstream>

#include "perfgate/core/error.hpp"
#include "perfgate/core/json_fields.hpp"
#include "perfgate/core/units.hpp"

namespace perfgate::llm {

using nlohmann::json;

using core::bool_field;
using core::count_field;
using core::only_keys;
using core::string_field;

std::string workload_kind(const json& w) {
  if (!w.is_object()) throw core::FieldError("", "expected a workload object, got " + w.dump());
  const std::string kind = string_field(w, "kind", "");
  if (kind != "completion" && kind != "analyze") {
    throw core::FieldError("/kind", "expected \"completion\" or \"analyze\", got " +
                                        (w.contains("kind") ? w["kind"].dump() : "nothing"));
  }
  return kind;
}

CompletionOptions parse_completion_options(const json& w) {
  workload_kind(w);
  only_keys(w, {"kind", "endpoint", "models", "switch_every", "stream", "include_usage",
                "max_tokens", "prompts", "extra", "slo", "api_key_env"});
  CompletionOptions o;
  const std::string endpoint = string_field(w, "endpoint", "chat");
  if (endpoint == "chat") {
    o.endpoint = Endpoint::kChat;
  } else if (endpoint == "completions") {
    o.endpoint = Endpoint::kCompletions;
  } else {
    throw core::FieldError("/endpoint",
                           "expected \"chat\" or \"completions\", got \"" + endpoint + "\"");
  }
  if (w.contains("models")) {
    const json& m = w["models"];
    if (!m.is_array() || m.empty())
      throw core::FieldError("/models", "expected a non-empty array of model names");
    o.models.clear();
    for (std::size_t i = 0; i < m.size(); ++i) {
      if (!m[i].is_string() || m[i].get<std::string>().empty()) {
        throw core::FieldError("/models/" + std::to_string(i), "expected a model name");
      }
      o.models.push_back(m[i].get<std::string>());
    }
  }
  o.switch_every = count_field(w, "switch_every", 0, 1'000'000);
  o.stream = bool_field(w, "stream", true);
  o.include_usage = bool_field(w, "include_usage", true);
  o.max_tokens = count_field(w, "max_tokens", 64, 1'000'000);
  if (o.max_tokens == 0) throw core::FieldError("/max_tokens", "expected at least 1");
  o.prompts = string_field(w, "prompts", "any");
  o.api_key_env = string_field(w, "api_key_env", o.api_key_env);
  if (w.contains("extra")) {
    if (!w["extra"].is_object())
      throw core::FieldError("/extra", "expected an object of extra request fields");
    o.extra = w["extra"];
  }
  if (w.contains("slo")) {
    const json& slo = w["slo"];
    if (!slo.is_object())
      throw core::FieldError("/slo", "expected an object of per-request limits");
    for (const auto& [metric, limit] : slo.items()) {
      if (metric != "ttft" && metric != "ttfo" && metric != "tpot" && metric != "e2e" &&
          metric != "itl") {
        throw core::FieldError("/slo/" + metric, "unknown SLO metric '" + metric +
                                                     "' (expected ttft, ttfo, tpot, e2e or itl)");
      }
      try {
        o.slo[metric] = core::duration_field(slo, metric, {});
      } catch (const core::FieldError& e) {
        throw core::FieldError("/slo" + e.path(), e.expectation());
      }
    }
  }
  return o;
}

AnalyzeOptions parse_analyze_options(const json& w) {
  workload_kind(w);
  only_keys(w, {"kind", "analysis", "batch", "prompts"});
  AnalyzeOptions o;
  o.analysis = string_field(w, "analysis", "sentiment");
  if (o.analysis != "sentiment" && o.analysis != "topics" && o.analysis != "entities") {
    throw core::FieldError("/analysis",
                           "expected sentiment, topics or entities, got \"" + o.analysis + "\"");
  }
  o.batch = count_field(w, "batch", 0, 10'000);
  o.prompts = string_field(w, "prompts", "any");
  return o;
}

PromptSet PromptSet::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw core::IoError(fmt::format("{}: cannot read the prompts file", path));
  PromptSet set;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    const json j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("prompt") || !j["prompt"].is_string() ||
        !j.contains("category") || !j["category"].is_string()) {
      throw core::IoError(
          fmt::format("{}:{}: expected {{\"category\": ..., \"prompt\": ...}}", path, n));
    }
    set.prompts_.emplace_back(j["category"].get<std::string>(), j["prompt"].get<std::string>());
  }
  if (set.prompts_.empty()) throw core::IoError(fmt::format("{}: no prompts", path));
  return set;
}

std::vector<std::string> PromptSet::of(const std::string& category) const {
  std::vector<std::string> out;
  for (const auto& [c, text] : prompts_) {
    if (category == "any" || c == category) out.push_back(text);
  }
  if (out.empty()) throw core::Error("no prompts in category '" + category + "'");
  return out;
}

}  // namespace perfgate::llm
