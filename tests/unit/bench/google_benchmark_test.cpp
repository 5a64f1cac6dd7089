// google_benchmark_test - Google Benchmark's JSON read into a perfgate run: one sample per
// repetition in picoseconds, intervals by repetition or by A/B round, aggregates left out, errors
// named; the context's hygiene warnings; the command line from a table's settings.
#include "perfgate/bench/google_benchmark.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "perfgate/config/baseline.hpp"
#include "perfgate/core/error.hpp"
#include "perfgate/stats/change.hpp"

namespace perfgate::bench {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// What GB 1.7 writes for `--benchmark_repetitions=3 --benchmark_out_format=json` (abridged): three
// repetitions of a benchmark timed in ns with items_per_second, one in us, and the aggregates.
// `scale` multiplies BM_Record's times (a slower build, a slower machine).
nlohmann::json output(double scale = 1.0) {
  nlohmann::json j = nlohmann::json::parse(R"j({
    "context": {"date": "2026-12-05T03:00:00+00:00", "host_name": "ci", "num_cpus": 2,
                "mhz_per_cpu": 2800, "cpu_scaling_enabled": false, "load_avg": [0.4, 0.3, 0.2],
                "library_build_type": "release"},
    "benchmarks": [
      {"name": "BM_Record", "run_name": "BM_Record", "run_type": "iteration", "repetitions": 3,
       "repetition_index": 0, "threads": 1, "iterations": 1000000, "real_time": 2.5,
       "cpu_time": 2.4, "time_unit": "ns", "items_per_second": 4.0e8},
      {"name": "BM_Parse/4096", "run_name": "BM_Parse/4096", "run_type": "iteration",
       "repetitions": 3, "repetition_index": 0, "iterations": 5000, "real_time": 40.0,
       "cpu_time": 39.0, "time_unit": "us", "bytes_per_second": 1.0e8},
      {"name": "BM_Record", "run_name": "BM_Record", "run_type": "iteration", "repetitions": 3,
       "repetition_index": 1, "iterations": 1000000, "real_time": 2.6, "cpu_time": 2.5,
       "time_unit": "ns", "items_per_second": 3.9e8},
      {"name": "BM_Record", "run_name": "BM_Record", "run_type": "iteration", "repetitions": 3,
       "repetition_index": 2, "iterations": 1000000, "real_time": 2.7, "cpu_time": 2.6,
       "time_unit": "ns", "items_per_second": 3.8e8},
      {"name": "BM_Record_mean", "run_name": "BM_Record", "run_type": "aggregate",
       "aggregate_name": "mean", "real_time": 2.6, "cpu_time": 2.5, "time_unit": "ns"}
    ]})j");
  for (auto& b : j["benchmarks"]) {
    if (b["run_name"] == "BM_Record") b["real_time"] = b["real_time"].get<double>() * scale;
  }
  return j;
}

TEST(GoogleBenchmarkOutput, RepetitionsAreReadAndAggregatesLeftOut) {
  const ProgramOutput o = parse_output(output());
  ASSERT_EQ(o.repetitions.size(), 4u);
  EXPECT_EQ(o.repetitions[0].name, "BM_Record");
  EXPECT_DOUBLE_EQ(o.repetitions[0].real_ns, 2.5);
  EXPECT_EQ(o.repetitions[1].name, "BM_Parse/4096");
  EXPECT_DOUBLE_EQ(o.repetitions[1].real_ns, 40'000);  // us read as ns
  EXPECT_EQ(o.repetitions[1].bytes_per_second, 1.0e8);
  EXPECT_EQ(o.repetitions[3].index, 2);
  EXPECT_EQ(o.context["num_cpus"], 2);
}

TEST(GoogleBenchmarkOutput, ARunIsOneSamplePerRepetitionInPicoseconds) {
  const metrics::RunResult r = to_run({parse_output(output())}, 1.5);
  EXPECT_EQ(r.interval_unit, metrics::IntervalUnit::kRepetition);
  const metrics::Histogram& record = r.histograms.at("real_time{benchmark:BM_Record}");
  EXPECT_EQ(record.count(), 3u);
  EXPECT_NEAR(record.percentile(50), 2'600, 2);  // 2.6 ns, in ps: not rounded to 3 ns
  EXPECT_EQ(r.histograms.at("cpu_time{benchmark:BM_Parse/4096}").count(), 1u);
  EXPECT_EQ(r.histograms.at("items_per_second{benchmark:BM_Record}").count(), 3u);
  EXPECT_TRUE(r.histograms.count("bytes_per_second{benchmark:BM_Parse/4096}"));
  // Each repetition is an interval: what a comparison's interval rests on.
  std::vector<std::int64_t> seen;
  for (const auto& i : r.intervals.at("real_time{benchmark:BM_Record}")) seen.push_back(i.second);
  EXPECT_THAT(seen, ElementsAre(0, 1, 2));
  EXPECT_TRUE(r.round_starts.empty());
  EXPECT_EQ(r.attempted, 4u);
  EXPECT_EQ(r.context["google_benchmark"]["host_name"], "ci");
  EXPECT_FALSE(r.context.contains("warnings"));
  // Through a results file and back.
  const metrics::RunResult back = metrics::RunResult::from_json(r.to_json());
  EXPECT_EQ(back.interval_unit, metrics::IntervalUnit::kRepetition);
  EXPECT_EQ(back.intervals.at("real_time{benchmark:BM_Record}").size(), 3u);
}

// Each repetition is its own process, and a process draws its memory placement: on a VM that
// puts BM_HttpResponse at 148 or 250 ns (a quarter of processes), steady within one, and
// independently for the two sides of a round. Over 20 repetitions a side, with the machine's
// speed drifting 5% as well, a 20% slower candidate is a sure regression and the same program
// is not; round pairs (signed ranks of the pairs' ratios) see the placement twice and call the
// +20% inconclusive.
TEST(GoogleBenchmarkOutput, RepetitionsAreComparedAsIndependentProcesses) {
  std::vector<ProgramOutput> a, same, slower;
  const auto placement = [](int k, int side) { return (k * 7 + side * 3) % 4 == 0 ? 1.7 : 1.0; };
  for (int k = 0; k < 20; ++k) {
    const double drift = 1 + 0.05 * (k % 3);
    a.push_back(parse_output(output(drift * placement(k, 0))));
    same.push_back(parse_output(output(drift * placement(k, 1))));
    slower.push_back(parse_output(output(drift * placement(k, 2) * 1.2)));
  }
  const metrics::RunResult base = to_run(a, 1), b_same = to_run(same, 1),
                           b_slow = to_run(slower, 1);
  EXPECT_EQ(base.round_starts.size(), 20u);
  const std::vector<config::ComparedStatistic> stat{
      {"real_time{benchmark:BM_Record}", *config::parse_statistic("p(50)")}};
  const config::Change regressed = config::compare_runs(base, b_slow, stat, 0.10, 20).at(0);
  ASSERT_TRUE(regressed.interval);
  EXPECT_EQ(regressed.interval->pairs, 0u);  // the ranks' interval (99.5%), not the pairs'
  EXPECT_TRUE(regressed.regressed) << config::describe_verdict(regressed);
  EXPECT_GT(regressed.interval->low, 0.05);
  EXPECT_LT(regressed.interval->high, 0.35);
  // The change reported is the median of all comparisons, inside its interval.
  ASSERT_TRUE(regressed.change);
  EXPECT_NEAR(*regressed.change, 0.20, 0.05);
  const config::Change unchanged = config::compare_runs(base, b_same, stat, 0.10, 20).at(0);
  EXPECT_FALSE(unchanged.regressed) << config::describe_verdict(unchanged);
  EXPECT_NE(unchanged.verdict, stats::Verdict::kImproved) << config::describe_verdict(unchanged);
  // What pairing would have said of the +20%.
  const auto intervals = [](const metrics::RunResult& r) {
    return config::interval_data(*config::parse_statistic("p(50)"),
                                 "real_time{benchmark:BM_Record}", r);
  };
  const auto paired = stats::paired_change_interval(*intervals(base), *intervals(b_slow));
  ASSERT_TRUE(paired);
  EXPECT_LT(paired->low, 0.0);
}

// The machine's speed moving over stretches of rounds (here up to 2.2x, both sides of a round
// alike) is what round pairs cancel: in A/B the pairs' interval decides when the ranks' cannot.
TEST(GoogleBenchmarkOutput, AbRoundsPairUpWhenTheMachineDrifts) {
  std::vector<ProgramOutput> a, same, slower;
  for (int k = 0; k < 10; ++k) {
    const double drift = 1 + 0.6 * (k % 3);
    a.push_back(parse_output(output(drift)));
    same.push_back(parse_output(output(drift * (k % 2 ? 1.01 : 0.99))));
    slower.push_back(parse_output(output(drift * 1.2)));
  }
  const metrics::RunResult base = to_run(a, 1), b_same = to_run(same, 1),
                           b_slow = to_run(slower, 1);
  const std::vector<config::ComparedStatistic> stat{
      {"real_time{benchmark:BM_Record}", *config::parse_statistic("p(50)")}};
  const config::Change regressed = config::compare_runs(base, b_slow, stat, 0.10, 10).at(0);
  ASSERT_TRUE(regressed.interval);
  EXPECT_EQ(regressed.interval->pairs, 10u);
  EXPECT_EQ(regressed.interval->confidence, 0.99);  // each interval at 99.5%: 99% in all
  EXPECT_TRUE(regressed.regressed) << config::describe_verdict(regressed);
  ASSERT_TRUE(regressed.change);
  EXPECT_NEAR(*regressed.change, 0.20, 0.005);
  const config::Change unchanged = config::compare_runs(base, b_same, stat, 0.10, 10).at(0);
  EXPECT_EQ(unchanged.verdict, stats::Verdict::kUnchanged) << config::describe_verdict(unchanged);
  // A stored run (no rounds) has only the ranks, which that drift defeats.
  metrics::RunResult stored_a = base, stored_b = b_slow;
  stored_a.round_starts.clear();
  stored_b.round_starts.clear();
  const config::Change stored = config::compare_runs(stored_a, stored_b, stat, 0.10, 10).at(0);
  EXPECT_EQ(stored.verdict, stats::Verdict::kInconclusive) << config::describe_verdict(stored);
}

// One round of ten three times as slow moves the mean of the merged rounds by +20%; the change
// the verdict reports is the centre of the comparisons, which that round does not move.
TEST(GoogleBenchmarkOutput, TheChangeIsTheComparisonsCentreNotTheMergedRatio) {
  std::vector<ProgramOutput> a, b;
  for (int k = 0; k < 10; ++k) {
    a.push_back(parse_output(output(1.0)));
    b.push_back(parse_output(output(k == 4 ? 3.0 : 1.0)));
  }
  const std::vector<config::ComparedStatistic> stat{
      {"real_time{benchmark:BM_Record}", *config::parse_statistic("avg")}};
  const config::Change c = config::compare_runs(to_run(a, 1), to_run(b, 1), stat, 0.10, 10).at(0);
  ASSERT_TRUE(c.interval && c.change && c.baseline && c.current);
  EXPECT_NEAR(*c.current / *c.baseline - 1, 0.20, 1e-9);  // the merged figures
  EXPECT_NEAR(*c.change, 0.0, 1e-9);
  EXPECT_GE(*c.change, c.interval->low);
  EXPECT_LE(*c.change, c.interval->high);
  EXPECT_FALSE(c.regressed) << config::describe_verdict(c);
}

// Too few repetitions to decide a 3% change against a 5% allowance: the verdict asks for more
// repetitions (A/B rounds or a stored run alike), not for longer runs.
TEST(GoogleBenchmarkOutput, InconclusiveAsksForMoreRepetitions) {
  std::vector<ProgramOutput> a, b;
  for (int k = 0; k < 8; ++k) {
    a.push_back(parse_output(output(1.0)));
    b.push_back(parse_output(output(k % 2 ? 1.09 : 0.97)));
  }
  const std::vector<config::ComparedStatistic> stat{
      {"real_time{benchmark:BM_Record}", *config::parse_statistic("p(50)")}};
  const config::Change ab = config::compare_runs(to_run(a, 1), to_run(b, 1), stat, 0.05, 8).at(0);
  ASSERT_EQ(ab.verdict, stats::Verdict::kInconclusive) << config::describe_verdict(ab);
  EXPECT_THAT(config::describe_verdict(ab), HasSubstr("as many repetitions would decide"));
  metrics::RunResult one_a = to_run({a[0], a[1], a[2], a[3], a[4], a[5]}, 1);
  metrics::RunResult one_b = to_run({b[0], b[1], b[2], b[3], b[4], b[5]}, 1);
  one_a.round_starts.clear();  // a stored run of an older perfgate: repetitions of one process
  one_b.round_starts.clear();
  const config::Change stored = config::compare_runs(one_a, one_b, stat, 0.05, 6).at(0);
  ASSERT_EQ(stored.verdict, stats::Verdict::kInconclusive) << config::describe_verdict(stored);
  EXPECT_THAT(config::describe_verdict(stored), HasSubstr("as many repetitions would decide"));
}

// `perfgate compare` without a table: a benchmark run's figures at p(50) alone, since the
// verdict over repetitions is one shift for every percentile (p(95) and p(99) would repeat it).
TEST(GoogleBenchmarkOutput, CompareShowsTheMedianRepetition) {
  const metrics::RunResult r = to_run({parse_output(output())}, 1);
  const auto stats = config::default_statistics(r);
  ASSERT_EQ(stats.size(), r.histograms.size());
  for (const auto& s : stats) EXPECT_EQ(s.statistic.text, "p(50)") << s.metric;
}

TEST(GoogleBenchmarkOutput, ErrorsAreNamed) {
  nlohmann::json failed = output();
  failed["benchmarks"][0]["error_occurred"] = true;
  failed["benchmarks"][0]["error_message"] = "file not found";
  try {
    parse_output(failed);
    ADD_FAILURE() << "an errored benchmark was read";
  } catch (const core::Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("BM_Record reported an error: file not found"));
  }
  nlohmann::json unit = output();
  unit["benchmarks"][1]["time_unit"] = "fortnights";
  EXPECT_THROW(parse_output(unit), core::Error);
  EXPECT_THROW(parse_output(nlohmann::json::object()), core::Error);
  nlohmann::json none = output();
  none["benchmarks"] = nlohmann::json::array();
  try {
    parse_output(none);
    ADD_FAILURE() << "no benchmarks was read";
  } catch (const core::Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("no benchmark ran"));
  }
}

TEST(GoogleBenchmarkContext, NoisyMachineIsSaid) {
  EXPECT_TRUE(hygiene_warnings(output()["context"]).empty());
  nlohmann::json c = output()["context"];
  c["cpu_scaling_enabled"] = true;
  c["load_avg"] = {1.7, 1.0, 0.5};
  c["library_build_type"] = "debug";
  const auto w = hygiene_warnings(c);
  ASSERT_EQ(w.size(), 3u);
  EXPECT_THAT(w[0], HasSubstr("frequency scaling"));
  EXPECT_THAT(w[1], HasSubstr("load average 1.70 on 2 CPUs"));
  EXPECT_THAT(w[2], HasSubstr("debug build"));
  // A load of about 1 is perfgate's own benchmark runs, back to back: not a busy machine.
  c["load_avg"] = {1.17, 1.0, 0.5};
  c["cpu_scaling_enabled"] = false;
  c["library_build_type"] = "release";
  EXPECT_TRUE(hygiene_warnings(c).empty());
}

TEST(GoogleBenchmarkCommand, FromTheTableSettings) {
  config::BenchmarkPlan plan;
  plan.repetitions = 20;
  plan.min_time = std::chrono::milliseconds(50);
  plan.filter = "BM_Record";
  EXPECT_THAT(
      command_line("./bench", plan, 20, "/tmp/o.json"),
      ElementsAre("./bench", "--benchmark_out=/tmp/o.json", "--benchmark_out_format=json",
                  "--benchmark_repetitions=20", "--benchmark_min_time=0.05",
                  "--benchmark_enable_random_interleaving=true", "--benchmark_filter=BM_Record"));
  plan.cpu = 1;
  plan.filter.clear();
  // One repetition a process: the interleaving still shuffles the benchmarks' order.
  EXPECT_THAT(
      command_line("./bench", plan, 1, "o"),
      ElementsAre("taskset", "-c", "1", "./bench", "--benchmark_out=o",
                  "--benchmark_out_format=json", "--benchmark_repetitions=1",
                  "--benchmark_min_time=0.05", "--benchmark_enable_random_interleaving=true"));
  plan.random_interleaving = false;
  EXPECT_THAT(command_line("./bench", plan, 1, "o"),
              ::testing::Not(::testing::Contains("--benchmark_enable_random_interleaving=true")));
}

}  // namespace
}  // namespace perfgate::bench
