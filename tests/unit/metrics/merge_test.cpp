// merge_test - Shard results fold into one run exactly.
#include "perfgate/metrics/merge.hpp"

#include <gtest/gtest.h>

#include <random>

namespace perfgate::metrics {
namespace {

RunResult shard(int index, int count) {
  RunResult r;
  r.suite = "realtime_connections";
  r.scenario = "broadcast";
  r.profile = "ci";
  r.shard = {index, count};
  r.started_at_ms = 1'000'000 + index * 1000;
  return r;
}

TEST(MergeShards, HistogramsMergeExactlyAndCountsAdd) {
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> d(13, 1);
  Histogram all;
  std::vector<RunResult> shards;
  for (int i = 0; i < 4; ++i) {
    RunResult r = shard(i, 4);
    for (int n = 0; n < 10'000 * (i + 1); ++n) {
      const auto v = static_cast<std::int64_t>(d(rng));
      r.histograms["ws_rtt"].record(v);
      all.record(v);
    }
    r.attempted = r.completed = 100;
    r.errors["drops"] = i;
    r.counters["messages_sent"] = 10;
    r.rates["messages_received"] = {1000.0 * (i + 1), 10.0 + i, 100};
    r.rates["error_rate"] = {1, 100, 100};
    Histogram held;
    held.record(10);
    held.record(12'500);
    r.histograms["sessions_held"] = held;
    shards.push_back(r);
  }
  const RunResult m = merge_shards(shards);
  EXPECT_EQ(m.shard.count, 1);
  EXPECT_EQ(m.attempted, 400u);
  EXPECT_EQ(m.errors.at("drops"), 0u + 1 + 2 + 3);
  EXPECT_EQ(m.counters.at("messages_sent"), 40u);
  const Histogram& rtt = m.histograms.at("ws_rtt");
  EXPECT_EQ(rtt.count(), all.count());
  for (double p : {50.0, 90.0, 99.0, 99.9}) EXPECT_EQ(rtt.percentile(p), all.percentile(p)) << p;
  // Events per second add over the longest steady time; shares add both parts.
  EXPECT_DOUBLE_EQ(m.rates.at("messages_received").value(), 10'000.0 / 13.0);
  EXPECT_DOUBLE_EQ(m.rates.at("error_rate").value(), 0.01);
  // Held at once: the shards' peaks add.
  EXPECT_EQ(m.histograms.at("sessions_held").max(), 50'000);
}

// A driver's context section is folded by the driver's ContextMerge, which may rebuild the
// figures catalogued Merge::kRebuilt; the shards' own copies of those are not merged.
TEST(MergeShards, ADriversSectionIsFoldedByItsContextMerge) {
  RunResult a = shard(0, 2), b = shard(1, 2);
  a.context["tally"] = 2;
  b.context["tally"] = 3;
  a.histograms["broadcast_fanout"].record(1);  // Merge::kRebuilt: dropped
  ContextMerge tally{"tally",
                     [](const std::vector<nlohmann::json>& sections) {
                       int sum = 0;
                       for (const auto& s : sections) sum += s.get<int>();
                       return nlohmann::json(sum);
                     },
                     [](const nlohmann::json& merged, RunResult& r) {
                       r.histograms["broadcast_fanout"].record(merged.get<int>());
                     }};
  const RunResult m = merge_shards({a, b}, std::span(&tally, 1));
  EXPECT_EQ(m.context["tally"], 5);
  ASSERT_EQ(m.histograms.at("broadcast_fanout").count(), 1u);
  EXPECT_EQ(m.histograms.at("broadcast_fanout").max(), 5);
  // Without the driver, the section is the first shard's and nothing is rebuilt.
  const RunResult plain = merge_shards({a, b});
  EXPECT_EQ(plain.context["tally"], 2);
  EXPECT_EQ(plain.histograms.count("broadcast_fanout"), 0u);
}

TEST(MergeShards, RefusesWhatIsNotOneRun) {
  const auto message = [](std::vector<RunResult> shards) {
    try {
      merge_shards(shards);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("merged");
  };
  RunResult other = shard(1, 2);
  other.scenario = "message_latency";
  EXPECT_NE(message({shard(0, 2), other}).find("different scenario"), std::string::npos);
  EXPECT_NE(message({shard(0, 2), shard(0, 2)}).find("given twice"), std::string::npos);
  EXPECT_EQ(message({shard(0, 4), shard(2, 4)}),
            "cannot merge 2 of 4 shards: missing shard 1/4, 3/4");
  EXPECT_NE(message({shard(0, 2), shard(1, 3)}).find("shards"), std::string::npos);
  RunResult suite = shard(1, 2);
  suite.suite = "concurrent_users";
  EXPECT_NE(message({shard(0, 2), suite}).find("different suite"), std::string::npos);
  EXPECT_EQ(message({}), "no shard results to merge");
  RunResult search = shard(0, 2);
  search.capacity = CapacityCurve{};
  EXPECT_EQ(message({search, shard(1, 2)}),
            "shard 0/2 holds a capacity search, which runs in one process and does not merge");
}

TEST(MergeShards, OneShardKeepsItsCapacitySearch) {
  RunResult whole = shard(0, 1);
  CapacityCurve curve;
  curve.highest_held = 400;
  curve.steps.push_back(CapacityStep{});
  whole.capacity = curve;
  const RunResult m = merge_shards({whole});
  ASSERT_TRUE(m.capacity);
  EXPECT_EQ(m.capacity->highest_held, 400);
  EXPECT_EQ(m.capacity->steps.size(), 1u);
}

// A round of an A/B run: `seconds` full seconds and a part-second, one ws_rtt sample of `value`
// in each.
RunResult round(std::int64_t value, int seconds) {
  RunResult r = shard(0, 1);
  r.duration_s = seconds + 0.2;
  for (int s = 0; s <= seconds; ++s) {
    r.histograms["ws_rtt"].record(value);
    r.intervals["ws_rtt"].push_back({s, {{value, 1}}});
    r.series.push_back(SeriesPoint{s, 1, 0, Histogram(2)});
  }
  r.attempted = r.completed = static_cast<std::uint64_t>(seconds + 1);
  r.rates["messages_received"] = {100.0, static_cast<double>(seconds), 100};
  r.rates["error_rate"] = {1, 50, 50};
  r.counters["messages_sent"] = 7;
  r.histograms["sessions_held"].record(10 * value);
  return r;
}

TEST(MergeRounds, WholeSecondsFollowEachOtherWithoutTheRoundsPartSeconds) {
  const RunResult m = merge_rounds({round(1, 2), round(2, 2), round(3, 2)});
  // Each round: seconds 0, 1 and the part-second 2 (of 0.2 s), which would read as a collapse.
  const auto& seconds = m.intervals.at("ws_rtt");
  std::vector<std::int64_t> at, values;
  for (const IntervalHistogram& i : seconds) {
    at.push_back(i.second);
    values.push_back(i.values.at(0).first);
  }
  EXPECT_EQ(at, (std::vector<std::int64_t>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(values, (std::vector<std::int64_t>{1, 1, 2, 2, 3, 3}));
  EXPECT_EQ(m.series.size(), 6u);
  EXPECT_EQ(m.series.back().second, 5);
  for (const IntervalHistogram& i : seconds) EXPECT_TRUE(whole_second(m, i.second));
  // The whole histograms keep every sample, part-seconds included.
  EXPECT_EQ(m.histograms.at("ws_rtt").count(), 9u);
  EXPECT_DOUBLE_EQ(m.duration_s, 6.6);
  EXPECT_EQ(m.attempted, 9u);
  EXPECT_EQ(m.context["rounds"], 3);
  EXPECT_EQ(m.round_starts,
            (std::vector<std::int64_t>{0, 2, 4}));  // where each round's seconds are
  EXPECT_EQ(RunResult::from_json(m.to_json()).round_starts, m.round_starts);
}

TEST(MergeRounds, RatesAddBothPartsAndALevelIsTheHighestRoundsPeak) {
  const RunResult m = merge_rounds({round(1, 2), round(5, 4)});
  // Events over the sum of the rounds' steady seconds (not the longest, as for shards at once).
  EXPECT_DOUBLE_EQ(m.rates.at("messages_received").value(), 200.0 / 6.0);
  EXPECT_EQ(m.rates.at("messages_received").samples, 200u);
  EXPECT_DOUBLE_EQ(m.rates.at("error_rate").value(), 2.0 / 100.0);
  EXPECT_EQ(m.counters.at("messages_sent"), 14u);
  EXPECT_EQ(m.histograms.at("sessions_held").count(), 1u);
  EXPECT_EQ(m.histograms.at("sessions_held").max(), 50);
}

TEST(MergeRounds, RefusesRoundsOfDifferentScenarios) {
  RunResult other = round(1, 2);
  other.scenario = "echo";
  EXPECT_THROW(merge_rounds({round(1, 2), other}), std::invalid_argument);
  EXPECT_THROW(merge_rounds({}), std::invalid_argument);
}

}  // namespace
}  // namespace perfgate::metrics
