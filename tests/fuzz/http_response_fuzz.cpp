// http_response_fuzz - The HTTP client's response parser on any bytes, split anywhere, answering
// GET or HEAD: it never reads past its input, never hands over more body than its limit, and
// gives the same answer whatever the split. Up to four responses per input, as on a keep-alive
// connection.
#include <string>

#include "fuzz_check.hpp"
#include "perfgate/net/response_reader.hpp"

namespace {

using perfgate::net::ResponseReader;

constexpr perfgate::net::ResponseLimits kLimits{512, 4096};

struct Outcome {
  std::string trace;  // per response: state, status, body size, keep-alive
};

Outcome read_all(std::string_view bytes, std::size_t piece, bool head) {
  Outcome out;
  ResponseReader reader(kLimits);
  reader.reset(head);
  std::string pending;
  std::size_t body = 0;
  int responses = 0;
  bool finished = false;
  const auto record = [&](const char* state) {
    out.trace += std::string(state) + ' ' + std::to_string(reader.status()) + ' ' +
                 std::to_string(body) + (reader.keep_alive() ? " k;" : " c;");
  };
  for (std::size_t at = 0; !finished; at += piece) {
    const bool eof = at >= bytes.size();
    if (!eof) pending.append(bytes.substr(at, piece));
    while (!pending.empty() && !finished) {
      const auto step = reader.feed(pending, [&](std::string_view b) {
        perfgate::fuzz::check(
            b.data() >= pending.data() && b.data() + b.size() <= pending.data() + pending.size(),
            "a body piece lies inside the input");
        body += b.size();
      });
      perfgate::fuzz::check(step.consumed <= pending.size(), "consumed within the input");
      perfgate::fuzz::check(body <= kLimits.body_limit, "body within its limit");
      if (step.state == ResponseReader::State::kNeedMore) {
        perfgate::fuzz::check(step.consumed == pending.size(), "need-more takes all the input");
        pending.clear();
        break;
      }
      pending.erase(0, step.consumed);
      if (step.state == ResponseReader::State::kError) {
        perfgate::fuzz::check(!reader.error().empty(), "an error says why");
        record("error");
        finished = true;
        break;
      }
      record("done");
      body = 0;
      finished = ++responses == 4;
      reader.reset(head);
    }
    if (eof && !finished) {
      const auto state = reader.finish_at_eof();
      record(state == ResponseReader::State::kDone ? "eof-done" : "eof-error");
      finished = true;
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const bool head = (data[0] & 0x80) != 0;
  const std::size_t piece = 1 + data[0] % 31;
  const std::string_view bytes = perfgate::fuzz::text_of(data + 1, size - 1);
  const Outcome whole = read_all(bytes, bytes.size() + 1, head);
  const Outcome split = read_all(bytes, piece, head);
  perfgate::fuzz::check(whole.trace == split.trace, "the same responses whatever the split");
  return 0;
}
