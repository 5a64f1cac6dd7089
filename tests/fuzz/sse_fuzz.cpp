// sse_fuzz - The SSE parser on any bytes, split anywhere: the events do not depend on how the
// bytes were split, and a line longer than the limit fails instead of growing memory.
#include <string>
#include <vector>

#include "fuzz_check.hpp"
#include "perfgate/llm/sse.hpp"

namespace {

struct Parsed {
  std::vector<perfgate::llm::SseEvent> events;
  bool ok = true;
  bool mid_event = false;
};

constexpr std::size_t kMaxLine = 256;

Parsed parse(std::string_view bytes, std::size_t piece) {
  Parsed out;
  perfgate::llm::SseParser parser(
      [&out](const perfgate::llm::SseEvent& e) { out.events.push_back(e); }, kMaxLine);
  for (std::size_t at = 0; at < bytes.size() && out.ok; at += piece) {
    out.ok = parser.feed(bytes.substr(at, piece));
  }
  out.mid_event = parser.mid_event();
  return out;
}

bool same(const Parsed& a, const Parsed& b) {
  if (a.ok != b.ok || a.events.size() != b.events.size()) return false;
  for (std::size_t i = 0; i < a.events.size(); ++i) {
    if (a.events[i].event != b.events[i].event || a.events[i].data != b.events[i].data ||
        a.events[i].id != b.events[i].id) {
      return false;
    }
  }
  return a.ok ? a.mid_event == b.mid_event : true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // The first byte chooses the split; the rest is the stream.
  const std::size_t piece = 1 + data[0] % 17;
  const std::string_view bytes = perfgate::fuzz::text_of(data + 1, size - 1);
  const Parsed whole = parse(bytes, bytes.size() + 1);
  const Parsed split = parse(bytes, piece);
  if (whole.ok && split.ok) {
    perfgate::fuzz::check(same(whole, split), "events do not depend on how the bytes are split");
  }
  for (const auto& e : whole.events) {
    perfgate::fuzz::check(e.data.size() <= bytes.size(), "an event is no larger than the input");
  }
  return 0;
}
