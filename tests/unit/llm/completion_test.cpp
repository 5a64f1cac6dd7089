// completion_test - Unit tests for lib/llm/completion.cpp: exact ttft/itl/tpot/e2e from synthetic
// timestamps, multi-token deltas, empty first deltas, and every kind of broken stream.
#include "perfgate/llm/completion.hpp"

#include <gtest/gtest.h>

namespace perfgate::llm {
namespace {

using namespace std::chrono_literals;
using metrics::ErrorKind;

const core::TimePoint t0{};

std::string chunk(std::string_view content) {
  return "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + std::string(content) +
         "\"}}]}\n\n";
}
const std::string kRoleOnly =
    "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n";
const std::string kDone = "data: [DONE]\n\n";
std::string usage(int tokens) {
  return "data: {\"choices\":[],\"usage\":{\"completion_tokens\":" + std::to_string(tokens) +
         "}}\n\n";
}

TEST(CompletionMetricsTest, ExactFiguresFromTimestamps) {
  CompletionTimeline t;
  t.sent = t0;
  t.streamed = true;
  t.output_deltas = {t0 + 100ms, t0 + 120ms, t0 + 150ms};
  t.ended = t0 + 160ms;
  t.usage_output_tokens = 3;
  const CompletionMetrics m = compute_metrics(t);
  EXPECT_EQ(m.ttft, 100ms);
  ASSERT_EQ(m.itl.size(), 2u);
  EXPECT_EQ(m.itl[0], 20ms);
  EXPECT_EQ(m.itl[1], 30ms);
  EXPECT_EQ(m.tpot, 30ms);  // (160 - 100) / (3 - 1)
  EXPECT_EQ(m.e2e, 160ms);
  EXPECT_EQ(m.output_tokens, 3u);
  EXPECT_EQ(m.token_source, TokenSource::kUsage);
  EXPECT_DOUBLE_EQ(*m.output_tokens_per_s, 3 / 0.16);
}

TEST(CompletionMetricsTest, MultiTokenDeltasNeitherShrinkTpotNorInflateTokensPerSecond) {
  // Two deltas of two tokens each.
  CompletionTimeline t;
  t.sent = t0;
  t.streamed = true;
  t.output_deltas = {t0 + 100ms, t0 + 140ms};
  t.ended = t0 + 150ms;
  t.usage_output_tokens = 4;
  const CompletionMetrics with_usage = compute_metrics(t);
  EXPECT_EQ(with_usage.tpot->count(), std::chrono::nanoseconds(50ms).count() / 3);  // 4 tokens
  EXPECT_DOUBLE_EQ(*with_usage.output_tokens_per_s, 4 / 0.15);
  t.usage_output_tokens.reset();
  const CompletionMetrics counted = compute_metrics(t);
  EXPECT_EQ(counted.token_source, TokenSource::kDeltas);
  EXPECT_EQ(counted.output_tokens, 2u);
  EXPECT_EQ(counted.tpot, 50ms);  // slower than the truth, never faster
  EXPECT_LT(*counted.output_tokens_per_s, *with_usage.output_tokens_per_s);
}

TEST(CompletionMetricsTest, NoTpotForOneTokenOrUnstreamedAnswers) {
  CompletionTimeline t;
  t.sent = t0;
  t.streamed = true;
  t.output_deltas = {t0 + 10ms};
  t.ended = t0 + 12ms;
  EXPECT_FALSE(compute_metrics(t).tpot.has_value());
  t.streamed = false;
  t.usage_output_tokens = 50;
  const CompletionMetrics m = compute_metrics(t);
  EXPECT_FALSE(m.tpot.has_value());
  EXPECT_TRUE(m.itl.empty());
  // A whole body arrives at once: it has no first token, so no ttft (it is not e2e).
  EXPECT_FALSE(m.ttft.has_value());
}

std::string delta(std::string_view key, std::string_view text) {
  return "data: {\"choices\":[{\"index\":0,\"delta\":{\"" + std::string(key) + "\":\"" +
         std::string(text) + "\"}}]}\n\n";
}

// A reasoning model: ttft is its first token of any kind, ttfo the answer's first; itl spans
// every delta; tpot divides by all output tokens (reasoning included, as usage counts them).
TEST(StreamReaderTest, ReasoningCountsAsOutputAndTtfoMarksTheAnswer) {
  StreamReader r(Endpoint::kChat, t0);
  r.feed(kRoleOnly, t0 + 5ms);
  r.feed(delta("reasoning_content", "Let me"), t0 + 20ms);
  r.feed(delta("reasoning", " think"), t0 + 30ms);  // the other name servers use
  r.feed(chunk("Hi"), t0 + 50ms);
  r.feed(chunk("!"), t0 + 60ms);
  r.feed(
      "data: {\"choices\":[],\"usage\":{\"completion_tokens\":10,"
      "\"completion_tokens_details\":{\"reasoning_tokens\":6}}}\n\n" +
          kDone,
      t0 + 70ms);
  ASSERT_EQ(r.finish(t0 + 71ms), ErrorKind::kNone);
  const CompletionMetrics m = compute_metrics(r.timeline());
  EXPECT_EQ(m.ttft, 20ms);
  EXPECT_EQ(m.ttfo, 50ms);
  ASSERT_EQ(m.itl.size(), 3u);
  EXPECT_EQ(m.itl[0], 10ms);
  EXPECT_EQ(m.itl[1], 20ms);
  EXPECT_EQ(m.itl[2], 10ms);
  EXPECT_EQ(m.output_tokens, 10u);
  EXPECT_EQ(m.tpot->count(), std::chrono::nanoseconds(50ms).count() / 9);  // (70 - 20) / 9
  EXPECT_EQ(m.reasoning_tokens, 6u);
}

// An answer that is only a tool call still has its first token.
TEST(StreamReaderTest, AToolCallIsOutput) {
  StreamReader r(Endpoint::kChat, t0);
  r.feed(kRoleOnly, t0 + 5ms);
  r.feed(
      "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,"
      "\"function\":{\"name\":\"lookup\",\"arguments\":\"\"}}]}}]}\n\n",
      t0 + 30ms);
  r.feed(kDone, t0 + 40ms);
  ASSERT_EQ(r.finish(t0 + 41ms), ErrorKind::kNone);
  const CompletionMetrics m = compute_metrics(r.timeline());
  EXPECT_EQ(m.ttft, 30ms);
  EXPECT_EQ(m.ttfo, 30ms);
}

// A figure a request does not have fails its SLO limit: a one-token answer (no tpot) or a
// non-streamed one (no ttft) cannot be shown to meet a tpot or ttft SLO.
TEST(CompletionMetricsTest, AMissingFigureFailsItsSlo) {
  CompletionMetrics m;
  m.e2e = 100ms;
  m.ttft = 40ms;
  EXPECT_TRUE(meets_slo(m, {{"ttft", 50ms}, {"e2e", 200ms}}));
  EXPECT_FALSE(meets_slo(m, {{"tpot", 50ms}}));
  EXPECT_FALSE(meets_slo(m, {{"ttfo", 50ms}}));
  m.tpot = 10ms;
  EXPECT_TRUE(meets_slo(m, {{"tpot", 50ms}}));
  m.ttft.reset();
  EXPECT_FALSE(meets_slo(m, {{"ttft", 50ms}}));
}

TEST(StreamReaderTest, TtftSkipsTheEmptyRoleDelta) {
  StreamReader r(Endpoint::kChat, t0);
  r.feed(kRoleOnly, t0 + 5ms);
  r.feed(chunk("Hi"), t0 + 80ms);
  r.feed(chunk(" there") + chunk("!"), t0 + 95ms);  // two deltas read together
  r.feed(usage(3) + kDone, t0 + 100ms);
  EXPECT_EQ(r.finish(t0 + 101ms), ErrorKind::kNone);
  const CompletionMetrics m = compute_metrics(r.timeline());
  EXPECT_EQ(m.ttft, 80ms);
  EXPECT_EQ(m.e2e, 100ms);  // to [DONE], not to the end of the body
  ASSERT_EQ(m.itl.size(), 2u);
  EXPECT_EQ(m.itl[0], 15ms);
  EXPECT_EQ(m.itl[1], 0ms);
  EXPECT_EQ(m.output_tokens, 3u);
}

TEST(StreamReaderTest, CompletionsEndpointReadsText) {
  StreamReader r(Endpoint::kCompletions, t0);
  r.feed("data: {\"choices\":[{\"text\":\"\"}]}\n\ndata: {\"choices\":[{\"text\":\"ok\"}]}\n\n" +
             kDone,
         t0 + 7ms);
  EXPECT_EQ(r.finish(t0 + 8ms), ErrorKind::kNone);
  EXPECT_EQ(r.timeline().output_deltas.size(), 1u);
}

struct Broken {
  std::string name;
  std::string bytes;
  ErrorKind kind;
};

void PrintTo(const Broken& b, std::ostream* os) { *os << b.name; }

class BrokenStreamTest : public ::testing::TestWithParam<Broken> {};

TEST_P(BrokenStreamTest, EndsAsAnErrorOfTheRightKind) {
  StreamReader r(Endpoint::kChat, t0);
  r.feed(GetParam().bytes, t0 + 1ms);
  EXPECT_EQ(r.finish(t0 + 2ms), GetParam().kind) << r.detail();
  EXPECT_FALSE(r.detail().empty());
}

INSTANTIATE_TEST_SUITE_P(
    Streams, BrokenStreamTest,
    ::testing::Values(
        Broken{"Truncated", chunk("a") + "data: {\"choi", ErrorKind::kClosedEarly},
        Broken{"NoDone", chunk("a") + chunk("b"), ErrorKind::kClosedEarly},
        Broken{"InvalidJson", chunk("a") + "data: {not json}\n\n" + kDone, ErrorKind::kProtocol},
        Broken{"ServerError",
               chunk("a") +
                   "data: {\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}\n\n",
               ErrorKind::kProtocol},
        Broken{"Empty", "", ErrorKind::kClosedEarly},
        Broken{"Garbage", std::string(2 * 1024 * 1024, 'x'), ErrorKind::kProtocol}),
    [](const ::testing::TestParamInfo<Broken>& info) { return info.param.name; });

TEST(CompletionBodyTest, ReadsPlainResponsesAndErrors) {
  CompletionTimeline t;
  std::string detail;
  EXPECT_EQ(read_completion_body(
                Endpoint::kChat,
                R"({"choices":[{"message":{"content":"hi"}}],"usage":{"completion_tokens":1}})", t0,
                t0 + 40ms, t, detail),
            ErrorKind::kNone);
  EXPECT_FALSE(compute_metrics(t).ttft.has_value());  // not streamed: no first token
  EXPECT_EQ(compute_metrics(t).e2e, 40ms);
  EXPECT_EQ(compute_metrics(t).output_tokens, 1u);
  EXPECT_EQ(read_completion_body(Endpoint::kChat, "<html>", t0, t0, t, detail),
            ErrorKind::kProtocol);
  EXPECT_EQ(
      read_completion_body(Endpoint::kChat, R"({"error":{"message":"no"}})", t0, t0, t, detail),
      ErrorKind::kProtocol);
}

}  // namespace
}  // namespace perfgate::llm
