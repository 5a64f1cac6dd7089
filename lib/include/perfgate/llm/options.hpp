// perfgate/llm/options.hpp - What an AI scenario sends, from the "workload" object of its table.
//
//   "workload": { "kind": "completion", "endpoint": "chat", "models": ["gpt-4"], "stream": true,
//                 "max_tokens": 64, "prompts": "short", "switch_every": 0,
//                 "extra": { "temperature": 0 }, "slo": { "ttft": "300ms", "tpot": "50ms" } }
//   "workload": { "kind": "analyze", "analysis": "sentiment", "batch": 16, "prompts": "medium" }
//
// Parsing throws core::FieldError naming the JSON pointer inside "workload" and what was expected.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "perfgate/llm/completion.hpp"

namespace perfgate::llm {

struct CompletionOptions {
  Endpoint endpoint = Endpoint::kChat;
  std::vector<std::string> models{"gpt-4"};
  // 0: user i always asks models[i % n]. N: every user moves to the next model after N requests
  // (model_switching: the first request after a move pays any load time on the server).
  std::uint32_t switch_every = 0;
  bool stream = true;
  bool include_usage = true;  // stream_options.include_usage
  std::uint32_t max_tokens = 64;
  std::string prompts = "any";  // a category of fixtures/ai/prompts.jsonl: short, medium, long
  nlohmann::json extra = nlohmann::json::object();  // merged into every request body
  // Per-request limits a request must meet to count toward `goodput` (ttft, tpot, e2e, itl).
  std::map<std::string, std::chrono::nanoseconds> slo;
  // The environment variable holding the API key (sent as a bearer token, never written anywhere).
  std::string api_key_env = "PERFGATE_AI_API_KEY";
};

struct AnalyzeOptions {
  std::string analysis = "sentiment";  // sentiment, topics or entities
  std::uint32_t batch = 0;             // 0: POST /analyze/text; N: POST /analyze/batch with N items
  std::string prompts = "any";
};

// The "kind" of a workload object: "completion" or "analyze". Throws core::FieldError.
std::string workload_kind(const nlohmann::json& workload);
CompletionOptions parse_completion_options(const nlohmann::json& workload);
AnalyzeOptions parse_analyze_options(const nlohmann::json& workload);

// Prompts from a JSON-lines file of {"id", "category", "prompt"}.
class PromptSet {
 public:
  // Throws core::IoError naming the file and line on a read or parse failure.
  static PromptSet load(const std::string& path);
  // The prompts of `category` ("any": all). Throws core::Error if there are none.
  std::vector<std::string> of(const std::string& category) const;
  std::size_t size() const { return prompts_.size(); }

 private:
  std::vector<std::pair<std::string, std::string>> prompts_;  // category, text
};

}  // namespace perfgate::llm
