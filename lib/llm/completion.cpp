// completion.cpp - Completion timelines: reading streams and bodies, computing LLM metrics.
#include "perfgate/llm/completion.hpp"

#include <nlohmann/json.hpp>

namespace perfgate::llm {

using metrics::ErrorKind;
using nlohmann::json;

namespace {

// What a chunk (or a whole body) carries of the output.
struct Output {
  bool reasoning = false;  // non-empty reasoning_content (vLLM, DeepSeek) or reasoning
  bool answer = false;     // non-empty content or text, or a tool call
};

bool non_empty_string(const json& holder, const char* key) {
  const auto it = holder.find(key);
  return it != holder.end() && it->is_string() && !it->get_ref<const std::string&>().empty();
}

Output output_of(const json& j, Endpoint endpoint, bool streamed) {
  Output out;
  const auto choices = j.find("choices");
  if (choices == j.end() || !choices->is_array() || choices->empty()) return out;
  const json& choice = (*choices)[0];
  if (!choice.is_object()) return out;
  if (endpoint == Endpoint::kCompletions) {
    out.answer = non_empty_string(choice, "text");
    return out;
  }
  const auto holder = choice.find(streamed ? "delta" : "message");
  if (holder == choice.end() || !holder->is_object()) return out;
  out.reasoning =
      non_empty_string(*holder, "reasoning_content") || non_empty_string(*holder, "reasoning");
  const auto calls = holder->find("tool_calls");
  out.answer = non_empty_string(*holder, "content") ||
               (calls != holder->end() && calls->is_array() && !calls->empty());
  return out;
}

std::optional<std::uint64_t> count_in(const json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end() || !it->is_number_unsigned()) return std::nullopt;
  return it->get<std::uint64_t>();
}

// usage.completion_tokens, and usage.completion_tokens_details.reasoning_tokens.
void read_usage(const json& j, CompletionTimeline& t) {
  const auto usage = j.find("usage");
  if (usage == j.end() || !usage->is_object()) return;
  if (auto tokens = count_in(*usage, "completion_tokens")) t.usage_output_tokens = tokens;
  const auto details = usage->find("completion_tokens_details");
  if (details != usage->end() && details->is_object()) {
    if (auto r = count_in(*details, "reasoning_tokens")) t.usage_reasoning_tokens = r;
  }
}

std::string error_message(const json& j) {
  const json& e = j.at("error");
  if (e.is_object() && e.contains("message") && e["message"].is_string()) {
    return e["message"].get<std::string>();
  }
  return e.dump();
}

}  // namespace

CompletionMetrics compute_metrics(const CompletionTimeline& t) {
  CompletionMetrics m;
  m.e2e = t.ended - t.sent;
  const std::uint64_t deltas = t.output_deltas.size();
  if (t.usage_output_tokens) {
    m.output_tokens = *t.usage_output_tokens;
    m.token_source = TokenSource::kUsage;
  } else {
    m.output_tokens = deltas;
    m.token_source = TokenSource::kDeltas;
  }
  m.reasoning_tokens = t.usage_reasoning_tokens;
  if (t.streamed) {  // a whole body arrives at once: it has no first token to time
    if (deltas > 0) m.ttft = t.output_deltas.front() - t.sent;
    if (t.first_answer) m.ttfo = *t.first_answer - t.sent;
    for (std::size_t i = 1; i < deltas; ++i)
      m.itl.push_back(t.output_deltas[i] - t.output_deltas[i - 1]);
    if (m.ttft && m.output_tokens >= 2) {
      m.tpot = (m.e2e - *m.ttft) / static_cast<std::int64_t>(m.output_tokens - 1);
    }
  }
  if (m.e2e.count() > 0 && m.output_tokens > 0) {
    m.output_tokens_per_s =
        static_cast<double>(m.output_tokens) / std::chrono::duration<double>(m.e2e).count();
  }
  return m;
}

bool meets_slo(const CompletionMetrics& m, const std::map<std::string, Nanos>& slo) {
  const auto within = [](const std::optional<Nanos>& figure, Nanos limit) {
    return figure.has_value() && *figure <= limit;
  };
  for (const auto& [metric, limit] : slo) {
    if (metric == "ttft" && !within(m.ttft, limit)) return false;
    if (metric == "ttfo" && !within(m.ttfo, limit)) return false;
    if (metric == "tpot" && !within(m.tpot, limit)) return false;
    if (metric == "e2e" && m.e2e > limit) return false;
    if (metric == "itl") {
      for (const Nanos gap : m.itl) {
        if (gap > limit) return false;
      }
    }
  }
  return true;
}

StreamReader::StreamReader(Endpoint endpoint, core::TimePoint sent)
    : endpoint_(endpoint), parser_([this](const SseEvent& e) { on_event(e); }) {
  timeline_.sent = sent;
  timeline_.ended = sent;
  timeline_.streamed = true;
}

void StreamReader::feed(std::string_view bytes, core::TimePoint at) {
  now_ = at;
  timeline_.ended = at;
  if (error_ != ErrorKind::kNone) return;
  if (!parser_.feed(bytes)) {
    error_ = ErrorKind::kProtocol;
    detail_ = "an event-stream line exceeds the size limit";
  }
}

void StreamReader::on_event(const SseEvent& event) {
  if (error_ != ErrorKind::kNone) return;
  if (timeline_.done_marker) return;  // nothing after [DONE] counts
  if (event.data == "[DONE]") {
    timeline_.done_marker = true;
    timeline_.ended = now_;
    return;
  }
  const json j = json::parse(event.data, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    error_ = ErrorKind::kProtocol;
    detail_ = "event data is not a JSON object: " + event.data.substr(0, 80);
    return;
  }
  if (j.contains("error")) {
    error_ = ErrorKind::kProtocol;
    detail_ = "the server sent an error in the stream: " + error_message(j);
    return;
  }
  const Output out = output_of(j, endpoint_, true);
  if (out.reasoning || out.answer) timeline_.output_deltas.push_back(now_);
  if (out.answer && !timeline_.first_answer) timeline_.first_answer = now_;
  read_usage(j, timeline_);
}

ErrorKind StreamReader::finish(core::TimePoint at) {
  if (!timeline_.done_marker) timeline_.ended = at;
  if (error_ != ErrorKind::kNone) return error_;
  if (!timeline_.done_marker) {
    detail_ = parser_.mid_event() ? "the stream ended inside an event"
                                  : "the stream ended without [DONE]";
    return ErrorKind::kClosedEarly;
  }
  return ErrorKind::kNone;
}

ErrorKind read_completion_body(Endpoint endpoint, std::string_view body, core::TimePoint sent,
                               core::TimePoint ended, CompletionTimeline& t, std::string& detail) {
  t = CompletionTimeline{};
  t.sent = sent;
  t.ended = ended;
  const json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    detail = "the response is not a JSON object";
    return ErrorKind::kProtocol;
  }
  if (j.contains("error")) {
    detail = "the server answered with an error: " + error_message(j);
    return ErrorKind::kProtocol;
  }
  const Output out = output_of(j, endpoint, false);
  if (out.reasoning || out.answer) t.output_deltas.push_back(ended);
  if (out.answer) t.first_answer = ended;
  read_usage(j, t);
  return ErrorKind::kNone;
}

}  // namespace perfgate::llm
