// probe.cpp - Probe codec: a fixed JSON shape scanned by hand (no allocation on the hot path
// beyond the room name), and a little-endian binary layout.
#include "perfgate/ws/probe.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cstring>

namespace perfgate::ws {
namespace {

constexpr std::string_view kMagic = "PGW1";
constexpr std::size_t kBinaryHeader = 4 + 8 + 8 + 1;

void put_le(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

std::uint64_t get_le(std::string_view in) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(in[i]);
  return v;
}

// The number after `"key":` in `text`.
template <class T>
std::optional<T> number_after(std::string_view text, std::string_view key) {
  const std::size_t at = text.find(key);
  if (at == std::string_view::npos) return std::nullopt;
  const char* begin = text.data() + at + key.size();
  const char* end = text.data() + text.size();
  T value{};
  const auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc() || ptr == begin) return std::nullopt;
  return value;
}

}  // namespace

std::string encode_probe(const Probe& probe, Format format, std::size_t size) {
  std::string out;
  if (format == Format::kBinary) {
    const std::size_t room = std::min<std::size_t>(probe.room.size(), 255);
    out.reserve(std::max(size, kBinaryHeader + room));
    out += kMagic;
    put_le(out, probe.seq);
    put_le(out, static_cast<std::uint64_t>(probe.sent_ns));
    out.push_back(static_cast<char>(room));
    out.append(probe.room, 0, room);
    if (out.size() < size) out.append(size - out.size(), '\0');
    return out;
  }
  out = fmt::format(R"({{"seq":{},"sent_ns":{})", probe.seq, probe.sent_ns);
  if (!probe.room.empty()) out += fmt::format(R"(,"room":"{}")", probe.room);
  constexpr std::size_t kPadFrame = sizeof(R"(,"pad":""})") - 1;
  if (out.size() + kPadFrame < size) {
    out += R"(,"pad":")";
    out.append(size - out.size() - 2, 'x');
    out += "\"}";
  } else {
    out += '}';
  }
  return out;
}

std::optional<Probe> decode_probe(std::string_view message, Format format) {
  Probe p;
  if (format == Format::kBinary) {
    if (message.size() < kBinaryHeader || message.substr(0, 4) != kMagic) return std::nullopt;
    p.seq = get_le(message.substr(4, 8));
    p.sent_ns = static_cast<std::int64_t>(get_le(message.substr(12, 8)));
    const std::size_t room = static_cast<unsigned char>(message[20]);
    if (message.size() < kBinaryHeader + room) return std::nullopt;
    p.room = std::string(message.substr(kBinaryHeader, room));
    return p;
  }
  if (!message.starts_with(R"({"seq":)") || !message.ends_with('}')) return std::nullopt;
  const auto seq = number_after<std::uint64_t>(message, R"("seq":)");
  const auto sent = number_after<std::int64_t>(message, R"("sent_ns":)");
  if (!seq || !sent) return std::nullopt;
  p.seq = *seq;
  p.sent_ns = *sent;
  if (const std::size_t at = message.find(R"("room":")"); at != std::string_view::npos) {
    const std::size_t begin = at + 8;
    const std::size_t end = message.find('"', begin);
    if (end == std::string_view::npos) return std::nullopt;
    p.room = std::string(message.substr(begin, end - begin));
  }
  return p;
}

ReceiptTiming receipt_timing(std::int64_t sent_ns, std::int64_t received_ns) {
  if (received_ns < sent_ns) return {0, true};
  return {received_ns - sent_ns, false};
}

}  // namespace perfgate::ws
