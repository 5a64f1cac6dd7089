// perfgate/llm/workload.hpp - AI endpoints as load::Workloads.
//
// CompletionWorkload: OpenAI-compatible POST /v1/chat/completions or /v1/completions, streamed
// (SSE) or not. Records ttft, itl, tpot, e2e and output_tokens_per_s (see completion.hpp), tagged
// by model when there are several and by `switch:first|warm` when users move between models;
// counts output tokens, which method counted them, and requests that met every SLO (goodput).
//
// AnalyzeWorkload: the classic "AI orchestrator" JSON endpoints, POST /analyze/text and
// POST /analyze/batch; records `item_latency` (batch latency / items) for batches.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "perfgate/llm/options.hpp"
#include "perfgate/load/executor.hpp"
#include "perfgate/net/http_connection.hpp"

namespace perfgate::llm {

class CompletionWorkload final : public load::Workload {
 public:
  // Reads the API key from the variable options.api_key_env, if set. Throws core::Error if the
  // target cannot be resolved or `prompts` is empty.
  CompletionWorkload(const net::Url& target, const net::ClientOptions& client,
                     CompletionOptions options, std::vector<std::string> prompts);

  void declare(metrics::MetricSet& set) override;
  load::OperationTags tags() const override;  // "model"
  std::unique_ptr<load::VirtualUser> make_user(load::WorkerContext& ctx,
                                               std::uint64_t user_index) override;
  struct Shared;

 private:
  std::shared_ptr<Shared> shared_;
};

class AnalyzeWorkload final : public load::Workload {
 public:
  AnalyzeWorkload(const net::Url& target, const net::ClientOptions& client, AnalyzeOptions options,
                  std::vector<std::string> prompts);

  void declare(metrics::MetricSet& set) override;
  std::unique_ptr<load::VirtualUser> make_user(load::WorkerContext& ctx,
                                               std::uint64_t user_index) override;
  struct Shared;

 private:
  std::shared_ptr<Shared> shared_;
};

}  // namespace perfgate::llm
