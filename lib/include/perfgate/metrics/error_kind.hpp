// perfgate/metrics/error_kind.hpp - The kinds a failed operation is counted under.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace perfgate::metrics {

// Why an operation failed. Each failed operation is counted under exactly one kind, so the sum
// over kinds equals the number of failed operations (DESIGN.md `error_rate`).
//
// The kinds below are built in; a driver declares kinds of its own with MetricSet::error_kind
// ("db_40", "drops"), which returns ids past kOther. Either way an operation carries one id.
enum class ErrorKind : std::uint16_t {
  kNone = 0,     // not a failure
  kRefused,      // the connection was refused (nothing listening, or the server's limit)
  kTimeout,      // connect or request timeout expired
  kReset,        // the connection was reset or closed by the peer before a response began
  kStatus4xx,    // the response status was 4xx (and not the one the request expected)
  kStatus5xx,    // the response status was 5xx (and not the one the request expected)
  kProtocol,     // the peer sent bytes that do not parse (bad HTTP, bad JSON, oversize)
  kClosedEarly,  // the peer closed in the middle of a response or stream
  kDropped,      // open loop: the arrival could not start (max_in_flight reached)
  kTls,          // the TLS handshake failed (including certificate verification)
  kUnreachable,  // no route to the target's host or network (EHOSTUNREACH, ENETUNREACH)
  // perfgate's own limits, not the target's; the operation still failed, so it counts in
  // error_rate (the load asked for was not sent), under a name that says whose limit it was:
  kLoadgenPorts,   // no free local port for a new connection (EADDRNOTAVAIL): add source
                   // addresses (`source_addresses`) or shards
  kLoadgenFiles,   // perfgate's open-files limit (EMFILE, ENFILE): raise `ulimit -n` or shard
  kLoadgenBehind,  // open loop: an arrival due before the load ended that perfgate had not
                   // started (its threads fell behind the schedule): add threads or shards
  kOther,          // anything else: a system error none of the above names
};

// The number of built-in kinds (kNone included); declared kinds are numbered from here.
inline constexpr std::size_t kErrorKindCount = 15;

inline constexpr std::array<std::string_view, kErrorKindCount> kBuiltInErrorKindNames{
    "none",        "refused",       "timeout",       "reset",          "status_4xx",
    "status_5xx",  "protocol",      "closed_early",  "dropped",        "tls",
    "unreachable", "loadgen_ports", "loadgen_files", "loadgen_behind", "other"};

// The name of a built-in kind ("other" for an id past them: MetricSet::error_kind_name knows
// the declared ones).
constexpr std::string_view error_kind_name(ErrorKind kind) {
  const auto i = static_cast<std::size_t>(kind);
  return i < kErrorKindCount ? kBuiltInErrorKindNames[i] : kBuiltInErrorKindNames.back();
}

}  // namespace perfgate::metrics
