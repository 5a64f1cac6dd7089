// perfgate/net/response_reader.hpp - An incremental HTTP/1.1 response parser for the client.
//
// The HTTP client's hot path: per response it finds the status, the few headers that frame the
// message (Content-Length, Transfer-Encoding, Connection) and hands the body over as it arrives,
// without copying it and without allocating once warmed up. Bytes may arrive split anywhere.
// Bodies framed by length, by chunked encoding or by the close of the connection are handled;
// 1xx interim responses are skipped; HEAD, 204 and 304 answers have no body. Oversize headers or
// bodies and malformed framing are errors (counted as `protocol`), so a bad server cannot make
// the client grow without bound.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace perfgate::net {

struct ResponseLimits {
  std::uint32_t header_limit = 64 * 1024;  // status line and headers, in bytes
  std::uint64_t body_limit = 16 * 1024 * 1024;
};

class ResponseReader {
 public:
  enum class State { kNeedMore, kDone, kError };
  struct Step {
    State state = State::kNeedMore;
    std::size_t consumed = 0;  // bytes of the input that belong to this response
  };

  explicit ResponseReader(ResponseLimits limits) : limits_(limits) {}

  // Prepares for the next response; `head_request` when it answers a HEAD (no body follows).
  void reset(bool head_request = false);

  // Parses `data`; every piece of body goes to `on_body` (a view into `data`). Stops at the end
  // of the response (kDone: bytes past `consumed` belong to whatever comes next) or at the first
  // error (kError, see error()).
  template <class OnBody>
  Step feed(std::string_view data, OnBody&& on_body);

  // The peer closed the connection: completes a body that runs until the close (kDone), else
  // kError (the response was cut short; closed_before_response() tells whether it had begun).
  State finish_at_eof();

  bool header_done() const { return phase_ > Phase::kHead; }
  unsigned status() const { return status_; }
  // Whether the connection may carry another request after this response.
  bool keep_alive() const { return keep_alive_; }
  // True when no byte of the response had arrived (a stale keep-alive connection, a reset).
  bool closed_before_response() const { return phase_ == Phase::kHead && head_.empty(); }
  // What was wrong, for logs ("" when nothing).
  const std::string& error() const { return error_; }

 private:
  enum class Phase {
    kHead,
    kLengthBody,
    kChunkSize,
    kChunkData,
    kChunkDataEnd,
    kTrailers,
    kUntilClose,
    kDone,
    kError
  };

  // Takes head bytes until the blank line; returns how many of `data` it used.
  std::size_t take_head(std::string_view data);
  void parse_head();
  // Takes one chunk-size or trailer line into line_; returns bytes used, sets line_complete_.
  std::size_t take_line(std::string_view data);
  void on_chunk_size_line();
  void on_trailer_line();
  void fail(std::string why);
  bool count_body(std::uint64_t n);

  ResponseLimits limits_;
  Phase phase_ = Phase::kHead;
  bool head_request_ = false;
  std::string head_;  // the head so far (kept between responses for its capacity)
  std::string line_;  // a chunk-size or trailer line so far
  bool line_complete_ = false;
  unsigned status_ = 0;
  bool keep_alive_ = true;
  std::uint64_t remaining_ = 0;  // of the body (length) or of the current chunk
  std::uint64_t body_seen_ = 0;
  std::string error_;
};

template <class OnBody>
ResponseReader::Step ResponseReader::feed(std::string_view data, OnBody&& on_body) {
  std::size_t at = 0;
  while (at < data.size() || phase_ == Phase::kDone || phase_ == Phase::kError) {
    const std::string_view rest = data.substr(at);
    switch (phase_) {
      case Phase::kHead:
        at += take_head(rest);
        break;
      case Phase::kLengthBody:
      case Phase::kChunkData: {
        const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, rest.size()));
        if (!count_body(n)) break;
        on_body(rest.substr(0, n));
        at += n;
        remaining_ -= n;
        if (remaining_ == 0)
          phase_ = phase_ == Phase::kLengthBody ? Phase::kDone : Phase::kChunkDataEnd;
        break;
      }
      case Phase::kChunkDataEnd:
      case Phase::kChunkSize:
      case Phase::kTrailers:
        at += take_line(rest);
        if (!line_complete_) break;
        if (phase_ == Phase::kChunkDataEnd) {
          if (!line_.empty())
            fail("chunk data longer than its size");
          else
            phase_ = Phase::kChunkSize;
        } else if (phase_ == Phase::kChunkSize) {
          on_chunk_size_line();
        } else {
          on_trailer_line();
        }
        line_.clear();
        line_complete_ = false;
        break;
      case Phase::kUntilClose:
        if (!count_body(rest.size())) break;
        on_body(rest);
        at = data.size();
        break;
      case Phase::kDone:
        return {State::kDone, at};
      case Phase::kError:
        return {State::kError, at};
    }
  }
  return {State::kNeedMore, at};
}

}  // namespace perfgate::net
