// perfgate/llm/completion.hpp - One completion's timeline and the LLM metrics computed from it.
//
// The reader turns the bytes of an OpenAI-compatible response (an SSE stream of chunks, or one
// JSON body) into a CompletionTimeline: when the request was sent, when each non-empty content
// delta arrived, when the stream ended, and the server's own token count if it sent `usage`.
// compute_metrics() derives DESIGN.md's figures from it, exactly:
//   ttft  = first non-empty content delta - sent  (a role-only or empty first delta does not count)
//   itl   = each gap between consecutive content deltas (one sample per gap)
//   tpot  = (e2e - ttft) / (output_tokens - 1)     (needs 2+ tokens)
//   e2e   = end of the stream ([DONE]) - sent
//   output_tokens_per_s = output_tokens / e2e
// output_tokens comes from `usage` when present, else from counting content deltas. A delta that
// carries several tokens therefore cannot shrink tpot or inflate tokens/s: with usage the true
// count is used; without it, counting deltas undercounts, which errs on the slow side.
#pragma once

#include <chrono>
#include <cstdint>
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
  core::TimePoint sent;
  std::vector<core::TimePoint> content_deltas;  // arrival of each non-empty content delta
  core::TimePoint ended;
  std::optional<std::uint64_t> usage_output_tokens;  // usage.completion_tokens
  bool streamed = false;
  bool done_marker = false;  // the stream ended with "data: [DONE]"
};

enum class TokenSource { kUsage, kDeltas };

struct CompletionMetrics {
  std::optional<Nanos> ttft;
  std::vector<Nanos> itl;
  std::optional<Nanos> tpot;
  Nanos e2e{0};
  std::uint64_t output_tokens = 0;
  TokenSource token_source = TokenSource::kDeltas;
  std::optional<double> output_tokens_per_s;
};

CompletionMetrics compute_metrics(const CompletionTimeline& timeline);

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
