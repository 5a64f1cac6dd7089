// recorder_test - Unit tests for lib/metrics/recorder.cpp, run_result.cpp and recovery_time_ns
#include "perfgate/metrics/recorder.hpp"

#include <gtest/gtest.h>

#include <set>

#include "perfgate/metrics/catalog.hpp"
#include "perfgate/metrics/process_sampler.hpp"
#include "perfgate/metrics/run_result.hpp"

namespace perfgate::metrics {
namespace {

using namespace std::chrono_literals;

TEST(MetricSetTest, DeclaresIdempotentlyAndRejectsUnknownMetrics) {
  MetricSet set;
  const MetricId a = set.histogram("latency");
  EXPECT_EQ(set.histogram("latency{stage:2}"), a + 1);
  EXPECT_EQ(set.histogram("latency"), a);
  EXPECT_THROW(set.histogram("latencyy"), std::invalid_argument);
  EXPECT_THROW(set.histogram("error_rate"), std::invalid_argument);  // a rate, not a histogram
}

// Rates are declared with what they divide by: a steady rate over the steady seconds (a stage's
// over its own), a share over its whole; a counter of the same name stays a counter of its own.
TEST(MetricSetTest, DeclaredRatesAreDerivedByCollect) {
  MetricSet set;
  const CounterId sent = set.counter("messages_sent");
  const CounterId steady_sent = set.steady_rate("messages_sent");
  EXPECT_NE(sent, steady_sent);
  EXPECT_EQ(set.steady_rate("messages_sent"), steady_sent);
  const CounterId stage2 = set.steady_rate("throughput{stage:2}", 2);
  const CounterId stage1 = set.steady_rate("throughput{stage:1}", 1);
  const CounterId opened = set.counter("sessions_opened");
  const CounterId dropped = set.counter("sessions_dropped");
  set.share("drop_rate", dropped, opened);
  EXPECT_THROW(set.steady_rate("latency"), std::invalid_argument);  // a histogram
  EXPECT_THROW(set.share("drop_rate", steady_sent, opened), std::invalid_argument);

  Recorder r(set, core::TimePoint{});
  r.operation_finished(core::TimePoint{}, 1, ErrorKind::kNone, true);
  r.add(sent, 7);
  r.add(steady_sent, 5);
  r.add(stage1, 3);
  r.add(stage2, 8);
  r.add(opened, 4);
  r.add(dropped, 1);
  RunResult result = collect(set, r, 10.0, {0.0, 4.0});
  EXPECT_EQ(result.counters.at("messages_sent"), 7u);
  EXPECT_DOUBLE_EQ(result.rates.at("messages_sent").value(), 0.5);  // 5 over 10 steady seconds
  EXPECT_DOUBLE_EQ(result.rates.at("throughput{stage:2}").value(), 2.0);
  EXPECT_EQ(result.rates.at("throughput{stage:2}").samples, 8u);
  EXPECT_FALSE(result.rates.count("throughput{stage:1}")) << "a ramp has no steady rate";
  EXPECT_DOUBLE_EQ(result.rates.at("drop_rate").value(), 0.25);
  EXPECT_EQ(result.rates.at("drop_rate").samples, 4u);
  // A workload that adds to the whole after the run has its share derived again.
  result.counters["sessions_opened"] += 4;
  derive_shares(set, result);
  EXPECT_DOUBLE_EQ(result.rates.at("drop_rate").value(), 0.125);
}

TEST(RecorderTest, CountsOperationsErrorsAndSeconds) {
  MetricSet set;
  const MetricId latency = set.histogram("latency");
  const ErrorKind db_40 = set.error_kind("db_40");
  const core::TimePoint t0{};
  Recorder r(set, t0);
  r.operation_finished(t0 + 100ms, 1000, ErrorKind::kNone, true);
  r.operation_finished(t0 + 1500ms, 2000, ErrorKind::kNone, false);
  r.operation_finished(t0 + 1600ms, 0, ErrorKind::kTimeout, true);
  r.operation_finished(t0 + 2100ms, 0, db_40, true);
  r.record(latency, 1000);
  EXPECT_EQ(r.attempted(), 4u);
  EXPECT_EQ(r.completed(), 2u);
  EXPECT_EQ(r.failed(), 2u);
  EXPECT_EQ(r.steady_completed(), 1u);
  ASSERT_EQ(r.series().size(), 3u);
  EXPECT_EQ(r.series()[0].completed, 1u);
  EXPECT_EQ(r.series()[1].completed, 1u);
  EXPECT_EQ(r.series()[1].failed, 1u);
  EXPECT_EQ(r.series()[2].failed, 1u);

  const RunResult result = collect(set, r, 10.0);
  EXPECT_EQ(result.errors.at("timeout"), 1u);
  EXPECT_EQ(result.errors.at("db_40"), 1u);
  EXPECT_DOUBLE_EQ(result.rates.at("error_rate").value(), 0.5);
  EXPECT_DOUBLE_EQ(result.rates.at("throughput").value(), 0.1);
}

// A kind is one id: declared once, idempotent, built-in names are the built-in kinds, and an id
// the set never declared counts as "other" rather than out of bounds.
TEST(RecorderTest, DeclaredErrorKindsAreIdsBesideTheBuiltInOnes) {
  MetricSet set;
  const ErrorKind drops = set.error_kind("drops");
  EXPECT_EQ(static_cast<std::size_t>(drops), kErrorKindCount);
  EXPECT_EQ(set.error_kind("drops"), drops);
  EXPECT_EQ(set.error_kind("timeout"), ErrorKind::kTimeout);
  EXPECT_EQ(set.error_kind_name(drops), "drops");
  EXPECT_EQ(set.error_kind_name(ErrorKind::kReset), "reset");
  EXPECT_THROW(set.error_kind("none"), std::invalid_argument);
  EXPECT_THROW(set.error_kind(""), std::invalid_argument);
  Recorder r(set, core::TimePoint{});
  r.operation_finished(core::TimePoint{}, 0, drops, true);
  r.operation_finished(core::TimePoint{}, 0, static_cast<ErrorKind>(kErrorKindCount + 7), true);
  const RunResult result = collect(set, r, 1.0);
  EXPECT_EQ(result.errors.at("drops"), 1u);
  EXPECT_EQ(result.errors.at("other"), 1u);
  EXPECT_EQ(result.failed, 2u);
}

// Counters are declared once, in the catalogue, with a definition and the count they are part of.
TEST(CounterCatalogTest, EveryCounterIsDefinedAndPartOfACountThatExists) {
  std::set<std::string_view> names;
  for (const CounterInfo& c : counter_catalog()) {
    EXPECT_TRUE(names.insert(c.name).second) << c.name << " twice";
    EXPECT_FALSE(c.definition.empty()) << c.name;
  }
  for (const CounterInfo& c : counter_catalog()) {
    if (c.part_of.empty()) continue;
    const bool run_count =
        c.part_of == "attempted" || c.part_of == "completed" || c.part_of == "failed";
    EXPECT_TRUE(run_count || names.contains(c.part_of)) << c.name << " part of " << c.part_of;
    if (!run_count) {
      EXPECT_NE(c.part_of, c.name);
    }
  }
  MetricSet set;
  EXPECT_NO_THROW(set.counter("failed{behaviour:login}"));
  EXPECT_THROW(set.counter("sesions_opened"), std::invalid_argument);
}

TEST(RecorderTest, MergeAddsEverything) {
  MetricSet set;
  const MetricId latency = set.histogram("latency");
  const CounterId probes = set.counter("auth_probes");
  const core::TimePoint t0{};
  Recorder a(set, t0), b(set, t0);
  a.record(latency, 10);
  b.record(latency, 20);
  a.add(probes, 2);
  b.add(probes, 3);
  a.operation_finished(t0 + 10ms, 10, ErrorKind::kNone, true);
  b.operation_finished(t0 + 3s, 20, ErrorKind::kReset, true);
  a.merge(b);
  EXPECT_EQ(a.histogram(latency).count(), 2u);
  EXPECT_EQ(a.counters()[probes], 5u);
  EXPECT_EQ(a.attempted(), 2u);
  EXPECT_EQ(a.errors()[static_cast<std::size_t>(ErrorKind::kReset)], 1u);
  ASSERT_EQ(a.series().size(), 4u);
  EXPECT_EQ(a.series()[3].failed, 1u);
}

// Every histogram keeps its samples per second (what a comparison's bootstrap resamples): a
// sample goes to the second of the newest finished operation, and merged recorders add their
// seconds, a value's counts summed.
TEST(RecorderTest, KeepsEveryHistogramsSecondsAndMergesThem) {
  MetricSet set;
  const MetricId latency = set.histogram("latency");
  const MetricId ttfb = set.histogram("ttfb");
  const core::TimePoint t0{};
  Recorder a(set, t0), b(set, t0);
  a.record(ttfb, 100);
  a.operation_finished(t0 + 10ms, 10, ErrorKind::kNone, true);  // second 0
  a.operation_finished(t0 + 2s, 10, ErrorKind::kNone, true);    // second 2: 0 closes
  a.record(ttfb, 300);
  a.record(ttfb, 300);
  b.operation_finished(t0 + 2500ms, 10, ErrorKind::kNone, true);
  b.record(ttfb, 300);
  b.record(ttfb, 500);
  const auto seconds = a.intervals(ttfb);
  ASSERT_EQ(seconds.size(), 2u);
  EXPECT_EQ(seconds[0].second, 0);
  EXPECT_EQ(seconds[0].values.size(), 1u);
  EXPECT_EQ(seconds[1].second, 2);
  EXPECT_EQ(seconds[1].values[0].second, 2u);  // two samples of 300
  a.merge(b);
  const auto merged = a.intervals(ttfb);
  ASSERT_EQ(merged.size(), 2u);
  ASSERT_EQ(merged[1].values.size(), 2u);     // 300 and 500
  EXPECT_EQ(merged[1].values[0].second, 3u);  // 300 from both
  EXPECT_TRUE(a.intervals(latency).empty());  // the executor records latency, not this test
}

TEST(IntervalsTest, MergeKeepsSecondOrderAndSumsAValuesCounts) {
  std::vector<IntervalHistogram> into{{0, {{10, 1}, {20, 2}}}, {3, {{10, 1}}}};
  merge_intervals(into, {{1, {{5, 1}}}, {3, {{10, 4}, {30, 1}}}});
  ASSERT_EQ(into.size(), 3u);
  EXPECT_EQ(into[1].second, 1);
  EXPECT_EQ(into[2].values,
            (std::vector<std::pair<std::int64_t, std::uint64_t>>{{10, 5}, {30, 1}}));
}

TEST(RecoveryTimeTest, FirstHealthyOneSecondWindowAfterTheSpike) {
  MetricSet set;
  const core::TimePoint t0{};
  Recorder r(set, t0, /*exceedance_limit_ns=*/1'000'000);
  // 0-5 s healthy; 5-7.5 s slow; healthy again from 7.5 s.
  for (int slot = 0; slot < 120; ++slot) {
    const bool slow = slot >= 50 && slot < 75;
    for (int i = 0; i < 20; ++i) {
      r.operation_finished(t0 + std::chrono::milliseconds(slot * 100 + i),
                           slow ? 5'000'000 : 100'000, ErrorKind::kNone, true);
    }
  }
  // Spike ends at 6 s: windows starting at 6.0 .. 7.4 s contain slow slots; 7.5 s is clean.
  const auto t = recovery_time_ns(r.exceedance(), 6'000'000'000);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(*t, 1'500'000'000);
  // Spike ending after the trouble: recovered at once.
  EXPECT_EQ(recovery_time_ns(r.exceedance(), 8'000'000'000), 0);
  // Never recovering: slots end while still slow.
  Recorder stuck(set, t0, 1'000'000);
  for (int slot = 0; slot < 30; ++slot) {
    stuck.operation_finished(t0 + std::chrono::milliseconds(slot * 100), 5'000'000,
                             ErrorKind::kNone, true);
  }
  EXPECT_FALSE(recovery_time_ns(stuck.exceedance(), 0).has_value());
}

TEST(RecoveryTimeTest, FailuresCountAsOverTheLimit) {
  MetricSet set;
  const core::TimePoint t0{};
  Recorder r(set, t0, 1'000'000);
  for (int slot = 0; slot < 20; ++slot) {
    r.operation_finished(t0 + std::chrono::milliseconds(slot * 100), 10, ErrorKind::kTimeout, true);
  }
  EXPECT_FALSE(recovery_time_ns(r.exceedance(), 0).has_value());
}

RunResult sample_result() {
  MetricSet set;
  const MetricId latency = set.histogram("latency");
  const core::TimePoint t0{};
  Recorder r(set, t0);
  for (int i = 1; i <= 1000; ++i) {
    r.record(latency, i * 1000);
    r.operation_finished(t0 + std::chrono::milliseconds(i), i * 1000, ErrorKind::kNone, true);
  }
  RunResult result = collect(set, r, 1.0);
  result.suite = "s";
  result.scenario = "x";
  result.profile = "ci";
  result.shard = {1, 4};
  result.interrupted = true;
  ThresholdOutcome o;
  o.metric = "latency";
  o.statistic = "p(95)";
  o.comparison = "<=";
  o.limit = 1e6;
  o.measured = 950000;
  o.samples = 1000;
  o.passed = true;
  o.tier = "good";
  result.thresholds.push_back(o);
  return result;
}

TEST(RunResultTest, JsonRoundTripKeepsHistogramsAndVerdicts) {
  const RunResult r = sample_result();
  const nlohmann::json j = r.to_json();
  EXPECT_EQ(j["schema_version"], kResultsSchemaVersion);
  EXPECT_EQ(j["metrics"]["latency"]["count"], 1000);
  EXPECT_EQ(j["interrupted"], true);
  EXPECT_EQ(j["shard"]["index"], 1);
  const RunResult back = RunResult::from_json(nlohmann::json::parse(j.dump()));
  EXPECT_EQ(back.histograms.at("latency"), r.histograms.at("latency"));
  EXPECT_EQ(back.thresholds.size(), 1u);
  EXPECT_EQ(back.thresholds[0].tier, "good");
  EXPECT_EQ(back.series.size(), r.series.size());
  EXPECT_EQ(back.to_json(), j);
}

TEST(RunResultTest, IntervalsRoundTripAndOlderFilesReadWithout) {
  RunResult r = sample_result();
  r.intervals["ttfb"] = {{0, {{1000, 3}, {2000, 1}}}, {1, {{1500, 2}}}};
  nlohmann::json j = r.to_json();
  EXPECT_EQ(RunResult::from_json(j).intervals.at("ttfb")[1].values[0].first, 1500);
  j.erase("intervals");  // a file from before intervals were kept
  EXPECT_TRUE(RunResult::from_json(j).intervals.empty());
  j["intervals"] = {{"ttfb", {{0, 12}}}};
  EXPECT_THROW(RunResult::from_json(j), std::invalid_argument);
}

TEST(RunResultTest, RejectsOtherSchemaVersionsAndMissingFields) {
  nlohmann::json j = sample_result().to_json();
  j["schema_version"] = 99;
  try {
    RunResult::from_json(j);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "unsupported schema_version 99 (this perfgate reads version 1)");
  }
  j = sample_result().to_json();
  j.erase("metrics");
  EXPECT_THROW(RunResult::from_json(j), std::invalid_argument);
  EXPECT_THROW(RunResult::from_json(nlohmann::json::array()), std::invalid_argument);
}

}  // namespace
}  // namespace perfgate::metrics
