// perfgate/ws/probe.hpp - The messages perfgate sends over WebSocket to time them.
//
// A probe carries its sequence number and its send time, so a round trip (an echo) or a broadcast
// receipt can be timed from the message alone, in whichever process receives it, and matched to
// what was sent. Text form (what a JSON service sees):
//
//   {"seq":42,"sent_ns":1700000000123456789,"room":"lobby","pad":"xxxx"}
//
// Binary form: "PGW1", seq (u64 LE), sent_ns (i64 LE), room length (u8), room, zero padding.
// `pad` fills the message up to the size asked for; `room` is present only when set.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace perfgate::ws {

enum class Format { kText, kBinary };

struct Probe {
  std::uint64_t seq = 0;
  std::int64_t sent_ns = 0;  // the sender's clock: steady for echoes, system for broadcasts
  std::string room;          // broadcasts: the room it is published to
};

// Encodes `probe` into a message of at least `size` bytes (exactly `size` when it fits).
std::string encode_probe(const Probe& probe, Format format, std::size_t size);

// Decodes a probe; nullopt for a message that is not one (or is damaged).
std::optional<Probe> decode_probe(std::string_view message, Format format);

// A broadcast receipt's latency from the probe's send time to `received_ns` (both system clocks,
// possibly of different machines). A receipt before its send is clock skew, not a fast
// broadcast: its latency is 0 and `skewed` says so, to be counted (broadcast_skew), never hidden.
struct ReceiptTiming {
  std::int64_t latency_ns = 0;
  bool skewed = false;
};
ReceiptTiming receipt_timing(std::int64_t sent_ns, std::int64_t received_ns);

}  // namespace perfgate::ws
