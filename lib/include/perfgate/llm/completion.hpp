// perfgate/llm/completion.hpp - One completion's timeline and the LLM metrics computed from it.
//
// The reader turns the bytes of an OpenAI-compatible response (an SSE stream of chunks, or one
// JSON body) into a CompletionTimeline: when the request started, when each non-empty output
// delta arrived (reasoning, content or tool call), when the first answer delta (content or tool
// call) arrived, when the stream ended, and the server's own token counts if it sent `usage`.
// compute_metrics() derives the figures from it exactly, as GuideLLM and AIPerf define them for
// reasoning models:
//   ttft  = first non-empty output delta of any kind - start (a role-only or empty delta does
//           not count; reasoning_content / reasoning and tool_calls deltas do)
//   ttfo  = first content or tool-call delta - start: the first token of the answer, after any
//           reasoning
//   itl   = each gap between consecutive output deltas of any kind (one sample per gap)
//   tpot  = (e2e - ttft) / (output_tokens - 1)     (needs 2+ tokens)
//   e2e   = end of the stream ([DONE]) - start
//   output_tokens_per_s = output_tokens / e2e
//   reasoning_tokens = usage.completion_tokens_details.reasoning_tokens, when the server sends it
// output_tokens (reasoning included) comes from `usage` when present, else from counting output
// deltas. A delta that carries several tokens therefore cannot shrink tpot or inflate tokens/s:
// with usage the true count is used; without it, counting deltas undercounts, which errs on the
// slow side. `start` is the request's intended start in open loop (its queue wait included, as
// in `latency`), its send in closed loop. A non-streamed answer has no first token to time: no
// ttft, ttfo, itl or tpot.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "perfgate/core/clock.hpp"
#include "perfgate/llm/sse.hpp"
#include "perfgate/metrics/error_kind.hpp"

namespace perfgate::llm {

using Nanos = std::chrono::nanoseconds;

enum class Endpoint {
  kChat,         // POST /v1/chat/completions: choices[0].delta.content
  kCompletions,  // POST /v1/completions: choices[0].text
};

struct CompletionTimeline {
  core::TimePoint sent;  // the request's start (see above)
  // Arrival of each non-empty output delta: reasoning, content or tool call.
  std::vector<core::TimePoint> output_deltas;
  // Arrival of the first content or tool-call delta (absent for an answer of reasoning only).
  std::optional<core::TimePoint> first_answer;
  core::TimePoint ended;
  std::optional<std::uint64_t> usage_output_tokens;     // usage.completion_tokens
  std::optional<std::uint64_t> usage_reasoning_tokens;  // ...completion_tokens_details
  bool streamed = false;
  bool done_marker = false;  // the stream ended with "data: [DONE]"
};

enum class TokenSource { kUsage, kDeltas };

struct CompletionMetrics {
  std::optional<Nanos> ttft;
  std::optional<Nanos> ttfo;
  std::optional<std::uint64_t> reasoning_tokens;
  std::vector<Nanos> itl;
  std::optional<Nanos> tpot;
  Nanos e2e{0};
  std::uint64_t output_tokens = 0;
  TokenSource token_source = TokenSource::kDeltas;
  std::optional<double> output_tokens_per_s;
};

CompletionMetrics compute_metrics(const CompletionTimeline& timeline);

// Whether a request meets every per-request limit of a goodput SLO ("ttft", "ttfo", "tpot",
// "e2e", "itl" to a limit). A figure the request does not have (no tpot for a one-token answer,
// no ttft for a non-streamed one) fails its limit: what cannot be shown met is not met.
bool meets_slo(const CompletionMetrics& m, const std::map<std::string, Nanos>& slo);

// Reads one streamed completion as its bytes arrive. Never throws; a broken stream ends as an
// error kind: `protocol` (a line too long, data that is not JSON, an error object from the
// server), `closed_early` (the body ended before "data: [DONE]" or inside an event).
class StreamReader {
 public:
  StreamReader(Endpoint endpoint, core::TimePoint sent);
  // Feeds body bytes read at `at`.
  void feed(std::string_view bytes, core::TimePoint at);
  // The body ended at `at`; returns how the stream ended (kNone: complete and well formed).
  metrics::ErrorKind finish(core::TimePoint at);
  const CompletionTimeline& timeline() const { return timeline_; }
  // What went wrong, for logs (the server's error message, the parse error).
  const std::string& detail() const { return detail_; }

 private:
  void on_event(const SseEvent& event);

  Endpoint endpoint_;
  CompletionTimeline timeline_;
  SseParser parser_;
  core::TimePoint now_;
  metrics::ErrorKind error_ = metrics::ErrorKind::kNone;
  std::string detail_;
};

// Reads a non-streamed completion (one JSON body) received in full at `ended`.
metrics::ErrorKind read_completion_body(Endpoint endpoint, std::string_view body,
                                        core::TimePoint sent, core::TimePoint ended,
                                        CompletionTimeline& timeline, std::string& detail);

}  // namespace perfgate::llm
