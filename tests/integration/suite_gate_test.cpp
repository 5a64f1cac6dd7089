// suite_gate_test - End-to-end tests of a suite program as CI runs it: the gate fails naming the
// metric, the measured value and the limit; a malformed table or a missing target stops it before
// any request is sent; a passing run writes a valid results file.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

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
  EXPECT_NE(result.output.find("ttft p(95) = 4"), std::string::npos)
      << result.output;  // 400-something ms
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
