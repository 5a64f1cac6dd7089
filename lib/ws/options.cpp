// options.cpp - Parsing realtime workload options; the open-files check for many sessions.
#include <fmt/format.h>

#include <boost/asio/ip/address.hpp>

#include "perfgate/core/error.hpp"
#include "perfgate/core/json_node.hpp"
#include "perfgate/core/open_files.hpp"
#include "perfgate/ws/workload.hpp"

namespace perfgate::ws {

using nlohmann::json;

WorkloadOptions parse_workload_options(const json& doc) {
  const core::JsonNode w(doc);
  w.expect_object("a workload");
  w.only_keys({"kind", "path", "message_size", "binary", "batch", "room", "broadcasts",
               "publish_after", "source_addresses"});
  WorkloadOptions o;
  const std::string kind = w.one_of("kind", {"connect", "echo", "hold", "broadcast"});
  o.mode = kind == "connect" ? Mode::kConnect
           : kind == "echo"  ? Mode::kEcho
           : kind == "hold"  ? Mode::kHold
                             : Mode::kBroadcast;
  o.message_size = w.count_or("message_size", 64, 16 * 1024 * 1024);
  o.format = w.bool_or("binary", false) ? Format::kBinary : Format::kText;
  o.batch = w.count_or("batch", 1, 100'000);
  if (o.batch == 0) w.child("batch").fail("expected at least 1");
  o.room = w.string_or("room", o.room);
  if (o.room.empty() || o.room.size() > 64 ||
      o.room.find_first_not_of(
          "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") !=
          std::string::npos) {
    w.child("room").fail("expected 1 to 64 letters, digits, '_' or '-', got \"" + o.room + "\"");
  }
  o.broadcasts = w.count_or("broadcasts", 10, 1'000'000);
  if (o.mode == Mode::kBroadcast && o.broadcasts == 0)
    w.child("broadcasts").fail("expected at least 1");
  o.publish_after = w.duration_or("publish_after", {});
  o.path = w.string_or("path", o.mode == Mode::kBroadcast ? "/ws/rooms/" + o.room : "/ws/echo");
  if (!o.path.starts_with('/')) w.child("path").fail("expected a path starting with /");
  o.source_addresses = w.strings_or("source_addresses", {},
                                    {.array = "an array of addresses",
                                     .element = "an IP address like \"127.0.0.2\"",
                                     .valid =
                                         [](std::string_view a) {
                                           boost::system::error_code ec;
                                           boost::asio::ip::make_address(a, ec);
                                           return !ec;
                                         },
                                     .may_be_empty = true});
  return o;
}

void ensure_open_files_for(std::uint64_t sessions, const std::string& what) {
  constexpr std::uint64_t kMargin = 256;  // files, pipes, epoll, the target's /proc, ...
  const core::OpenFilesLimit limit = core::raise_open_files_limit();
  if (limit.soft == 0) return;  // unknown: let the sockets say so
  if (sessions + kMargin <= limit.soft) return;
  const std::uint64_t per_process = limit.soft > kMargin ? limit.soft - kMargin : 1;
  throw core::Error(fmt::format(
      "{} needs {} sessions in this process, but it may open only {} files (RLIMIT_NOFILE soft "
      "{}, hard {}; {} kept for everything else). Split the run: --shard i/N (PERFGATE_SHARD) with "
      "N >= {} processes, or raise the hard limit (ulimit -Hn, LimitNOFILE=, the pod's limits).",
      what, sessions, per_process, limit.soft, limit.hard, kMargin,
      (sessions + per_process - 1) / per_process));
}

}  // namespace perfgate::ws
