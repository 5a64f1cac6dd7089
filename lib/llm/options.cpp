// options.cpp - Parsing AI workload options and loading prompts.
#include "perfgate/llm/options.hpp"

#include <fmt/format.h>

#include <fstream>

#include "perfgate/core/error.hpp"
#include "perfgate/core/json_node.hpp"
#include "perfgate/core/units.hpp"

namespace perfgate::llm {

using nlohmann::json;

namespace {

// The workload's kind, after checking it is an object with one.
std::string kind_of(const core::JsonNode& w) {
  w.expect_object("a workload");
  return w.one_of("kind", {"completion", "analyze"});
}

}  // namespace

std::string workload_kind(const json& w) { return kind_of(core::JsonNode(w)); }

CompletionOptions parse_completion_options(const json& doc) {
  const core::JsonNode w(doc);
  kind_of(w);
  w.only_keys({"kind", "endpoint", "models", "switch_every", "stream", "include_usage",
               "max_tokens", "prompts", "extra", "slo", "api_key_env"});
  CompletionOptions o;
  o.endpoint = w.one_of("endpoint", {"chat", "completions"}, "chat") == "chat"
                   ? Endpoint::kChat
                   : Endpoint::kCompletions;
  o.models = w.strings_or("models", std::move(o.models),
                          {.array = "a non-empty array of model names", .element = "a model name"});
  o.switch_every = w.count_or("switch_every", 0, 1'000'000);
  o.stream = w.bool_or("stream", true);
  o.include_usage = w.bool_or("include_usage", true);
  o.max_tokens = w.count_or("max_tokens", 64, 1'000'000);
  if (o.max_tokens == 0) w.child("max_tokens").fail("expected at least 1");
  o.prompts = w.string_or("prompts", "any");
  o.api_key_env = w.string_or("api_key_env", o.api_key_env);
  if (w.has("extra")) {
    w.child("extra").expect_object("an object of extra request fields");
    o.extra = w.child("extra").value();
  }
  if (w.has("slo")) {
    const core::JsonNode slo = w.child("slo");
    slo.expect_object("an object of per-request limits");
    for (const auto& [metric, limit] : slo.value().items()) {
      if (metric != "ttft" && metric != "ttfo" && metric != "tpot" && metric != "e2e" &&
          metric != "itl") {
        slo.child(metric).fail("unknown SLO metric '" + metric +
                               "' (expected ttft, ttfo, tpot, e2e or itl)");
      }
      o.slo[metric] = slo.duration_or(metric, {});
    }
  }
  return o;
}

AnalyzeOptions parse_analyze_options(const json& doc) {
  const core::JsonNode w(doc);
  kind_of(w);
  w.only_keys({"kind", "analysis", "batch", "prompts"});
  AnalyzeOptions o;
  o.analysis = w.one_of("analysis", {"sentiment", "topics", "entities"}, "sentiment");
  o.batch = w.count_or("batch", 0, 10'000);
  o.prompts = w.string_or("prompts", "any");
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
