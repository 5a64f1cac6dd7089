// options.cpp - Parsing realtime workload options; the open-files check for many sessions.
#include <fmt/format.h>

#include <boost/asio/ip/address.hpp>

#include "perfgate/core/error.hpp"
#include "perfgate/core/json_fields.hpp"
#include "perfgate/core/open_files.hpp"
#include "perfgate/ws/workload.hpp"

namespace perfgate::ws {

using nlohmann::json;

WorkloadOptions parse_workload_options(const json& w) {
  if (!w.is_object()) throw core::FieldError("", "expected a workload object, got " + w.dump());
  core::only_keys(w, {"kind", "path", "message_size", "binary", "batch", "room", "broadcasts",
                      "publish_after", "source_addresses"});
  WorkloadOptions o;
  const std::string kind = core::string_field(w, "kind", "");
  if (kind == "connect") {
    o.mode = Mode::kConnect;
  } else if (kind == "echo") {
    o.mode = Mode::kEcho;
  } else if (kind == "hold") {
    o.mode = Mode::kHold;
  } else if (kind == "broadcast") {
    o.mode = Mode::kBroadcast;
  } else {
    throw core::FieldError("/kind",
                           "expected \"connect\", \"echo\", \"hold\" or \"broadcast\", got " +
                               (w.contains("kind") ? w["kind"].dump() : "nothing"));
  }
  o.message_size = core::count_field(w, "message_size", 64, 16 * 1024 * 1024);
  o.format = core::bool_field(w, "binary", false) ? Format::kBinary : Format::kText;
  o.batch = core::count_field(w, "batch", 1, 100'000);
  if (o.batch == 0) throw core::FieldError("/batch", "expected at least 1");
  o.room = core::string_field(w, "room", o.room);
  if (o.room.empty() || o.room.size() > 64 ||
      o.room.find_first_not_of(
          "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") !=
          std::string::npos) {
    throw core::FieldError("/room",
                           "expected 1 to 64 letters, digits, '_' or '-', got \"" + o.room + "\"");
  }
  o.broadcasts = core::count_field(w, "broadcasts", 10, 1'000'000);
  if (o.mode == Mode::kBroadcast && o.broadcasts == 0)
    throw core::FieldError("/broadcasts", "expected at least 1");
  o.publish_after = core::duration_field(w, "publish_after", {});
  o.path = core::string_field(w, "path",
                              o.mode == Mode::kBroadcast ? "/ws/rooms/" + o.room : "/ws/echo");
  if (!o.path.starts_with('/')) throw core::FieldError("/path", "expected a path starting with /");
  if (w.contains("source_addresses")) {
    const json& a = w["source_addresses"];
    if (!a.is_array())
      throw core::FieldError("/source_addresses", "expected an array of addresses");
    for (std::size_t i = 0; i < a.size(); ++i) {
      boost::system::error_code ec;
      if (a[i].is_string()) boost::asio::ip::make_address(a[i].get<std::string>(), ec);
      if (!a[i].is_string() || ec) {
        throw core::FieldError("/source_addresses/" + std::to_string(i),
                               "expected an IP address like \"127.0.0.2\", got " + a[i].dump());
      }
      o.source_addresses.push_back(a[i].get<std::string>());
    }
  }
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
