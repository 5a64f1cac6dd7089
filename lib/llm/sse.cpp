// sse.cpp - Incremental Server-Sent Events parsing.
#include "perfgate/llm/sse.hpp"

namespace perfgate::llm {

SseParser::SseParser(Handler on_event, std::size_t max_line)
    : on_event_(std::move(on_event)), max_line_(max_line) {}

bool SseParser::feed(std::string_view bytes) {
  if (failed_) return false;
  for (const char c : bytes) {
    if (skip_lf_) {
      skip_lf_ = false;
      if (c == '\n') continue;
    }
    if (c == '\r' || c == '\n') {
      skip_lf_ = c == '\r';
      process_line();
      continue;
    }
    line_ += c;
    if (line_.size() > max_line_) {
      failed_ = true;
      return false;
    }
  }
  return true;
}

void SseParser::process_line() {
  if (line_.empty()) {
    // A blank line dispatches the event, if it has data (the spec drops data-less events).
    if (has_data_) {
      if (!data_.empty() && data_.back() == '\n') data_.pop_back();
      pending_.data = std::move(data_);
      on_event_(pending_);
    }
    pending_ = SseEvent{};
    data_.clear();
    has_data_ = has_fields_ = false;
    return;
  }
  if (line_.front() == ':') {  // a comment, often a keep-alive
    line_.clear();
    return;
  }
  const std::size_t colon = line_.find(':');
  const std::string_view field = std::string_view(line_).substr(0, colon);
  std::string_view value;
  if (colon != std::string::npos) {
    value = std::string_view(line_).substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (field == "data") {
    data_.append(value);
    data_ += '\n';
    has_data_ = true;
  } else if (field == "event") {
    pending_.event = std::string(value);
  } else if (field == "id") {
    pending_.id = std::string(value);
  }
  has_fields_ = true;
  line_.clear();
}

}  // namespace perfgate::llm
