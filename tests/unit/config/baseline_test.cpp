// baseline_test - Unit tests for lib/config/baseline.cpp: which changes are regressions, in each
// metric's direction, and how a table's baseline rule is read.
#include "perfgate/config/baseline.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace perfgate::config {
namespace {

// A run whose latency samples are `value_ns` (n of them) and whose throughput is `per_s`.
metrics::RunResult run_with(std::int64_t value_ns, std::uint64_t n, double per_s) {
  metrics::RunResult r;
  r.suite = "s";
  r.scenario = "x";
  metrics::Histogram h;
  h.record(value_ns, n);
  r.histograms["latency"] = h;
  r.rates["throughput"] = {per_s * 10, 10, n};
  r.rates["error_rate"] = {0, static_cast<double>(n), n};
  r.passed = true;
  return r;
}

const Change& find(const std::vector<Change>& changes, const std::string& metric,
                   const std::string& statistic) {
  for (const Change& c : changes) {
    if (c.metric == metric && c.statistic == statistic) return c;
  }
  throw std::runtime_error("no change for " + metric + " " + statistic);
}

// Adds `seconds` seconds of latency samples to `r`: second s at `ns` times a level that moves
// by `wobble` from second to second (0, +w, -w, 0, +w, ...), 100 samples each, and a last
// part-second.
void add_seconds(metrics::RunResult& r, std::int64_t ns, int seconds, double wobble) {
  metrics::Histogram all;
  for (int s = 0; s <= seconds; ++s) {
    const double level = 1 + wobble * ((s % 3) - 1);
    metrics::Histogram second(2);
    second.record(static_cast<std::int64_t>(ns * level), 100);
    all.record(static_cast<std::int64_t>(ns * level), 100);
    metrics::IntervalHistogram h{s, {}};
    second.for_each_bucket([&h](std::int64_t, std::int64_t highest, std::uint64_t c) {
      h.values.emplace_back(highest, c);
    });
    r.intervals["latency"].push_back(h);
  }
  r.histograms["latency"] = all;
  r.duration_s = seconds + 0.5;  // second `seconds` is the part-second the run ended in
}

TEST(BaselineTest, WithSecondsAChangeGetsItsIntervalAndVerdict) {
  auto before = run_with(1, 1, 100), same = run_with(1, 1, 100), slower = run_with(1, 1, 100);
  add_seconds(before, 10'000'000, 20, 0.05);
  add_seconds(same, 10'000'000, 20, 0.05);
  add_seconds(slower, 13'000'000, 20, 0.05);  // +30%
  const std::vector<ComparedStatistic> p95{{"latency", *parse_statistic("p(95)")}};
  const Change regressed = compare_runs(before, slower, p95, 0.10, 100).at(0);
  ASSERT_TRUE(regressed.interval);
  EXPECT_GT(regressed.interval->low, 0.10);
  EXPECT_EQ(regressed.verdict, stats::Verdict::kRegressed);
  EXPECT_TRUE(regressed.regressed);
  EXPECT_THAT(describe_change(regressed), testing::MatchesRegex(R"(\+3.\.[0-9]% \[.*\] at 99%)"));
  const Change unchanged = compare_runs(before, same, p95, 0.10, 100).at(0);
  EXPECT_EQ(unchanged.verdict, stats::Verdict::kUnchanged);
  EXPECT_EQ(describe_verdict(unchanged), "unchanged");
  // Without seconds, the two figures alone, and the verdict says so.
  const Change plain =
      compare_runs(run_with(10'000'000, 1000, 100), run_with(13'000'000, 1000, 100), p95, 0.10, 100)
          .at(0);
  EXPECT_FALSE(plain.interval);
  EXPECT_EQ(describe_verdict(plain), "regressed (no per-second data: judged on the figures alone)");
}

// Several baseline runs show how much unchanged code moves between runs, which one run's seconds
// cannot: a change inside that is not a regression, however large it looks against one run.
TEST(BaselineTest, AgainstSeveralRunsTheirSpreadIsTheNoise) {
  const auto a = run_with(10'000'000, 1000, 100), b = run_with(14'000'000, 1000, 100),
             c = run_with(8'000'000, 1000, 100), d = run_with(12'000'000, 1000, 100);
  const std::vector<ComparedStatistic> p95{{"latency", *parse_statistic("p(95)")}};
  const auto noisy = run_with(13'000'000, 1000, 100);  // +30% against a alone
  EXPECT_TRUE(compare_runs(a, noisy, p95, 0.10, 100).at(0).regressed);
  const Change judged = compare_runs({&a, &b, &c, &d}, noisy, p95, 0.10, 100).at(0);
  ASSERT_TRUE(judged.interval);
  EXPECT_EQ(judged.verdict, stats::Verdict::kInconclusive);
  EXPECT_EQ(judged.note, "against 4 baseline runs");
  const auto slow = run_with(60'000'000, 1000, 100);  // far beyond the runs' spread
  EXPECT_EQ(compare_runs({&a, &b, &c, &d}, slow, p95, 0.10, 100).at(0).verdict,
            stats::Verdict::kRegressed);
}

TEST(BaselineTest, SlowerLatencyBeyondTheAllowanceIsARegression) {
  const auto before = run_with(10'000'000, 1000, 100);
  const auto after = run_with(12'000'000, 1000, 100);  // +20%
  const auto changes = compare_runs(before, after, default_statistics(after), 0.10, 100);
  const Change& p95 = find(changes, "latency", "p(95)");
  ASSERT_TRUE(p95.change.has_value());
  EXPECT_NEAR(*p95.change, 0.20, 0.01);
  EXPECT_TRUE(p95.regressed);
  // Within a 25% allowance it is not.
  EXPECT_FALSE(
      find(compare_runs(before, after, default_statistics(after), 0.25, 100), "latency", "p(95)")
          .regressed);
}

TEST(BaselineTest, FasterLatencyAndHigherThroughputAreNotRegressions) {
  const auto before = run_with(10'000'000, 1000, 100);
  const auto after = run_with(5'000'000, 1000, 200);
  for (const Change& c : compare_runs(before, after, default_statistics(after), 0.10, 100)) {
    EXPECT_FALSE(c.regressed) << c.metric << " " << c.statistic;
  }
}

TEST(BaselineTest, LowerThroughputIsARegression) {
  const auto before = run_with(10'000'000, 1000, 100);
  const auto after = run_with(10'000'000, 1000, 80);  // -20%
  // Kept: find() returns a reference into it (AddressSanitizer caught a temporary here).
  const auto changes = compare_runs(before, after, default_statistics(after), 0.10, 100);
  const Change& tp = find(changes, "throughput", "rate");
  EXPECT_EQ(tp.direction, metrics::Direction::kAtLeast);
  EXPECT_TRUE(tp.regressed);
}

TEST(BaselineTest, AZeroBaselineOrTooFewSamplesIsShownButNotJudged) {
  const auto changes = compare_runs(run_with(10'000'000, 50, 100), run_with(20'000'000, 50, 100),
                                    default_statistics(run_with(1, 1, 1)), 0.10, 100);
  const Change& p95 = find(changes, "latency", "p(95)");
  EXPECT_FALSE(p95.regressed);
  EXPECT_THAT(p95.note, ::testing::HasSubstr("fewer than 100 samples"));
  const Change& errors = find(changes, "error_rate", "rate");
  EXPECT_FALSE(errors.change.has_value());
  EXPECT_THAT(errors.note, ::testing::HasSubstr("baseline is 0"));
}

// A ci run against a nightly baseline differs by its load, not its code: not comparable.
TEST(BaselineTest, RunsOfAnotherProfileOrScenarioAreNotComparable) {
  auto before = run_with(10'000'000, 1000, 100);
  auto after = run_with(10'000'000, 1000, 100);
  before.profile = after.profile = "ci";
  EXPECT_EQ(incomparable(before, after), std::nullopt);
  before.profile = "nightly";
  EXPECT_EQ(incomparable(before, after),
            "the baseline ran profile 'nightly', this run 'ci': their loads differ, so would "
            "their figures");
  before.profile = "ci";
  before.scenario = "y";
  EXPECT_EQ(incomparable(before, after), "the baseline is s/y, this run s/x");
}

TEST(BaselineTest, ApplyAddsBaselineRulesAndFailsTheRun) {
  const auto before = run_with(10'000'000, 1000, 100);
  auto after = run_with(15'000'000, 1000, 100);
  const auto stats = std::vector<ComparedStatistic>{{"latency", *parse_statistic("p(95)")}};
  apply_baseline(compare_runs(before, after, stats, 0.10, 100), 0.10, "base.json", after);
  ASSERT_EQ(after.thresholds.size(), 1u);
  const auto& o = after.thresholds[0];
  EXPECT_EQ(o.tier, "baseline");
  EXPECT_FALSE(o.passed);
  EXPECT_NEAR(o.limit, 11'000'000, 20'000);  // the baseline p95 plus 10%
  EXPECT_THAT(o.note, ::testing::HasSubstr("+50."));
  EXPECT_FALSE(after.passed);
  EXPECT_EQ(after.context["baseline"]["file"], "base.json");
}

TEST(BaselineTest, TableRuleIsReadAndItsFileResolvedNextToTheTable) {
  const auto table = parse_table(R"j({"suite": "s",
    "baseline": {"file": "baseline-results", "max_regression": "15%"},
    "scenarios": {
      "x": {"load": {"ci": {"executor": "closed_loop", "users": 1, "duration": "1s"}},
            "thresholds": {"latency": {"p(95)": {"acceptable": "1s"}}}},
      "y": {"load": {"ci": {"executor": "closed_loop", "users": 1, "duration": "1s"}},
            "thresholds": {"latency": {"p(99)": {"acceptable": "1s"}}},
            "baseline": {"file": "/abs/y.json"}}}})j",
                                 "/repo/thresholds/s.json", "ci");
  const ScenarioConfig& x = table.scenario("x");
  ASSERT_TRUE(x.baseline.has_value());
  EXPECT_EQ(x.baseline->path, "/repo/thresholds/baseline-results");
  EXPECT_DOUBLE_EQ(x.baseline->max_regression, 0.15);
  const ScenarioConfig& y = table.scenario("y");
  EXPECT_EQ(y.baseline->path, "/abs/y.json");
  EXPECT_DOUBLE_EQ(y.baseline->max_regression, 0.10);
  const auto stats = rule_statistics(y);
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_EQ(stats[0].statistic.text, "p(99)");
}

}  // namespace
}  // namespace perfgate::config
