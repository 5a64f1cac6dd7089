// perfgate/metrics/merge.hpp - Folding the results of shards (`--shard i/N`) into one run.
//
// Shards run at the same time, each with its share of the load. Merging them follows each
// metric's catalogued Merge policy: histograms merge exactly (so merged percentiles equal those
// of all samples recorded in one place), per-second rates add their events over the longest
// steady time, shares (error_rate, drop_rate, ...) add both parts, counts add, per-second series
// align by wall-clock second. A level held at once (`sessions_held`) is the sum of the shards'
// peaks. What only a driver can fold (ws's broadcast receipts, from which `broadcast_fanout` is
// rebuilt) it folds itself: the driver supplies a ContextMerge for its context section.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "perfgate/metrics/run_result.hpp"

namespace perfgate::metrics {

// A driver's own section of a run's context (ws: "broadcast"), which shards carry and only the
// driver can fold into one: `merge` folds the shards' sections (those that have one), and
// `derive` adds to the merged run the figures rebuilt from the folded section (the metrics
// catalogued Merge::kRebuilt). Either may throw std::invalid_argument for a damaged section.
struct ContextMerge {
  std::string key;
  std::function<nlohmann::json(const std::vector<nlohmann::json>& sections)> merge;
  std::function<void(const nlohmann::json& merged, RunResult& run)> derive;
};

// Checks that `shards` come from one sharded run: one suite and profile, one shard count, and
// (when `one_scenario`) one scenario. Throws std::invalid_argument naming the shards that differ.
void check_one_run(const std::vector<RunResult>& shards, bool one_scenario);

// Merges shard results of one scenario; `drivers` fold their context sections. Throws
// std::invalid_argument, naming the files' shards, for results that check_one_run refuses, a
// shard given twice or a shard missing, or shards of a capacity search (which runs in one
// process). The merged result has shard {0, 1}, no threshold verdicts (judge it again), and
// context "merged_shards". A context section no ContextMerge owns is the first shard's.
RunResult merge_shards(const std::vector<RunResult>& shards,
                       std::span<const ContextMerge> drivers = {});

// Merges the rounds of one side of an A/B run (run/ab.hpp): runs of one scenario made one after
// another, not at once. Histograms merge exactly; their whole seconds (and the series') are
// placed end to end, each round's after the one before (the part-second a round ends in is left
// out: see whole_second); counts, errors and both parts of every rate add (events over the sum of
// the rounds' steady seconds); a level held at once (Merge::kSumOfPeaks) is the highest of the
// rounds' peaks; a figure a driver rebuilds from its context (Merge::kRebuilt) merges as samples,
// each round's being whole. The context is the first round's, with "rounds": the count, and
// `round_starts` says where each round's seconds begin. Throws
// std::invalid_argument for no rounds, rounds of different scenarios or profiles, or a round that
// holds a capacity search.
RunResult merge_rounds(const std::vector<RunResult>& rounds);

}  // namespace perfgate::metrics
