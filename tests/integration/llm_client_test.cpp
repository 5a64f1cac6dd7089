// llm_client_test - Integration tests for lib/llm over real sockets: streamed and whole
// completions against the reference service's simulated models, and servers that cut a stream,
// stall in the middle of one, send garbage or an error object: each counted as its kind, none
// hangs.
#include <gtest/gtest.h>

#include "perfgate/llm/workload.hpp"
#include "process.hpp"
#include "scripted_server.hpp"

namespace perfgate::llm {
namespace {

using namespace std::chrono_literals;

metrics::RunResult run_requests(const std::string& url, CompletionOptions o, std::uint64_t requests,
                                std::chrono::nanoseconds timeout = 10s) {
  net::ClientOptions client;
  client.request_timeout = timeout;
  CompletionWorkload workload(net::Url::parse(url), client, std::move(o),
                              {"Say something about latency."});
  load::LoadProfile p;
  p.plan = load::StagePlan::constant(1, 60s);
  p.iterations = requests;
  p.threads = 1;
  metrics::MetricSet set;
  const auto outcome = load::run(workload, p, set);
  metrics::RunResult r = metrics::collect(set, outcome.recorder, outcome.steady_seconds);
  r.duration_s = outcome.duration_s;
  return r;
}

const metrics::Histogram& h(const metrics::RunResult& r, const std::string& key) {
  return r.histograms.at(key);
}

TEST(LlmClientTest, StreamedChatAgainstTheReferenceModels) {
  testing::ReferenceService service;
  CompletionOptions o;
  o.models = {"claude-3"};  // 2 tokens per delta, 8 ms per token, ttft 50-60 ms
  o.max_tokens = 8;
  const auto r = run_requests(service.url(), o, 5);
  ASSERT_EQ(r.failed, 0u) << r.to_json()["errors"].dump();
  EXPECT_EQ(h(r, "ttft").count(), 5u);
  EXPECT_EQ(h(r, "itl").count(), 15u);             // 4 deltas each: 3 gaps
  EXPECT_EQ(r.counters.at("output_tokens"), 40u);  // from usage: 8 each, not 4 deltas
  EXPECT_EQ(r.counters.at("requests_tokens_from_usage"), 5u);
  // Lower bounds the server's timers guarantee (no upper bounds: no speed assertion).
  EXPECT_GE(h(r, "ttft").min(), 50'000'000);
  EXPECT_GE(h(r, "tpot").min(), 6'500'000);  // (e2e - ttft) / 7 >= 3 gaps of 16 ms / 7
}

TEST(LlmClientTest, WithoutUsageTokensAreCountedFromDeltas) {
  testing::ReferenceService service;
  CompletionOptions o;
  o.models = {"claude-3"};
  o.max_tokens = 8;
  o.include_usage = false;
  const auto r = run_requests(service.url(), o, 3);
  ASSERT_EQ(r.failed, 0u);
  EXPECT_EQ(r.counters.at("output_tokens"), 12u);  // 4 deltas each, undercounting 2-token deltas
  EXPECT_EQ(r.counters.at("requests_tokens_from_deltas"), 3u);
}

TEST(LlmClientTest, WholeCompletionsAndTheCompletionsEndpoint) {
  testing::ReferenceService service;
  CompletionOptions o;
  o.models = {"gemini-pro"};
  o.stream = false;
  o.endpoint = Endpoint::kCompletions;
  o.max_tokens = 6;
  const auto r = run_requests(service.url(), o, 3);
  ASSERT_EQ(r.failed, 0u) << r.to_json()["errors"].dump();
  EXPECT_EQ(r.counters.at("output_tokens"), 18u);
  EXPECT_EQ(h(r, "e2e").count(), 3u);
  // A whole answer has no first token to time, and no deltas.
  EXPECT_EQ(r.histograms.count("ttft"), 0u);
  EXPECT_EQ(r.histograms.count("itl"), 0u);
}

TEST(LlmClientTest, UnknownModelIsA4xx) {
  testing::ReferenceService service;
  CompletionOptions o;
  o.models = {"no-such-model"};
  const auto r = run_requests(service.url(), o, 2);
  EXPECT_EQ(r.errors.at("status_4xx"), 2u);
}

const std::string kDelta = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"}}]}\n\n";

struct MisbehavingServer {
  std::string name;
  std::string reply;
  testing::ScriptedServer::After after;
  std::string kind;
};

void PrintTo(const MisbehavingServer& m, std::ostream* os) { *os << m.name; }

class MisbehavingServerTest : public ::testing::TestWithParam<MisbehavingServer> {};

TEST_P(MisbehavingServerTest, IsCountedAsItsKindAndNeverHangs) {
  testing::ScriptedServer server(GetParam().reply, GetParam().after);
  const auto r = run_requests(server.url(), CompletionOptions{}, 2, /*timeout=*/500ms);
  EXPECT_EQ(r.failed, 2u);
  ASSERT_EQ(r.errors.count(GetParam().kind), 1u) << r.to_json()["errors"].dump();
  EXPECT_EQ(r.errors.at(GetParam().kind), 2u) << r.to_json()["errors"].dump();
  EXPECT_LT(r.duration_s, 10.0);  // bounded by the request timeout, not the server
}

using After = testing::ScriptedServer::After;
INSTANTIATE_TEST_SUITE_P(
    Servers, MisbehavingServerTest,
    ::testing::Values(
        MisbehavingServer{"ClosesMidStream",
                          testing::sse_head() + testing::http_chunk(kDelta + "data: {\"ch"),
                          After::kClose, "closed_early"},
        MisbehavingServer{"StallsMidStream", testing::sse_head() + testing::http_chunk(kDelta),
                          After::kStall, "timeout"},
        MisbehavingServer{"EndsWithoutDone",
                          testing::sse_head() + testing::http_chunk(kDelta) + "0\r\n\r\n",
                          After::kKeepAlive, "closed_early"},
        MisbehavingServer{
            "ErrorObjectInStream",
            testing::sse_head() +
                testing::http_chunk(kDelta + "data: {\"error\":{\"message\":\"overloaded\"}}\n\n") +
                "0\r\n\r\n",
            After::kKeepAlive, "protocol"},
        MisbehavingServer{"GarbageInsteadOfHttp", "\x16\x03\x01 this is not HTTP at all\r\n\r\n",
                          After::kClose, "protocol"},
        MisbehavingServer{"InvalidChunkedEncoding", testing::sse_head() + "zz\r\nnot a chunk\r\n",
                          After::kClose, "protocol"}),
    [](const ::testing::TestParamInfo<MisbehavingServer>& info) { return info.param.name; });

}  // namespace
}  // namespace perfgate::llm
