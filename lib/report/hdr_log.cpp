// hdr_log.cpp - HdrHistogram's V2 compressed encoding and interval log format.
//
// Our histogram's counts array has HdrHistogram's layout for lowest value 1 and the same
// significant digits (see histogram.hpp), so the encoding writes our counts as they are.
#include "perfgate/report/hdr_log.hpp"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>

#include "figures.hpp"
#include "perfgate/core/error.hpp"
#include "perfgate/report/results_file.hpp"

namespace perfgate::report {
namespace {

// HdrHistogram's V2 cookies, with 0x10 set: the counts are ZigZag LEB128 with zero runs.
constexpr std::uint32_t kEncodingCookie = 0x1c849303 | 0x10;
constexpr std::uint32_t kCompressedCookie = 0x1c849304 | 0x10;

void put_u32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((v >> shift) & 0xff);
}
void put_u64(std::string& out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out += static_cast<char>((v >> shift) & 0xff);
}
void put_zigzag(std::string& out, std::int64_t v) {
  auto z = (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
  // LEB128, at most 9 bytes: the ninth carries 8 bits (HdrHistogram's variant).
  for (int i = 0; i < 8; ++i) {
    if (z < 0x80) {
      out += static_cast<char>(z);
      return;
    }
    out += static_cast<char>((z & 0x7f) | 0x80);
    z >>= 7;
  }
  out += static_cast<char>(z & 0xff);
}

std::string encode(const metrics::Histogram& h) {
  std::string payload;
  std::size_t next = 0;
  h.for_each_count([&](std::size_t index, std::uint64_t n) {
    if (index > next) put_zigzag(payload, -static_cast<std::int64_t>(index - next));  // zeros
    put_zigzag(payload, static_cast<std::int64_t>(n));
    next = index + 1;
  });
  std::string out;
  put_u32(out, kEncodingCookie);
  put_u32(out, static_cast<std::uint32_t>(payload.size()));
  put_u32(out, 0);  // normalizing index offset
  put_u32(out, static_cast<std::uint32_t>(h.significant_digits()));
  put_u64(out, 1);  // lowest discernible value
  put_u64(out, static_cast<std::uint64_t>(h.highest()));
  double ratio = 1.0;
  std::uint64_t ratio_bits;
  std::memcpy(&ratio_bits, &ratio, sizeof ratio);
  put_u64(out, ratio_bits);
  return out + payload;
}

std::string base64(const std::string& bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const std::uint32_t v = (static_cast<std::uint8_t>(bytes[i]) << 16) |
                            (static_cast<std::uint8_t>(bytes[i + 1]) << 8) |
                            static_cast<std::uint8_t>(bytes[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(v >> s) & 63];
  }
  if (i < bytes.size()) {
    std::uint32_t v = static_cast<std::uint8_t>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) v |= static_cast<std::uint8_t>(bytes[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string interval(const std::string& tag, double start_s, double length_s,
                     const metrics::Histogram& h) {
  return fmt::format("Tag={},{:.3f},{:.3f},{:.3f},{}\n", tag, start_s, length_s,
                     static_cast<double>(h.max()) / 1e6, hdr_compressed_base64(h));
}

}  // namespace

std::string hdr_compressed_base64(const metrics::Histogram& h) {
  const std::string encoded = encode(h);
  uLongf size = compressBound(static_cast<uLong>(encoded.size()));
  std::string compressed(size, '\0');
  if (compress2(reinterpret_cast<Bytef*>(compressed.data()), &size,
                reinterpret_cast<const Bytef*>(encoded.data()), static_cast<uLong>(encoded.size()),
                Z_DEFAULT_COMPRESSION) != Z_OK) {
    throw core::Error("zlib could not compress a histogram");
  }
  compressed.resize(size);
  std::string out;
  put_u32(out, kCompressedCookie);
  put_u32(out, static_cast<std::uint32_t>(compressed.size()));
  return base64(out + compressed);
}

std::string hdr_interval_log(const std::vector<metrics::RunResult>& runs) {
  std::int64_t base_ms = INT64_MAX;
  for (const auto& r : runs) base_ms = std::min(base_ms, r.started_at_ms);
  if (runs.empty()) base_ms = 0;
  std::string out = "#[Histogram log format version 1.3]\n";
  out += fmt::format("#[StartTime: {:.3f} (seconds since epoch), {}]\n",
                     static_cast<double>(base_ms) / 1000.0, utc_text(base_ms));
  out += "#[Written by perfgate: values in nanoseconds]\n";
  out +=
      "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\","
      "\"Interval_Compressed_Histogram\"\n";
  for (const auto& r : runs) {
    std::string tag = r.suite + "/" + r.scenario;
    if (r.shard.count > 1) tag += fmt::format("/shard-{}-of-{}", r.shard.index, r.shard.count);
    const double run_start = static_cast<double>(r.started_at_ms - base_ms) / 1000.0;
    for (const metrics::SeriesPoint& p : r.series) {
      if (p.latency.count() != 0)
        out += interval(tag, run_start + static_cast<double>(p.second), 1.0, p.latency);
    }
    for (const auto& [key, h] : r.histograms) {
      if (unit_of(key) != core::Unit::kDuration || h.count() == 0) continue;
      std::string metric_tag = tag + "/" + key;
      // A tag ends at the first comma and may not hold spaces.
      std::replace_if(
          metric_tag.begin(), metric_tag.end(), [](char c) { return c == ',' || c == ' '; }, ';');
      out += interval(metric_tag, run_start, r.duration_s, h);
    }
  }
  return out;
}

void write_hdr_log(const std::string& path, const std::vector<metrics::RunResult>& runs) {
  write_file_atomically(path, hdr_interval_log(runs));
}

}  // namespace perfgate::report
