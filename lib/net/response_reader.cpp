// response_reader.cpp - Head parsing and chunked framing for ResponseReader (RFC 9112).
#include "perfgate/net/response_reader.hpp"

#include <algorithm>
#include <array>
#include <charconv>

namespace perfgate::net {
namespace {

constexpr std::size_t kMaxChunkLine = 4096;  // a chunk-size line with extensions, or a trailer

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto x = static_cast<unsigned char>(a[i]);
    const auto y = static_cast<unsigned char>(b[i]);
    if ((x | 0x20) != (y | 0x20)) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// Whether a comma-separated header value lists `token` (case-insensitively).
bool lists_token(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    const std::size_t comma = value.find(',');
    if (iequals(trim(value.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

// RFC 9110 token characters: what a header name may hold (a table: this runs per header byte).
constexpr std::array<bool, 256> kTokenChars = [] {
  std::array<bool, 256> t{};
  for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  for (const char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<unsigned char>(c)] = true;
  return t;
}();
bool is_token_char(char c) { return kTokenChars[static_cast<unsigned char>(c)]; }

// Whether `bytes` can be the start of a status line "HTTP/1.x NNN": checked as bytes arrive,
// so that a peer answering garbage is a protocol error at once, not a wait for a blank line
// that never comes (until the request timeout, where it was counted as a timeout).
bool could_begin_status_line(std::string_view bytes) {
  constexpr std::string_view kFixed = "HTTP/1.";
  for (std::size_t i = 0; i < bytes.size() && i < 12; ++i) {
    const char c = bytes[i];
    const bool ok = i < kFixed.size() ? c == kFixed[i]
                    : i == 7          ? c == '0' || c == '1'
                    : i == 8          ? c == ' '
                                      : c >= '0' && c <= '9';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

void ResponseReader::reset(bool head_request) {
  phase_ = Phase::kHead;
  head_request_ = head_request;
  head_.clear();
  line_.clear();
  line_complete_ = false;
  status_ = 0;
  keep_alive_ = true;
  remaining_ = body_seen_ = 0;
  error_.clear();
}

void ResponseReader::fail(std::string why) {
  phase_ = Phase::kError;
  keep_alive_ = false;
  error_ = std::move(why);
}

bool ResponseReader::count_body(std::uint64_t n) {
  body_seen_ += n;
  if (body_seen_ <= limits_.body_limit) return true;
  fail("body larger than " + std::to_string(limits_.body_limit) + " bytes");
  return false;
}

std::size_t ResponseReader::take_head(std::string_view data) {
  // The blank line may straddle two reads: search from up to 3 bytes before the new ones.
  const std::size_t before = head_.size();
  const std::size_t room =
      limits_.header_limit + 1 - std::min<std::size_t>(before, limits_.header_limit + 1);
  head_.append(data.substr(0, room));
  const std::size_t from = before >= 3 ? before - 3 : 0;
  const std::size_t end = head_.find("\r\n\r\n", from);
  if (end == std::string::npos) {
    if (before < 12 && !could_begin_status_line(head_)) {
      fail("malformed status line");
      return data.size();
    }
    if (head_.size() > limits_.header_limit)
      fail("response head larger than " + std::to_string(limits_.header_limit) + " bytes");
    return std::min(room, data.size());
  }
  const std::size_t head_size = end + 4;
  if (head_size > limits_.header_limit) {
    fail("response head larger than " + std::to_string(limits_.header_limit) + " bytes");
    return data.size();
  }
  const std::size_t used = head_size - before;
  head_.resize(head_size);
  parse_head();
  return used;
}

void ResponseReader::parse_head() {
  std::string_view head(head_);
  // Status line: HTTP/1.x SSS [reason]
  const std::size_t eol = head.find("\r\n");
  const std::string_view line = head.substr(0, eol);
  if (line.size() < 12 || !line.starts_with("HTTP/1.") || (line[7] != '0' && line[7] != '1') ||
      line[8] != ' ' || (line.size() > 12 && line[12] != ' ')) {
    return fail("malformed status line");
  }
  unsigned code = 0;
  for (std::size_t i = 9; i < 12; ++i) {
    if (line[i] < '0' || line[i] > '9') return fail("malformed status code");
    code = code * 10 + static_cast<unsigned>(line[i] - '0');
  }
  if (code < 100) return fail("malformed status code");
  const bool http10 = line[7] == '0';
  bool keep_alive = !http10;
  bool chunked = false;
  bool has_length = false;
  std::uint64_t length = 0;

  head.remove_prefix(eol + 2);
  while (!head.starts_with("\r\n")) {
    const std::size_t end = head.find("\r\n");
    const std::string_view field = head.substr(0, end);
    head.remove_prefix(end + 2);
    const std::size_t colon = field.find(':');
    if (colon == std::string_view::npos || colon == 0) return fail("malformed header line");
    const std::string_view name = field.substr(0, colon);
    if (!std::all_of(name.begin(), name.end(), is_token_char))
      return fail("malformed header name");  // also rejects obsolete line folding
    const std::string_view value = trim(field.substr(colon + 1));
    if (iequals(name, "content-length")) {
      std::uint64_t n = 0;
      const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec != std::errc() || ptr != value.data() + value.size() || value.empty())
        return fail("malformed Content-Length");
      if (has_length && n != length) return fail("conflicting Content-Length headers");
      has_length = true;
      length = n;
    } else if (iequals(name, "transfer-encoding")) {
      chunked = lists_token(value, "chunked");
      if (!chunked) return fail("unsupported Transfer-Encoding");
    } else if (iequals(name, "connection")) {
      if (lists_token(value, "close")) keep_alive = false;
      if (lists_token(value, "keep-alive")) keep_alive = keep_alive || http10;
    }
  }

  if (code < 200) {  // an interim answer (100 Continue): the real one follows
    head_.clear();
    return;
  }
  status_ = code;
  keep_alive_ = keep_alive;
  if (head_request_ || code == 204 || code == 304) {
    phase_ = Phase::kDone;
  } else if (chunked) {
    phase_ = Phase::kChunkSize;
  } else if (has_length) {
    if (length > limits_.body_limit)
      return fail("body larger than " + std::to_string(limits_.body_limit) + " bytes");
    remaining_ = length;
    phase_ = length == 0 ? Phase::kDone : Phase::kLengthBody;
  } else {
    keep_alive_ = false;  // the body runs until the server closes
    phase_ = Phase::kUntilClose;
  }
}

std::size_t ResponseReader::take_line(std::string_view data) {
  const std::size_t nl = data.find('\n');
  const std::size_t used = nl == std::string_view::npos ? data.size() : nl + 1;
  line_.append(data.substr(0, used));
  if (line_.size() > kMaxChunkLine) {
    fail("chunk-size or trailer line too long");
    return data.size();
  }
  if (nl != std::string_view::npos) {
    if (line_.size() < 2 || line_[line_.size() - 2] != '\r') {
      fail("chunked framing line without CRLF");
      return used;
    }
    line_.resize(line_.size() - 2);
    line_complete_ = true;
  }
  return used;
}

void ResponseReader::on_chunk_size_line() {
  const std::string_view line(line_);
  const std::string_view digits = trim(line.substr(0, line.find(';')));  // drop extensions
  std::uint64_t size = 0;
  const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), size, 16);
  if (digits.empty() || ec != std::errc() || ptr != digits.data() + digits.size())
    return fail("malformed chunk size");
  if (size == 0) {
    phase_ = Phase::kTrailers;
    return;
  }
  if (size > limits_.body_limit - std::min(body_seen_, limits_.body_limit))
    return fail("body larger than " + std::to_string(limits_.body_limit) + " bytes");
  remaining_ = size;
  phase_ = Phase::kChunkData;
}

void ResponseReader::on_trailer_line() {
  if (line_.empty()) phase_ = Phase::kDone;  // the blank line after the trailers ends the message
}

ResponseReader::State ResponseReader::finish_at_eof() {
  if (phase_ == Phase::kUntilClose || phase_ == Phase::kDone) {
    phase_ = Phase::kDone;
    return State::kDone;
  }
  if (phase_ != Phase::kError) {
    // Keep the phase: closed_before_response() tells a stale connection from a cut response.
    error_ = header_done() ? "connection closed in the body" : "connection closed in the head";
    keep_alive_ = false;
  }
  return State::kError;
}

}  // namespace perfgate::net
