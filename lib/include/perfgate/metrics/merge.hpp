// perfgate/metrics/merge.hpp - Folding the results of shards (`--shard i/N`) into one run.
//
// Shards run at the same time, each with its share of the load. Merging them: counts add,
// histograms merge exactly (so merged percentiles equal those of all samples recorded in one
// place), per-second rates add their events over the longest steady time, shares (error_rate,
// drop_rate, ...) add both parts, per-second series align by wall-clock second. Two figures are
// not sums of samples: `sessions_held` is the sum of the shards' peaks (they hold at once), and
// `broadcast_fanout` is rebuilt from each broadcast's latest receipt in any shard.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "perfgate/metrics/run_result.hpp"

namespace perfgate::metrics {

// Checks that `shards` come from one sharded run: one suite and profile, one shard count, and
// (when `one_scenario`) one scenario. Throws std::invalid_argument naming the shards that differ.
void check_one_run(const std::vector<RunResult>& shards, bool one_scenario);

// Merges shard results of one scenario. Throws std::invalid_argument, naming the files' shards,
// for results that check_one_run refuses, a shard given twice or a shard missing, or shards of
// a capacity search (which runs in one process). The merged
// result has shard {0, 1}, no threshold verdicts (judge it again), and context "merged_shards".
RunResult merge_shards(const std::vector<RunResult>& shards);

// Broadcast receipts of one process, as a run's context "broadcast" carries them:
// {"sent_ns": [...], "last_receipt_ns": [...], "receipts": [...], "subscribers": n}, one entry
// per broadcast. broadcast_fanout: publish to last receipt, one sample per broadcast received.
Histogram broadcast_fanout(const nlohmann::json& doc);
// Several processes' documents as one: receipts and subscribers add, the latest receipt wins.
nlohmann::json merge_broadcast(const std::vector<nlohmann::json>& docs);

}  // namespace perfgate::metrics
