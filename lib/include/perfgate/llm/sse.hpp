// perfgate/llm/sse.hpp - An incremental Server-Sent Events parser (the WHATWG event-stream format).
//
// Bytes may arrive split anywhere (inside a field, between "\r" and "\n"); the parser keeps what
// it needs and emits each event once its terminating blank line has arrived. Handles "\n", "\r\n"
// and "\r" line ends, ":" comment and keep-alive lines, multi-line `data:` (joined with "\n"),
// `event:` and `id:`. A line longer than the limit is a protocol error, so a server that never
// ends a line cannot grow memory without bound.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace perfgate::llm {

struct SseEvent {
  std::string event;  // "" unless the server named it
  std::string data;
  std::string id;
};

class SseParser {
 public:
  using Handler = std::function<void(const SseEvent&)>;

  explicit SseParser(Handler on_event, std::size_t max_line = 1024 * 1024);
  // Parses `bytes`; calls the handler for every event completed by them. Returns false (and
  // ignores the rest) once a line exceeds the limit.
  bool feed(std::string_view bytes);
  // True if the bytes so far end inside an event (an unterminated line or event).
  bool mid_event() const { return !line_.empty() || !data_.empty() || has_fields_; }
  bool failed() const { return failed_; }

 private:
  void process_line();

  Handler on_event_;
  std::size_t max_line_;
  std::string line_;
  std::string data_;
  SseEvent pending_;
  bool has_data_ = false;
  bool has_fields_ = false;
  bool skip_lf_ = false;  // the last byte was "\r": a following "\n" belongs to it
  bool failed_ = false;
};

}  // namespace perfgate::llm
