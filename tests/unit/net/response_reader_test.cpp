// The client's response parser: framing by length, chunks and close; bytes split anywhere; limits.
#include "perfgate/net/response_reader.hpp"

#include <gtest/gtest.h>

#include <string>

namespace perfgate::net {
namespace {

using State = ResponseReader::State;

struct Parsed {
  State state = State::kNeedMore;
  std::string body;
  std::size_t consumed = 0;
};

// Feeds `bytes` in pieces of `piece` bytes (0: all at once), as separate socket reads would.
Parsed parse(ResponseReader& r, std::string_view bytes, std::size_t piece = 0) {
  Parsed out;
  if (piece == 0) piece = bytes.size();
  for (std::size_t at = 0; at < bytes.size() && out.state == State::kNeedMore; at += piece) {
    const auto step = r.feed(bytes.substr(at, piece), [&](std::string_view b) { out.body += b; });
    out.state = step.state;
    out.consumed = at + step.consumed;
  }
  return out;
}

constexpr std::string_view kLength =
    "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Length: 16\r\n\r\nhello, perfgate\n";
constexpr std::string_view kChunked =
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    "5;ext=1\r\nhello\r\n0b\r\n, perfgate\n\r\n0\r\nX-Trailer: 1\r\n\r\n";

TEST(ResponseReader, ReadsABodyFramedByContentLength) {
  ResponseReader r({});
  r.reset();
  const Parsed p = parse(r, kLength);
  EXPECT_EQ(p.state, State::kDone);
  EXPECT_EQ(r.status(), 200u);
  EXPECT_TRUE(r.keep_alive());
  EXPECT_EQ(p.body, "hello, perfgate\n");
  EXPECT_EQ(p.consumed, kLength.size());
}

// Bytes that cannot begin a status line are a protocol error at once, before any blank line: a
// server answering random bytes was counted as a timeout after the request timeout.
TEST(ResponseReader, GarbageIsAnErrorBeforeTheHeadEnds) {
  for (const std::string_view garbage :
       {std::string_view("\x16\x03\x01\x02\x00", 5), std::string_view("SSH-2.0-OpenSSH_9.2"),
        std::string_view("HTTP/2 200"), std::string_view("HTTP/1.1 2x"),
        std::string_view("<html>")}) {
    for (std::size_t piece : {1u, 3u, 0u}) {
      ResponseReader r({});
      r.reset();
      const Parsed p = parse(r, garbage, piece);
      EXPECT_EQ(p.state, State::kError) << garbage << " piece " << piece;
      EXPECT_EQ(r.error(), "malformed status line") << garbage;
    }
  }
  // A status line still arriving byte by byte is not garbage.
  ResponseReader r({});
  r.reset();
  EXPECT_EQ(parse(r, "HTTP/1.1 20", 1).state, State::kNeedMore);
}

TEST(ResponseReader, GivesTheSameResultWhateverTheReadsSplit) {
  for (const std::string_view message : {kLength, kChunked}) {
    for (std::size_t piece = 1; piece <= 7; ++piece) {
      ResponseReader r({});
      r.reset();
      const Parsed p = parse(r, message, piece);
      EXPECT_EQ(p.state, State::kDone) << "piece " << piece << ": " << r.error();
      EXPECT_EQ(p.body, "hello, perfgate\n") << "piece " << piece;
      EXPECT_EQ(p.consumed, message.size()) << "piece " << piece;
    }
  }
}

TEST(ResponseReader, StopsAtTheEndOfTheResponseAndLeavesTheNextOne) {
  ResponseReader r({});
  r.reset();
  const std::string two = std::string(kLength) + "HTTP/1.1 204 No Content\r\n\r\n";
  const auto step = r.feed(two, [](std::string_view) {});
  EXPECT_EQ(step.state, State::kDone);
  EXPECT_EQ(step.consumed, kLength.size());
  r.reset();
  EXPECT_EQ(r.feed(std::string_view(two).substr(step.consumed), [](std::string_view) {}).state,
            State::kDone);
  EXPECT_EQ(r.status(), 204u);
}

TEST(ResponseReader, ReadsUntilCloseWhenNoLengthIsGiven) {
  ResponseReader r({});
  r.reset();
  const Parsed p = parse(r, "HTTP/1.1 200 OK\r\n\r\npart one, ");
  EXPECT_EQ(p.state, State::kNeedMore);
  EXPECT_FALSE(r.keep_alive());
  EXPECT_EQ(r.finish_at_eof(), State::kDone);
  EXPECT_EQ(p.body, "part one, ");
}

TEST(ResponseReader, SkipsInterimResponsesAndKnowsBodilessOnes) {
  ResponseReader r({});
  r.reset();
  EXPECT_EQ(parse(r,
                  "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 304 Not Modified\r\nContent-Length: "
                  "99\r\n\r\n")
                .state,
            State::kDone);
  EXPECT_EQ(r.status(), 304u);
  r.reset(/*head_request=*/true);
  EXPECT_EQ(parse(r, "HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n").state, State::kDone);
}

TEST(ResponseReader, FollowsConnectionHeadersAndTheVersionsDefault) {
  ResponseReader r({});
  r.reset();
  parse(r, "HTTP/1.1 200 OK\r\nConnection: Close\r\nContent-Length: 0\r\n\r\n");
  EXPECT_FALSE(r.keep_alive());
  r.reset();
  parse(r, "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n");
  EXPECT_FALSE(r.keep_alive());
  r.reset();
  parse(r, "HTTP/1.0 200 OK\r\nconnection: keep-alive\r\nContent-Length: 0\r\n\r\n");
  EXPECT_TRUE(r.keep_alive());
}

TEST(ResponseReader, TellsAStaleConnectionFromACutResponse) {
  ResponseReader r({});
  r.reset();
  EXPECT_EQ(r.finish_at_eof(), State::kError);
  EXPECT_TRUE(r.closed_before_response());
  r.reset();
  parse(r, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
  EXPECT_EQ(r.finish_at_eof(), State::kError);
  EXPECT_FALSE(r.closed_before_response());
  EXPECT_EQ(r.error(), "connection closed in the body");
}

TEST(ResponseReader, RejectsMalformedResponsesWithAReason) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"garbage\r\n\r\n", "malformed status line"},
      {"HTTP/1.1 2x0 OK\r\n\r\n", "malformed status code"},
      {"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "malformed header line"},
      {"HTTP/1.1 200 OK\r\nX: 1\r\n folded\r\n\r\n", "malformed header line"},
      {"HTTP/1.1 200 OK\r\nContent-Length: 12x\r\n\r\n", "malformed Content-Length"},
      {"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
       "conflicting Content-Length headers"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", "unsupported Transfer-Encoding"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "malformed chunk size"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n",
       "chunk data longer than its size"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\nab",
       "chunked framing line without CRLF"},
  };
  for (const auto& [bytes, reason] : cases) {
    ResponseReader r({});
    r.reset();
    EXPECT_EQ(parse(r, bytes).state, State::kError) << bytes;
    EXPECT_EQ(r.error(), reason) << bytes;
    EXPECT_FALSE(r.keep_alive());
  }
}

TEST(ResponseReader, BoundsHeadAndBodySize) {
  ResponseReader r({.header_limit = 64, .body_limit = 8});
  r.reset();
  const std::string big_head = "HTTP/1.1 200 OK\r\nX-Pad: " + std::string(100, 'a');
  // The limit holds while the head is still arriving, before any blank line.
  EXPECT_EQ(parse(r, big_head, 10).state, State::kError);
  EXPECT_EQ(r.error(), "response head larger than 64 bytes");
  r.reset();
  EXPECT_EQ(parse(r, "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n").state, State::kError);
  EXPECT_EQ(r.error(), "body larger than 8 bytes");
  r.reset();
  EXPECT_EQ(
      parse(r, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n5\r\n").state,
      State::kError);
  EXPECT_EQ(r.error(), "body larger than 8 bytes");
  r.reset();
  EXPECT_EQ(parse(r, "HTTP/1.1 200 OK\r\n\r\n0123456789").state, State::kError);
  EXPECT_EQ(r.error(), "body larger than 8 bytes");
}

}  // namespace
}  // namespace perfgate::net
