// broadcast_merge.cpp - Folding broadcast receipts of several processes.
#include "perfgate/ws/broadcast_merge.hpp"

#include <algorithm>

#include "perfgate/core/json_fields.hpp"

namespace perfgate::ws {

metrics::Histogram broadcast_fanout(const nlohmann::json& doc) {
  metrics::Histogram h;
  if (!doc.is_object() || !doc.contains("sent_ns") || !doc.contains("last_receipt_ns")) return h;
  const auto& sent = doc["sent_ns"];
  const auto& last = doc["last_receipt_ns"];
  for (std::size_t i = 0; i < std::min(sent.size(), last.size()); ++i) {
    const auto s = core::whole_number<std::int64_t>(sent[i], "sent_ns");
    const auto l = core::whole_number<std::int64_t>(last[i], "last_receipt_ns");
    // Clock readings are positive; anything else (a damaged file) must not overflow l - s.
    if (s != 0 && l != 0) h.record(s > 0 && l > s ? l - s : 0);
  }
  return h;
}

nlohmann::json merge_broadcast(const std::vector<nlohmann::json>& docs) {
  std::vector<std::int64_t> sent, last;
  std::vector<std::uint64_t> receipts;
  std::uint64_t subscribers = 0;
  for (const nlohmann::json& d : docs) {
    const std::size_t n = d.at("sent_ns").size();
    if (sent.size() < n) {
      sent.resize(n, 0);
      last.resize(n, 0);
      receipts.resize(n, 0);
    }
    // Read strictly (.at(), whole numbers): shard files come from elsewhere.
    for (std::size_t i = 0; i < n; ++i) {
      const auto s = core::whole_number<std::int64_t>(d.at("sent_ns").at(i), "sent_ns");
      if (s != 0) sent[i] = s;
      last[i] = std::max(last[i], core::whole_number<std::int64_t>(d.at("last_receipt_ns").at(i),
                                                                   "last_receipt_ns"));
      receipts[i] += core::whole_number<std::uint64_t>(d.at("receipts").at(i), "receipts");
    }
    if (d.contains("subscribers")) {
      subscribers += core::whole_number<std::uint64_t>(d.at("subscribers"), "subscribers");
    }
  }
  return {{"sent_ns", sent},
          {"last_receipt_ns", last},
          {"receipts", receipts},
          {"subscribers", subscribers}};
}

metrics::ContextMerge broadcast_merge() {
  return {"broadcast", merge_broadcast, [](const nlohmann::json& merged, metrics::RunResult& r) {
            const metrics::Histogram fanout = broadcast_fanout(merged);
            if (fanout.count() > 0) r.histograms["broadcast_fanout"] = fanout;
          }};
}

}  // namespace perfgate::ws
