// ai_response_time_suite - How fast AI endpoints answer under load, measured as LLM-serving people
// measure it (TTFT, ITL, TPOT, e2e, tokens/s, goodput). Loads, models, prompts and limits:
// thresholds/ai_response_time.json; prompts: fixtures/ai/prompts.jsonl.
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "perfgate/gtest/matchers.hpp"
#include "perfgate/gtest/suite.hpp"
#include "perfgate/http/flow.hpp"
#include "perfgate/llm/options.hpp"
#include "perfgate/llm/workload.hpp"

namespace perfgate::suites::ai_response_time {
namespace {

using http::RequestSpec;

const llm::PromptSet& prompts() {
  static const llm::PromptSet set = [] {
    const char* path = std::getenv("PERFGATE_PROMPTS");
    return llm::PromptSet::load(path != nullptr && *path != '\0' ? path : PERFGATE_PROMPTS_FILE);
  }();
  return set;
}

// The scenario's completion options, with the target's own model names and key variable when its
// targets entry names them (so the suite runs against any OpenAI-compatible server).
llm::CompletionOptions completion_options(const config::ScenarioConfig& sc,
                                          const config::Target& ai) {
  llm::CompletionOptions o = config::parse_workload(sc, llm::parse_completion_options);
  for (std::size_t i = 0; i < o.models.size() && !ai.models.empty(); ++i) {
    o.models[i] = ai.models[i % ai.models.size()];
  }
  if (!ai.api_key_env.empty()) o.api_key_env = ai.api_key_env;
  return o;
}

// Every scenario's workload is checked before any load is sent.
void check_workload(const config::ScenarioConfig& sc, const config::Targets& /*targets*/) {
  const std::string kind = config::parse_workload(sc, llm::workload_kind);
  const std::string category =
      kind == "completion" ? config::parse_workload(sc, llm::parse_completion_options).prompts
                           : config::parse_workload(sc, llm::parse_analyze_options).prompts;
  try {
    prompts().of(category);
  } catch (const core::Error& e) {
    throw config::ConfigError(sc.file, "/scenarios/" + sc.name + "/workload/prompts", e.what());
  }
}

class AiResponseTime : public gtest::SuiteTest {
 protected:
  metrics::RunResult run_completions(const std::string& name) {
    return run(name, [&] {
      const llm::CompletionOptions o = completion_options(scenario(name), target("ai"));
      return std::make_unique<llm::CompletionWorkload>(url("ai"), client_options(name, "ai"), o,
                                                       prompts().of(o.prompts));
    });
  }
  metrics::RunResult run_analysis(const std::string& name) {
    const llm::AnalyzeOptions o =
        config::parse_workload(scenario(name), llm::parse_analyze_options);
    return run(name, [&] {
      return std::make_unique<llm::AnalyzeWorkload>(url("ai"), client_options(name, "ai"), o,
                                                    prompts().of(o.prompts));
    });
  }
};

// One request at a time: a short analysis and a short, whole (unstreamed) completion in turn.
TEST_F(AiResponseTime, SingleRequest) {
  const llm::CompletionOptions o = completion_options(scenario("single_request"), target("ai"));
  const std::string prompt = prompts().of(o.prompts).front();
  const nlohmann::json completion = {{"model", o.models.front()},
                                     {"max_tokens", o.max_tokens},
                                     {"messages", {{{"role", "user"}, {"content", prompt}}}}};
  const nlohmann::json analysis = {{"text", prompt}, {"analysis", "sentiment"}};
  RequestSpec complete = RequestSpec::post("/v1/chat/completions").json(completion.dump());
  if (const char* key = std::getenv(o.api_key_env.c_str()); key != nullptr && *key != '\0') {
    complete.bearer(key);
  }
  http::Flow flow;
  flow.behaviours = {{"analysis", 1, {RequestSpec::post("/analyze/text").json(analysis.dump())}},
                     {"completion", 1, {complete}}};
  EXPECT_MEETS_THRESHOLDS(run("single_request", [&] {
    return std::make_unique<http::FlowWorkload>(url("ai"), client_options("single_request", "ai"),
                                                flow);
  }));
}

// N users streaming completions at once: latency and errors as concurrency queues requests.
TEST_F(AiResponseTime, ConcurrentRequests) {
  EXPECT_MEETS_THRESHOLDS(run_completions("concurrent_requests"));
}

// An open-loop arrival rate: achieved requests/s and output tokens/s.
TEST_F(AiResponseTime, Throughput) { EXPECT_MEETS_THRESHOLDS(run_completions("throughput")); }

// Long prompts and long answers: e2e and time per output token.
TEST_F(AiResponseTime, ComplexQuery) { EXPECT_MEETS_THRESHOLDS(run_completions("complex_query")); }

// Batches of texts to analyse: per-batch latency and cost per item.
TEST_F(AiResponseTime, BatchProcessing) {
  EXPECT_MEETS_THRESHOLDS(run_analysis("batch_processing"));
}

// Poisson arrivals of streamed chats: TTFT, ITL, TPOT, e2e and goodput against the SLOs.
TEST_F(AiResponseTime, StreamingChat) {
  EXPECT_MEETS_THRESHOLDS(run_completions("streaming_chat"));
}

// The highest arrival rate of streamed chats at which every threshold holds (nightly: a capacity
// search; ci: one run at a fixed rate).
TEST_F(AiResponseTime, Capacity) { EXPECT_MEETS_THRESHOLDS(run_completions("capacity")); }

// Requests moving between models: the first request after a move against warm ones. Last, as
// it leaves the server with other models loaded than the scenarios above use.
TEST_F(AiResponseTime, ModelSwitching) {
  EXPECT_MEETS_THRESHOLDS(run_completions("model_switching"));
}

}  // namespace
}  // namespace perfgate::suites::ai_response_time

PERFGATE_SUITE_MAIN_CHECKED("ai_response_time", perfgate::suites::ai_response_time::check_workload,
                            "ai")
