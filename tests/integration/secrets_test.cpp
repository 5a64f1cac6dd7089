// secrets_test - Secrets a suite is given never come out of it. The AI suite runs with an API key
// (sent as "Authorization: Bearer ...") and the database suite with the throwaway cluster's real
// password (scram-sha-256 over TCP, so the password is used); both gates fail on purpose so the
// failure messages are written too. Then every file the runs and `perfgate report` wrote (results,
// JUnit XML, HTML, Prometheus text, CSV, HdrHistogram log) and everything printed is searched for
// each secret.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "process.hpp"
#include "suite_program.hpp"

namespace perfgate {
namespace {

namespace fs = std::filesystem;

constexpr const char* kApiKey = "sk-perfgate-test-9f1c6e2b7d4a";

class SecretsTest : public testing::SuiteProgramTest {
 protected:
  static std::string read(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  // Every file under this test's folder that holds `secret`, by path.
  std::vector<std::string> files_holding(const std::string& secret) const {
    std::vector<std::string> found;
    for (const auto& entry : fs::recursive_directory_iterator(dir_)) {
      if (entry.is_regular_file() && read(entry.path()).find(secret) != std::string::npos) {
        found.push_back(entry.path().string());
      }
    }
    return found;
  }

  // Output printed, every file written, and the files of `perfgate report` on the results.
  void expect_nowhere(const std::string& secret, const std::vector<std::string>& outputs) {
    const auto reported = testing::run_program(
        {PERFGATE_BIN, "report", dir_ + "/results", "--html", dir_ + "/report.html", "--csv",
         dir_ + "/csv", "--prometheus-textfile", dir_ + "/perfgate.prom", "--hdr-log",
         dir_ + "/run.hlog"},
        {});
    ASSERT_EQ(reported.exit_code, 0) << reported.output;
    const auto summary = testing::run_program({PERFGATE_BIN, "summary", dir_ + "/results"}, {});
    ASSERT_TRUE(fs::exists(dir_ + "/report.html"));
    ASSERT_TRUE(fs::exists(dir_ + "/perfgate.prom"));
    ASSERT_TRUE(fs::exists(dir_ + "/csv/stats.csv"));
    ASSERT_TRUE(fs::exists(dir_ + "/run.hlog"));
    std::vector<std::string> printed = outputs;
    printed.push_back(reported.output);
    printed.push_back(summary.output);
    for (const std::string& text : printed) {
      EXPECT_EQ(text.find(secret), std::string::npos) << "printed: " << text;
    }
    EXPECT_EQ(files_holding(secret), std::vector<std::string>{});
  }

  testing::ProgramResult run_with_junit(const std::string& program, const std::string& filter,
                                        const std::map<std::string, std::string>& env) {
    return testing::run_program(
        {program, "--gtest_filter=" + filter, "--gtest_output=xml:" + dir_ + "/junit.xml"},
        suite_environment(env));
  }
};

TEST_F(SecretsTest, ApiKeyIsSentButNeverPrintedOrWritten) {
  // The service answers only requests that carry the key, so a clean run proves it was sent.
  ::setenv("PERFGATE_TEST_AI_KEY", kApiKey, 1);
  testing::ReferenceService service({"--api-key-env", "PERFGATE_TEST_AI_KEY"});
  ::unsetenv("PERFGATE_TEST_AI_KEY");
  write_file("targets.json", R"j({"ai": {"url": ")j" + service.url() +
                                 R"j(", "api_key_env": "PERFGATE_TEST_AI_KEY"}})j");
  write_file("ai_response_time.json", R"j({"suite": "ai_response_time", "scenarios": {
      "streaming_chat": {
        "workload": { "kind": "completion", "models": ["gpt-4"], "max_tokens": 4, "prompts": "short" },
        "load": { "ci": { "executor": "open_loop", "rate": "20/s", "duration": "2s" } },
        "thresholds": { "ttft": { "p(95)": { "acceptable": "1us" } } },
        "min_samples": 10 } } })j");
  const auto run = run_with_junit(
      PERFGATE_AI_SUITE_BIN, "*StreamingChat*",
      {{"PERFGATE_TARGETS", dir_ + "/targets.json"}, {"PERFGATE_TEST_AI_KEY", kApiKey}});
  EXPECT_NE(run.exit_code, 0) << "the 1us limit fails the gate: " << run.output;
  ASSERT_TRUE(fs::exists(dir_ + "/results/ai_response_time/streaming_chat.json")) << run.output;
  const auto results =
      nlohmann::json::parse(read(dir_ + "/results/ai_response_time/streaming_chat.json"));
  EXPECT_EQ(results["errors"], nlohmann::json::object()) << "every request carried the key";
  EXPECT_GE(results["metrics"]["ttft"]["count"].get<int>(), 30);
  fs::remove(dir_ + "/targets.json");  // the only file that holds the key by design
  expect_nowhere(kApiKey, {run.output});
}

TEST_F(SecretsTest, DatabasePasswordIsUsedButNeverPrintedOrWritten) {
  // Its own folder: the cluster belongs to the postgres user, who cannot enter this test's.
  const std::string cluster = testing::make_temp_dir();
  const std::string fixture = std::string(PERFGATE_SOURCE_DIR) + "/ctest/postgres-fixture.sh";
  const auto started = testing::run_program(
      {fixture, "start", cluster, std::string(PERFGATE_SOURCE_DIR) + "/fixtures/postgres", "1"},
      {});
  ASSERT_EQ(started.exit_code, 0) << started.output;
  std::string password;
  std::ifstream(cluster + "/password") >> password;
  std::string conninfo;
  std::getline(std::ifstream(cluster + "/conninfo"), conninfo);
  ASSERT_GE(password.size(), 32u);
  ASSERT_NE(conninfo.find("password=" + password), std::string::npos);

  write_file("database_throughput.json", R"j({"suite": "database_throughput", "scenarios": {
      "read_throughput": {
        "workload": { "kind": "transactions", "scripts": [{ "name": "select_only", "file": "select_only.sql" }] },
        "load": { "ci": { "executor": "closed_loop", "users": 2, "duration": "2s" } },
        "thresholds": { "txn": { "p(95)": { "acceptable": "1ns" } } },
        "min_samples": 10 } } })j");
  const auto run =
      run_with_junit(PERFGATE_DB_SUITE_BIN, "*ReadThroughput*", {{"PERFGATE_TARGET_PG", conninfo}});
  // A wrong password for a second run: the connection error must not echo it either.
  const std::string wrong = "wrong-" + password;
  std::string bad_conninfo = conninfo;
  bad_conninfo.replace(bad_conninfo.find(password), password.size(), wrong);
  const auto refused =
      run_suite({{"PERFGATE_TARGET_PG", bad_conninfo}}, PERFGATE_DB_SUITE_BIN, "*ReadThroughput*");
  testing::run_program({fixture, "stop", cluster}, {});
  fs::remove_all(cluster);  // outside dir_: the fixture's own files hold the password by design

  EXPECT_NE(run.exit_code, 0) << "the 1ns limit fails the gate: " << run.output;
  ASSERT_TRUE(fs::exists(dir_ + "/results/database_throughput/read_throughput.json")) << run.output;
  EXPECT_NE(run.output.find("txn p(95) = "), std::string::npos) << run.output;
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.output.find("password authentication failed"), std::string::npos)
      << refused.output;
  EXPECT_NE(refused.output.find("password=***"), std::string::npos) << refused.output;
  expect_nowhere(password, {run.output, refused.output});
  EXPECT_EQ(refused.output.find(wrong), std::string::npos) << refused.output;
}

}  // namespace
}  // namespace perfgate
