// suite_gate_test - End-to-end tests of a suite program as CI runs it: the gate fails naming the
// metric, the measured value and the limit; a malformed table or a missing target stops it before
// any request is sent; a passing run writes a valid results file.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "perfgate/metrics/catalog.hpp"
#include "perfgate/report/results_file.hpp"
#include "process.hpp"
#include "suite_program.hpp"

namespace perfgate {
namespace {

namespace fs = std::filesystem;

class SuiteGateTest : public testing::SuiteProgramTest {
 protected:
  // `extra`: more top-level keys, e.g. R"("baseline": {...},)".
  void write_table(const std::string& latency_rule, const std::string& extra = "") {
    write_file("concurrent_users.json",
               R"j({"suite": "concurrent_users", )j" + extra + R"j( "scenarios": {
      "sustained_load": {
        "load": { "ci": { "executor": "closed_loop", "users": 4, "duration": "2s", "think_time": "5ms" } },
        "thresholds": { "latency": )j" +
                   latency_rule + R"j(, "error_rate": { "rate": { "acceptable": "1%" } } },
        "min_samples": 50 } } })j");
  }

  testing::ProgramResult run_suite(const std::map<std::string, std::string>& env,
                                   const std::string& program = PERFGATE_USERS_SUITE_BIN,
                                   const std::string& filter = "*SustainedLoad*") {
    return SuiteProgramTest::run_suite(env, program, filter);
  }
};

TEST_F(SuiteGateTest, ImpossibleLimitFailsNamingMetricValueLimitAndSamples) {
  testing::ReferenceService service;
  write_table(R"j({ "p(95)": { "acceptable": "1us" } })j");
  const auto result = run_suite({{"PERFGATE_TARGET_HTTP", service.url()}});
  EXPECT_NE(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("latency p(95) = "), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("limit <= 1.0us (tier none, "), std::string::npos) << result.output;
  const auto file = dir_ + "/results/concurrent_users/sustained_load.json";
  ASSERT_TRUE(fs::exists(file));
  const auto j = nlohmann::json::parse(std::ifstream(file));
  EXPECT_EQ(j["passed"], false);
  EXPECT_EQ(j["interrupted"], false);
}

TEST_F(SuiteGateTest, PassingRunWritesACompleteResultsFile) {
  testing::ReferenceService service;
  write_table(R"j({ "p(95)": { "acceptable": "1s" } })j");
  const auto result = run_suite({{"PERFGATE_TARGET_HTTP", service.url()}});
  EXPECT_EQ(result.exit_code, 0) << result.output;
  const auto j =
      nlohmann::json::parse(std::ifstream(dir_ + "/results/concurrent_users/sustained_load.json"));
  EXPECT_EQ(j["schema_version"], 1);
  EXPECT_EQ(j["passed"], true);
  EXPECT_GT(j["metrics"]["latency"]["count"].get<int>(), 50);
  EXPECT_GT(j["metrics"]["latency"]["p95"].get<double>(), 0.0);
  EXPECT_TRUE(j["metrics"]["latency"].contains("histogram"));
  EXPECT_EQ(j["context"]["targets"]["http"]["url"], service.url());
  EXPECT_GT(api_requests(service), 50u);
}

TEST_F(SuiteGateTest, BaselineRuleFailsARunSlowerThanTheStoredRun) {
  testing::ReferenceService service;
  write_table(R"j({ "p(95)": { "acceptable": "1s" } })j");
  ASSERT_EQ(run_suite({{"PERFGATE_TARGET_HTTP", service.url()}}).exit_code, 0);
  // The stored run: this one, 100 times faster.
  metrics::RunResult stored =
      report::read_results(dir_ + "/results/concurrent_users/sustained_load.json");
  for (auto& [key, h] : stored.histograms) {
    if (!key.starts_with("latency")) continue;
    metrics::Histogram faster;
    h.for_each_bucket(
        [&](std::int64_t low, std::int64_t, std::uint64_t n) { faster.record(low / 100, n); });
    h = faster;
  }
  report::write_results(dir_ + "/baseline", stored);

  write_table(R"j({ "p(95)": { "acceptable": "1s" } })j",
              R"j("baseline": {"file": "baseline", "max_regression": "10%"},)j");
  const auto slower = run_suite({{"PERFGATE_TARGET_HTTP", service.url()}});
  EXPECT_NE(slower.exit_code, 0) << slower.output;
  EXPECT_NE(slower.output.find("% vs baseline (10.00% allowed)"), std::string::npos)
      << slower.output;
  const auto j =
      nlohmann::json::parse(std::ifstream(dir_ + "/results/concurrent_users/sustained_load.json"));
  EXPECT_EQ(j["passed"], false);
  EXPECT_EQ(j["context"]["baseline"]["file"],
            dir_ + "/baseline/concurrent_users/sustained_load.json");

  // No stored run yet (a new branch): said, and not judged.
  const auto first = run_suite(
      {{"PERFGATE_TARGET_HTTP", service.url()}, {"PERFGATE_BASELINE", dir_ + "/none-yet"}});
  EXPECT_EQ(first.exit_code, 0) << first.output;
  EXPECT_NE(first.output.find("perfgate: no baseline at " + dir_ + "/none-yet"), std::string::npos)
      << first.output;
}

TEST_F(SuiteGateTest, MalformedTableFailsBeforeAnyRequest) {
  testing::ReferenceService service;
  write_table(R"j({ "p95": { "acceptable": "1s" } })j");
  const auto result = run_suite({{"PERFGATE_TARGET_HTTP", service.url()}});
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.output.find(
                dir_ + "/concurrent_users.json: /scenarios/sustained_load/thresholds/latency/p95: "
                       "unknown statistic 'p95'"),
            std::string::npos)
      << result.output;
  EXPECT_EQ(api_requests(service), 0u);
}

TEST_F(SuiteGateTest, ShardFlagRunsItsShareAndShardsMergeAndCheckLikeOneRun) {
  testing::ReferenceService service;
  write_table(R"j({ "p(95)": { "acceptable": "1s" } })j");  // 4 users for 2s
  std::vector<std::string> files;
  for (const char* shard : {"0/2", "1/2"}) {
    const auto run = testing::run_program(
        {PERFGATE_USERS_SUITE_BIN, "--gtest_filter=*SustainedLoad*", "--shard", shard},
        suite_environment({{"PERFGATE_TARGET_HTTP", service.url()}}));
    ASSERT_EQ(run.exit_code, 0) << run.output;
    EXPECT_NE(run.output.find(std::string("result: shard ") + shard +
                              " done; the gate is the merged run's"),
              std::string::npos)
        << run.output;
  }
  const std::string dir = dir_ + "/results/concurrent_users/";
  const auto a = report::read_results(dir + "sustained_load.shard-0-of-2.json");
  const auto b = report::read_results(dir + "sustained_load.shard-1-of-2.json");
  EXPECT_EQ(a.shard.index, 0);
  EXPECT_EQ(b.shard.index, 1);
  EXPECT_EQ(b.shard.count, 2);
  // Each user logs in once when it starts: two of the four users in each shard.
  EXPECT_EQ(a.histograms.at("latency{behaviour:start}").count(), 2u);
  EXPECT_EQ(b.histograms.at("latency{behaviour:start}").count(), 2u);

  const auto merged = testing::run_program(
      {PERFGATE_BIN, "merge", dir + "sustained_load.shard-0-of-2.json",
       dir + "sustained_load.shard-1-of-2.json", "-o", dir_ + "/merged/sustained_load.json"},
      {});
  ASSERT_EQ(merged.exit_code, 0) << merged.output;
  const auto m = report::read_results(dir_ + "/merged/sustained_load.json");
  EXPECT_EQ(m.completed, a.completed + b.completed);
  metrics::Histogram both = a.histograms.at("latency");
  both.merge(b.histograms.at("latency"));
  EXPECT_EQ(m.histograms.at("latency"), both);
  const auto checked =
      testing::run_program({PERFGATE_BIN, "check", dir_ + "/merged", "--thresholds", dir_}, {});
  EXPECT_EQ(checked.exit_code, 0) << checked.output;
  EXPECT_NE(checked.output.find("result: PASSED"), std::string::npos) << checked.output;
}

// scripts/sharded-run, as a user runs it: four shard processes against the reference service it
// starts, merged and checked. The merge is exact and the merged run gates as one run would.
TEST_F(SuiteGateTest, ShardedRunOfFourMergesExactlyAndGatesLikeOneRun) {
  // 8 users for 4s with at least 5ms between a user's operations: a shard of 2 users makes at
  // most 1,600 operations, under min_samples; the four together make more.
  const std::string table = R"j({"suite": "concurrent_users", "scenarios": {
      "sustained_load": {
        "load": { "ci": { "executor": "closed_loop", "users": 8, "duration": "4s", "think_time": "5ms" } },
        "thresholds": { "latency": { "p(95)": { "acceptable": "1s" } },
                        "error_rate": { "rate": { "acceptable": "1%" } },
                        "throughput": { "rate": { "acceptable": "50/s" } } },
        "min_samples": 2000 } } })j";
  write_file("concurrent_users.json", table);
  auto env = suite_environment({});
  env["PERFGATE_BIN_DIR"] = fs::path(PERFGATE_BIN).parent_path().string();
  const auto run = testing::run_program({"bash", PERFGATE_SOURCE_DIR "/scripts/sharded-run", "4",
                                         "users", "--gtest_filter=*SustainedLoad*"},
                                        env);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("result: PASSED"), std::string::npos) << run.output;

  std::vector<metrics::RunResult> shards;
  for (int i = 0; i < 4; ++i) {
    shards.push_back(report::read_results(fmt::format(
        "{}/results/shards/concurrent_users/sustained_load.shard-{}-of-4.json", dir_, i)));
    EXPECT_EQ(shards.back().histograms.at("latency{behaviour:start}").count(), 2u) << i;
    EXPECT_LT(shards.back().samples(), 2000u) << "a shard alone cannot meet min_samples";
    EXPECT_TRUE(shards.back().passed) << "a shard's gate is the merged run's";
  }
  const std::string merged_file = dir_ + "/results/concurrent_users/sustained_load.json";
  const auto merged = report::read_results(merged_file);
  std::uint64_t attempted = 0, latency_count = 0;
  metrics::Histogram fed;  // one histogram fed every shard's samples
  for (const auto& shard : shards) {
    attempted += shard.attempted;
    latency_count += shard.histograms.at("latency").count();
    shard.histograms.at("latency").for_each_bucket(
        [&](std::int64_t low, std::int64_t, std::uint64_t n) { fed.record(low, n); });
  }
  EXPECT_EQ(merged.attempted, attempted);
  EXPECT_EQ(merged.histograms.at("latency").count(), latency_count);
  EXPECT_GE(merged.samples(), 2000u);
  // The percentiles as written in the merged file, against the fed histogram's.
  const auto written = nlohmann::json::parse(std::ifstream(merged_file))["metrics"]["latency"];
  const double ms = metrics::find_metric("latency")->scale;  // ns to the written unit
  EXPECT_EQ(written["count"].get<std::uint64_t>(), fed.count());
  for (const auto& [field, p] : std::vector<std::pair<std::string, double>>{
           {"p50", 50}, {"p90", 90}, {"p95", 95}, {"p99", 99}, {"p999", 99.9}}) {
    EXPECT_DOUBLE_EQ(written[field].get<double>(), static_cast<double>(fed.percentile(p)) * ms)
        << field;
  }
  std::int64_t max = 0;  // histograms keep the exact extremes beside their buckets
  for (const auto& shard : shards) max = std::max(max, shard.histograms.at("latency").max());
  EXPECT_DOUBLE_EQ(written["max"].get<double>(), static_cast<double>(max) * ms);

  // A failing rule fails the merged run with a suite's message...
  fs::create_directories(dir_ + "/strict");
  write_file("strict/concurrent_users.json",
             std::string(table).replace(table.find("\"1s\""), 4, "\"1us\""));
  const auto strict = testing::run_program(
      {PERFGATE_BIN, "check", merged_file, "--thresholds", dir_ + "/strict"}, {});
  EXPECT_EQ(strict.exit_code, 1) << strict.output;
  EXPECT_NE(strict.output.find("concurrent_users/sustained_load failed:\n  latency p(95) = "),
            std::string::npos)
      << strict.output;
  EXPECT_NE(strict.output.find("limit <= 1.0us (tier none, "), std::string::npos) << strict.output;
  EXPECT_NE(strict.output.find("result: FAILED"), std::string::npos) << strict.output;

  // ...and passing, the merged file carries the same verdicts as an unsharded run's.
  testing::ReferenceService service;
  ASSERT_EQ(run_suite({{"PERFGATE_TARGET_HTTP", service.url()}}).exit_code, 0);
  const auto single = report::read_results(dir_ + "/results/concurrent_users/sustained_load.json");
  ASSERT_EQ(single.shard.count, 1);
  ASSERT_EQ(merged.thresholds.size(), single.thresholds.size());
  for (std::size_t i = 0; i < single.thresholds.size(); ++i) {
    EXPECT_EQ(merged.thresholds[i].metric, single.thresholds[i].metric);
    EXPECT_EQ(merged.thresholds[i].statistic, single.thresholds[i].statistic);
    EXPECT_EQ(merged.thresholds[i].limit, single.thresholds[i].limit);
    EXPECT_TRUE(merged.thresholds[i].passed) << merged.thresholds[i].metric;
  }
  EXPECT_TRUE(merged.passed);
}

// A reference service that serves 8 requests at once, each for 20ms, takes at most 400/s:
// capacity search must find that knee within 10%, and write the curve that shows it.
TEST_F(SuiteGateTest, CapacitySearchFindsTheKneeOfAConcurrencyLimitWithin10Percent) {
  testing::ReferenceService service({"--latency", "20ms", "--concurrency-limit", "8"});
  const double knee = 8 / 0.020;
  // Slots log in before the clock (prestart) so that each step measures browsing alone.
  write_file("concurrent_users.json", R"j({"suite": "concurrent_users", "scenarios": {
      "capacity": {
        "load": { "ci": { "executor": "capacity", "start_rate": "100/s", "max_rate": "5000/s",
                          "step_duration": "2s", "precision": "3%", "cooldown": "300ms",
                          "max_in_flight": 16, "prestart": true, "graceful_stop": "1s" } },
        "thresholds": { "latency": { "p(95)": { "acceptable": "60ms" } },
                        "error_rate": { "rate": { "acceptable": "1%" } },
                        "capacity": { "rate": { "acceptable": "100/s" } } },
        "min_samples": 100 } } })j");
  const auto run =
      run_suite({{"PERFGATE_TARGET_HTTP", service.url()}}, PERFGATE_USERS_SUITE_BIN, "*Capacity*");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const std::string file = dir_ + "/results/concurrent_users/capacity.json";
  const auto r = report::read_results(file);
  ASSERT_TRUE(r.capacity.has_value());
  const metrics::CapacityCurve& curve = *r.capacity;
  ASSERT_TRUE(curve.highest_held && curve.lowest_broken) << run.output;
  EXPECT_NEAR(*curve.highest_held, knee, 0.10 * knee) << run.output;
  EXPECT_EQ(curve.ended_by, "precision reached");
  EXPECT_LE((*curve.lowest_broken - *curve.highest_held) / *curve.highest_held, 0.03);
  EXPECT_DOUBLE_EQ(r.rates.at("capacity").value(), *curve.highest_held);
  // The curve: latency against offered rate, held below the knee and broken above it.
  ASSERT_GE(curve.steps.size(), 5u);
  for (const metrics::CapacityStep& step : curve.steps) {
    EXPECT_EQ(step.held, step.rate <= *curve.highest_held) << step.rate;
    EXPECT_GT(step.samples, 0u);
    if (step.held) {
      EXPECT_LT(step.p95_ns, 60'000'000) << step.rate;
    } else {
      EXPECT_FALSE(step.broken.empty()) << step.rate;
    }
  }
  EXPECT_NE(run.output.find("capacity: "), std::string::npos) << run.output;
  // The figures written are those of the highest rate that held.
  EXPECT_TRUE(r.passed);
  EXPECT_NEAR(r.rates.at("throughput").value(), *curve.highest_held, 0.05 * *curve.highest_held);

  // The HTML report draws the curve.
  const std::string html = dir_ + "/report.html";
  const auto made = testing::run_program({PERFGATE_BIN, "report", file, "--html", html}, {});
  ASSERT_EQ(made.exit_code, 0) << made.output;
  std::stringstream page;
  page << std::ifstream(html).rdbuf();
  EXPECT_NE(page.str().find("aria-label=\"Latency against offered rate\""), std::string::npos);
  EXPECT_NE(page.str().find("Capacity search"), std::string::npos);
}

TEST_F(SuiteGateTest, MissingTargetSaysWhichVariableToSet) {
  write_table(R"j({ "p(95)": { "acceptable": "1s" } })j");
  const auto result = run_suite({{"PERFGATE_TARGET_HTTP", ""}});
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.output.find("set PERFGATE_TARGET_HTTP"), std::string::npos) << result.output;
}

}  // namespace
}  // namespace perfgate

namespace perfgate {
namespace {

// The AI suite against a reference model slower than its table allows.
class AiSuiteGateTest : public SuiteGateTest {
 protected:
  void write_streaming_chat(const std::string& workload) {
    write_file("ai_response_time.json", R"j({"suite": "ai_response_time", "scenarios": {
      "streaming_chat": {
        "workload": )j" + workload + R"j(,
        "load": { "ci": { "executor": "open_loop", "rate": "10/s", "duration": "3s", "spacing": "poisson" } },
        "thresholds": { "ttft": { "p(95)": { "acceptable": "150ms" } },
                        "error_rate": { "rate": { "acceptable": "1%" } } },
        "min_samples": 10 } } })j");
  }
};

TEST_F(AiSuiteGateTest, ModelSlowerThanTheTableFailsNamingTtft) {
  write_file("slow-models.json",
             R"j({"models": [{"name": "gpt-4", "ttft": "400ms", "token_interval": "5ms"}]})j");
  testing::ReferenceService service({"--models", dir_ + "/slow-models.json"});
  write_streaming_chat(
      R"j({ "kind": "completion", "models": ["gpt-4"], "max_tokens": 4, "prompts": "short" })j");
  const auto result =
      run_suite({{"PERFGATE_TARGET_AI", service.url()}}, PERFGATE_AI_SUITE_BIN, "*StreamingChat*");
  EXPECT_NE(result.exit_code, 0) << result.output;
  // The model's 400 ms, plus whatever a busy machine adds: the figure, not a digit of it.
  std::smatch ttft;
  ASSERT_TRUE(
      std::regex_search(result.output, ttft, std::regex(R"(ttft p\(95\) = ([0-9.]+)(ms|s))")))
      << result.output;
  EXPECT_GE(std::stod(ttft[1]) * (ttft[2] == "s" ? 1000 : 1), 400.0) << result.output;
  EXPECT_NE(result.output.find("limit <= 150.00ms (tier none"), std::string::npos) << result.output;
}

TEST_F(AiSuiteGateTest, BadWorkloadFailsBeforeAnyRequestNamingItsPath) {
  testing::ReferenceService service;
  write_streaming_chat(R"j({ "kind": "completion", "models": ["gpt-4"], "max_tokns": 4 })j");
  const auto result =
      run_suite({{"PERFGATE_TARGET_AI", service.url()}}, PERFGATE_AI_SUITE_BIN, "*StreamingChat*");
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(
      result.output.find(
          "/ai_response_time.json: /scenarios/streaming_chat/workload/max_tokns: unknown key"),
      std::string::npos)
      << result.output;
  EXPECT_EQ(api_requests(service), 0u);
}

}  // namespace
}  // namespace perfgate
