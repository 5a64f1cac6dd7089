// broadcast_merge_test - Broadcast receipts of several processes fold into one fan-out.
#include "perfgate/ws/broadcast_merge.hpp"

#include <gtest/gtest.h>

namespace perfgate::ws {
namespace {

metrics::RunResult shard(int index) {
  metrics::RunResult r;
  r.suite = "realtime_connections";
  r.scenario = "broadcast";
  r.profile = "ci";
  r.shard = {index, 2};
  return r;
}

TEST(BroadcastMerge, FanoutTakesEachBroadcastsLatestReceiptInAnyShard) {
  metrics::RunResult a = shard(0), b = shard(1);
  a.context["broadcast"] = {{"sent_ns", {100, 200}},
                            {"last_receipt_ns", {150, 260}},
                            {"receipts", {5, 5}},
                            {"subscribers", 5}};
  b.context["broadcast"] = {{"sent_ns", {100, 0}},
                            {"last_receipt_ns", {190, 0}},
                            {"receipts", {5, 0}},
                            {"subscribers", 5}};
  const metrics::ContextMerge drivers[] = {broadcast_merge()};
  const metrics::RunResult m = metrics::merge_shards({a, b}, drivers);
  const metrics::Histogram& fanout = m.histograms.at("broadcast_fanout");
  EXPECT_EQ(fanout.count(), 2u);
  EXPECT_EQ(fanout.max(), 90);  // broadcast 1: 190 - 100, from shard b
  EXPECT_EQ(fanout.min(), 60);  // broadcast 2: 260 - 200, only shard a got it
  EXPECT_EQ(m.context["broadcast"]["receipts"][0], 10);
  EXPECT_EQ(m.context["broadcast"]["subscribers"], 10);
}

TEST(BroadcastMerge, ADamagedDocumentIsRefused) {
  EXPECT_THROW(merge_broadcast({{{"sent_ns", {1}}, {"last_receipt_ns", {"x"}}, {"receipts", {1}}}}),
               std::invalid_argument);
}

}  // namespace
}  // namespace perfgate::ws
