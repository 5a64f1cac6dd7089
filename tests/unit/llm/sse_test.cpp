// sse_test - Unit tests for lib/llm/sse.cpp: the same events whatever the split of the bytes.
#include "perfgate/llm/sse.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace perfgate::llm {
namespace {

// A recorded stream in the shape OpenAI-compatible servers send, with every feature the format
// allows: a keep-alive comment, CRLF and LF and lone-CR line ends, a named event, an id,
// multi-line data, a field with no space after the colon, and the [DONE] marker.
const std::string kStream =
    ": keep-alive\r\n\r\n"
    "data: "
    "{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\r\n\r\n"
    "id: 7\n"
    "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}\n\n"
    "event: message\r"
    "data: {\"choices\":[{\"index\":0,\r"
    "data:\"delta\":{\"content\":\"lo\"}}]}\r\r"
    "data: {\"choices\":[],\"usage\":{\"completion_tokens\":2}}\n\n"
    "data: [DONE]\n\n";

std::vector<SseEvent> parse_in_pieces(const std::vector<std::string_view>& pieces) {
  std::vector<SseEvent> events;
  SseParser parser([&](const SseEvent& e) { events.push_back(e); });
  for (auto piece : pieces) EXPECT_TRUE(parser.feed(piece));
  EXPECT_FALSE(parser.mid_event());
  return events;
}

bool same(const std::vector<SseEvent>& a, const std::vector<SseEvent>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].data != b[i].data || a[i].event != b[i].event || a[i].id != b[i].id) return false;
  }
  return true;
}

TEST(SseParserTest, ParsesEveryFeatureOfTheFormat) {
  const auto events = parse_in_pieces({kStream});
  ASSERT_EQ(events.size(), 5u);
  EXPECT_EQ(events[0].data,
            R"({"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]})");
  EXPECT_EQ(events[1].id, "7");
  EXPECT_EQ(events[2].event, "message");
  EXPECT_EQ(events[2].data, "{\"choices\":[{\"index\":0,\n\"delta\":{\"content\":\"lo\"}}]}");
  EXPECT_EQ(events[4].data, "[DONE]");
}

TEST(SseParserTest, EverySplitIntoTwoGivesTheSameEvents) {
  const auto whole = parse_in_pieces({kStream});
  const std::string_view s = kStream;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    EXPECT_TRUE(same(parse_in_pieces({s.substr(0, i), s.substr(i)}), whole)) << "split at " << i;
  }
}

TEST(SseParserTest, EverySplitIntoThreeGivesTheSameEvents) {
  const auto whole = parse_in_pieces({kStream});
  const std::string_view s = kStream;
  for (std::size_t i = 0; i <= s.size(); i += 1) {
    for (std::size_t j = i; j <= s.size(); j += 3) {
      ASSERT_TRUE(same(parse_in_pieces({s.substr(0, i), s.substr(i, j - i), s.substr(j)}), whole))
          << "splits at " << i << " and " << j;
    }
  }
}

TEST(SseParserTest, ByteByByteGivesTheSameEvents) {
  std::vector<std::string_view> bytes;
  const std::string_view s = kStream;
  for (std::size_t i = 0; i < s.size(); ++i) bytes.push_back(s.substr(i, 1));
  EXPECT_TRUE(same(parse_in_pieces(bytes), parse_in_pieces({kStream})));
}

TEST(SseParserTest, DataLessEventsAreDroppedAndUnfinishedOnesWait) {
  std::vector<SseEvent> events;
  SseParser parser([&](const SseEvent& e) { events.push_back(e); });
  parser.feed("event: ping\n\n");  // no data: not dispatched
  parser.feed("data: half");
  EXPECT_TRUE(events.empty());
  EXPECT_TRUE(parser.mid_event());
  parser.feed("\n\n");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "half");
}

TEST(SseParserTest, AnEndlessLineFailsInsteadOfGrowing) {
  SseParser parser([](const SseEvent&) {}, /*max_line=*/64);
  EXPECT_TRUE(parser.feed("data: " + std::string(50, 'x')));
  EXPECT_FALSE(parser.feed(std::string(50, 'x')));
  EXPECT_TRUE(parser.failed());
}

}  // namespace
}  // namespace perfgate::llm
