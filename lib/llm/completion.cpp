// completion.cpp - Completion timelines: reading streams and bodies, computing LLM metrics.
#include "perfgate/llm/completion.hpp"

#include <nlohmann/json.hpp>

namespace perfgate::llm {

using metrics::ErrorKind;
using nlohmann::json;

namespace {

// The content text of a chunk or body, empty if it has none.
std::string_view content_of(const json& j, Endpoint endpoint, bool streamed) {
  const auto choices = j.find("choices");
  if (choices == j.end() || !choices->is_array() || choices->empty()) return {};
  const json& choice = (*choices)[0];
  const json* text = nullptr;
  if (endpoint == Endpoint::kCompletions) {
    if (auto t = choice.find("text"); t != choice.end()) text = &*t;
  } else {
    const auto holder = choice.find(streamed ? "delta" : "message");
    if (holder != choice.end() && holder->is_object()) {
      if (auto c = holder->find("content"); c != holder->end()) text = &*c;
    }
  }
  if (text == nullptr || !text->is_string()) return {};
  return text->get_ref<const std::string&>();
}

std::optional<std::uint64_t> usage_of(const json& j) {
  const auto usage = j.find("usage");
  if (usage == j.end() || !usage->is_object()) return std::nullopt;
  const auto tokens = usage->find("completion_tokens");
  if (tokens == usage->end() || !tokens->is_number_unsigned()) return std::nullopt;
  return tokens->get<std::uint64_t>();
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
  const std::uint64_t deltas = t.content_deltas.size();
  if (t.usage_output_tokens) {
    m.output_tokens = *t.usage_output_tokens;
    m.token_source = TokenSource::kUsage;
  } else {
    m.output_tokens = deltas;
    m.token_source = TokenSource::kDeltas;
  }
  if (deltas > 0) m.ttft = t.content_deltas.front() - t.sent;
  if (t.streamed) {
    for (std::size_t i = 1; i < deltas; ++i)
      m.itl.push_back(t.content_deltas[i] - t.content_deltas[i - 1]);
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
  if (!content_of(j, endpoint_, true).empty()) timeline_.content_deltas.push_back(now_);
  if (auto tokens = usage_of(j)) timeline_.usage_output_tokens = tokens;
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
  if (!content_of(j, endpoint, false).empty()) t.content_deltas.push_back(ended);
  t.usage_output_tokens = usage_of(j);
  return ErrorKind::kNone;
}

}  // namespace perfgate::llm
