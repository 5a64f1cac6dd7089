// perfgate/ws/broadcast_merge.hpp - Broadcast receipts across processes, and broadcast_fanout.
//
// Each process of a sharded broadcast run sees only its own subscribers' receipts. Its results
// carry them under context "broadcast":
//   {"sent_ns": [...], "last_receipt_ns": [...], "receipts": [...], "subscribers": n}
// one entry per broadcast. broadcast_fanout (publish to last receipt, one sample per broadcast
// received) cannot be merged from the shards' histograms (the last receipt may be in any
// shard), so `perfgate merge` folds the documents with broadcast_merge() and rebuilds it.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "perfgate/metrics/histogram.hpp"
#include "perfgate/metrics/merge.hpp"

namespace perfgate::ws {

// broadcast_fanout from one document: one sample per broadcast with a receipt.
metrics::Histogram broadcast_fanout(const nlohmann::json& doc);

// Several processes' documents as one: receipts and subscribers add, the latest receipt wins.
// Throws std::invalid_argument (core::FieldError) for a damaged document.
nlohmann::json merge_broadcast(const std::vector<nlohmann::json>& docs);

// The ContextMerge for section "broadcast": merge_broadcast, then broadcast_fanout.
metrics::ContextMerge broadcast_merge();

}  // namespace perfgate::ws
