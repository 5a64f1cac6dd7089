// suite_faults_test - A suite program when things go wrong in the middle of a run, as CI would see
// it: the target killed or stalling, the program itself sent SIGINT or SIGTERM, a results folder
// it cannot write, and targets that are misspelt or not there. Each case must end on time, say
// what happened, exit non-zero and leave complete, valid results files (or, before any load is
// sent, none at all).
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <numeric>
#include <sstream>
#include <thread>

#include "perfgate/report/results_file.hpp"
#include "process.hpp"
#include "scripted_server.hpp"
#include "suite_program.hpp"

namespace perfgate {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class SuiteFaultsTest : public testing::SuiteProgramTest {
 protected:
  // The concurrent-users table with `scenarios` (each closed loop, 4 users, `duration`).
  void write_table(const std::vector<std::string>& scenarios, const std::string& duration,
                   const std::string& request_timeout = "2s") {
    std::string text = R"j({"suite": "concurrent_users", "scenarios": {)j";
    for (const std::string& name : scenarios) {
      if (text.back() != '{') text += ',';
      text += '"' + name + R"j(": {
        "load": { "ci": { "executor": "closed_loop", "users": 4, "duration": ")j" +
              duration + R"j(", "think_time": "5ms",
                          "request_timeout": ")j" +
              request_timeout + R"j(", "connect_timeout": "1s" } },
        "thresholds": { "latency": { "p(95)": { "acceptable": "1s" } },
                        "error_rate": { "rate": { "acceptable": "1%" } } },
        "min_samples": 10 })j";
    }
    write_file("concurrent_users.json", text + "}}");
  }

  // The concurrent-users table with one scenario, sustained_load: its ci load and thresholds.
  void write_sustained_load(const std::string& ci_load, const std::string& thresholds) {
    write_file(
        "concurrent_users.json",
        R"j({"suite": "concurrent_users", "scenarios": {"sustained_load": {"load": {"ci": )j" +
            ci_load + R"j(}, "thresholds": )j" + thresholds + "}}}");
  }

  testing::ProgramResult run_users(const std::map<std::string, std::string>& env,
                                   const std::string& filter = "*SustainedLoad*") {
    return run_suite(env, PERFGATE_USERS_SUITE_BIN, filter);
  }

  std::string results_file(const std::string& scenario) const {
    return dir_ + "/results/concurrent_users/" + scenario + ".json";
  }

  // Waits until the suite has started its first run (it printed its settings) and then `more`.
  static void wait_until_running(const testing::StartedProgram& program, Clock::duration more) {
    const auto deadline = Clock::now() + 30s;
    while (program.output_so_far().find("perfgate: target http") == std::string::npos &&
           Clock::now() < deadline) {
      std::this_thread::sleep_for(20ms);
    }
    std::this_thread::sleep_for(more);
  }
};

TEST_F(SuiteFaultsTest, TargetKilledMidRunIsCountedByKindAndTheRunEndsOnTime) {
  testing::ReferenceService service;
  write_table({"sustained_load"}, "4s");
  testing::StartedProgram suite({PERFGATE_USERS_SUITE_BIN, "--gtest_filter=*SustainedLoad*"},
                                suite_environment({{"PERFGATE_TARGET_HTTP", service.url()}}));
  wait_until_running(suite, 1500ms);
  ::kill(service.pid(), SIGKILL);
  const auto killed_at = Clock::now();
  const auto result = suite.wait();
  const auto after_kill = Clock::now() - killed_at;

  EXPECT_NE(result.exit_code, 0) << result.output;
  EXPECT_LT(after_kill, 2500ms + 2s) << "the run should end when its 4s are up";
  EXPECT_NE(result.output.find("error_rate rate = "), std::string::npos) << result.output;
  const metrics::RunResult r = report::read_results(results_file("sustained_load"));
  EXPECT_FALSE(r.interrupted);
  EXPECT_FALSE(r.passed);
  EXPECT_GT(r.completed, 10u) << "requests before the kill succeed";
  EXPECT_GT(r.errors.count("refused") ? r.errors.at("refused") : 0, 0u)
      << "new connections after the kill are refused";
  for (const auto& [kind, count] : r.errors) {
    EXPECT_TRUE(kind == "refused" || kind == "reset" || kind == "closed_early")
        << kind << ": " << count << " (a killed target refuses, resets or cuts off)";
  }
  const auto failed = std::accumulate(r.errors.begin(), r.errors.end(), std::uint64_t{0},
                                      [](std::uint64_t n, const auto& e) { return n + e.second; });
  EXPECT_EQ(failed, r.failed);
  EXPECT_LT(r.duration_s, 5.0);
}

TEST_F(SuiteFaultsTest, StalledTargetTimesOutAndTheRunEndsOnTime) {
  // Accepts connections and never answers.
  testing::ScriptedServer silent("", testing::ScriptedServer::After::kStall);
  write_table({"sustained_load"}, "3s", "500ms");
  const auto started = Clock::now();
  const auto result = run_users({{"PERFGATE_TARGET_HTTP", silent.url()}});
  const auto took = Clock::now() - started;

  EXPECT_NE(result.exit_code, 0) << result.output;
  EXPECT_LT(took, 3s + 3s) << "3s of load and a 500ms request timeout";
  const metrics::RunResult r = report::read_results(results_file("sustained_load"));
  EXPECT_EQ(r.completed, 0u);
  ASSERT_TRUE(r.errors.count("timeout")) << result.output;
  EXPECT_EQ(r.errors.at("timeout"), r.failed);
  EXPECT_GE(r.failed, 4u * 5) << "each of 4 users times out about every 0.5s for 3s";
}

// Prestarted slots log in to a target that accepts connections and never answers: set-up ends
// at its setup_timeout (not a 10 s request timeout per login), its failures count, and with no
// slot started the measured part does not run (it took 20.6 s for a 5 s scenario before).
TEST_F(SuiteFaultsTest, StalledSetUpEndsAtItsDeadlineAndCountsItsFailures) {
  testing::ScriptedServer silent("", testing::ScriptedServer::After::kStall);
  write_sustained_load(R"({ "executor": "open_loop", "rate": "50/s", "duration": "5s",
                            "max_in_flight": 8, "prestart": true, "setup_timeout": "1s" })",
                       R"({ "error_rate": { "rate": { "acceptable": "1%" } } })");
  const auto started = Clock::now();
  const auto result = run_users({{"PERFGATE_TARGET_HTTP", silent.url()}});
  const auto took = Clock::now() - started;

  EXPECT_NE(result.exit_code, 0) << result.output;
  EXPECT_LT(took, 5s) << "1 s of set-up, and no 5 s of load against a target that cannot log in";
  EXPECT_NE(result.output.find("set-up 0s/1s  0 of 8 started"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("set-up: 0 of 8 slots started in 1."), std::string::npos)
      << result.output;
  const metrics::RunResult r = report::read_results(results_file("sustained_load"));
  EXPECT_EQ(r.context["setup"]["failed"], 8);
  EXPECT_EQ(r.context["setup"]["cut"], true);
  EXPECT_EQ(r.attempted, 8u) << "the failed logins, and no arrival";
  EXPECT_EQ(r.errors.at("timeout"), 8u);
  EXPECT_FALSE(r.interrupted);
}

// A selector no run of the scenario can match is reported before any load, naming the table's
// file, the rule's JSON path and the tags there are (it was "no samples" after the whole load).
TEST_F(SuiteFaultsTest, ASelectorThatMatchesNothingFailsBeforeAnyLoad) {
  testing::ReferenceService service;
  write_sustained_load(
      R"({ "executor": "closed_loop", "users": 2, "duration": "30s" })",
      R"j({ "latency{behaviour:nonexistent}": { "p(95)": { "acceptable": "1s" } } })j");
  const auto started = Clock::now();
  const auto result = run_users({{"PERFGATE_TARGET_HTTP", service.url()}});
  EXPECT_LT(Clock::now() - started, 20s) << "no 30 s of load";
  EXPECT_NE(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("concurrent_users.json: /scenarios/sustained_load/thresholds/"
                               "latency{behaviour:nonexistent}/p(95): matches nothing: "
                               "'behaviour' is one of read_profile,"),
            std::string::npos)
      << result.output;
  EXPECT_EQ(service.metrics().find("perfgate_reference_requests_total{route=\"/users/"),
            std::string::npos)
      << "load was sent";
  EXPECT_FALSE(fs::exists(results_file("sustained_load")));
}

// What a CI page shows of a failed scenario: the JUnit failure message is the verdict (the
// failing rule, its figure, limit and samples), with a source path relative to the repository
// and no GoogleTest matcher noise.
TEST_F(SuiteFaultsTest, TheJUnitFailureMessageNamesTheFailedRule) {
  testing::ReferenceService service;
  write_sustained_load(R"({ "executor": "closed_loop", "users": 2, "duration": "1s" })",
                       R"j({ "latency": { "p(95)": { "acceptable": "1us" } } })j");
  const std::string xml = dir_ + "/users.junit.xml";
  const auto result = testing::run_program(
      {PERFGATE_USERS_SUITE_BIN, "--gtest_filter=*SustainedLoad*", "--gtest_output=xml:" + xml},
      suite_environment({{"PERFGATE_TARGET_HTTP", service.url()}}));
  EXPECT_NE(result.exit_code, 0) << result.output;
  std::stringstream junit;
  junit << std::ifstream(xml).rdbuf();
  const std::string text = junit.str();
  const auto at = text.find("<failure message=\"");
  ASSERT_NE(at, std::string::npos) << text;
  const std::string message = text.substr(at, text.find('"', at + 18) - at);
  EXPECT_NE(message.find("concurrent_users/sustained_load failed:&#x0A;  latency p(95) = "),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("limit &lt;= 1.0us (tier none, "), std::string::npos) << message;
  EXPECT_EQ(message.find("of type"), std::string::npos) << message;
  EXPECT_EQ(message.find(PERFGATE_SOURCE_DIR), std::string::npos) << message;
  EXPECT_NE(message.find("\"tests/performance/concurrent_users/concurrent_users_suite.cpp:"),
            std::string::npos)
      << message;
}

class SuiteSignalTest : public SuiteFaultsTest, public ::testing::WithParamInterface<int> {};

TEST_P(SuiteSignalTest, StopsTheRunAndWritesEveryScenarioMarkedInterrupted) {
  testing::ReferenceService service;
  write_table({"sustained_load", "peak_users"}, "60s");
  testing::StartedProgram suite(
      {PERFGATE_USERS_SUITE_BIN, "--gtest_filter=*SustainedLoad*:*PeakUsers*"},
      suite_environment({{"PERFGATE_TARGET_HTTP", service.url()}}));
  wait_until_running(suite, 1500ms);
  ::kill(suite.pid(), GetParam());
  const auto signalled_at = Clock::now();
  const auto result = suite.wait();

  EXPECT_LT(Clock::now() - signalled_at, 5s) << "in-flight work is stopped, not waited out";
  EXPECT_NE(result.exit_code, 0) << result.output;
  EXPECT_LT(result.exit_code, 128) << "the program exits itself, not killed by the signal";
  // The scenario in progress: its figures so far. The one after it: recorded, never started.
  const metrics::RunResult stopped = report::read_results(results_file("sustained_load"));
  EXPECT_TRUE(stopped.interrupted);
  EXPECT_FALSE(stopped.passed);
  EXPECT_GT(stopped.completed, 10u);
  EXPECT_LT(stopped.duration_s, 10.0);
  EXPECT_GT(stopped.histograms.at("latency").count(), 10u);
  const metrics::RunResult skipped = report::read_results(results_file("peak_users"));
  EXPECT_TRUE(skipped.interrupted);
  EXPECT_FALSE(skipped.passed);
  EXPECT_EQ(skipped.attempted, 0u);
}

INSTANTIATE_TEST_SUITE_P(Signals, SuiteSignalTest, ::testing::Values(SIGINT, SIGTERM),
                         [](const auto& info) {
                           return info.param == SIGINT ? "SIGINT" : "SIGTERM";
                         });

TEST_F(SuiteFaultsTest, UnwritableResultsFolderIsNamedBeforeAnyLoad) {
  testing::ReferenceService service;
  write_table({"sustained_load"}, "2s");
  write_file("not-a-folder", "a file where the results folder's parent should be");
  const std::string results = dir_ + "/not-a-folder/results";
  const auto result =
      run_users({{"PERFGATE_TARGET_HTTP", service.url()}, {"PERFGATE_RESULTS_DIR", results}});
  EXPECT_NE(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("results folder '" + results + "' cannot be created"),
            std::string::npos)
      << result.output;
  EXPECT_EQ(api_requests(service), 0u);
}

// A table that cannot be read fails every test where a reader looks: the exit status, the
// console's FAILED lines and the XML's top-level failure count (which dashboards read), not
// "[  SKIPPED  ]" and "0 FAILED TESTS" beside an exit status of 1.
TEST_F(SuiteFaultsTest, ABadTableIsAFailedTestEverywhere) {
  write_file("concurrent_users.json", R"j({"suite": "concurrent_users", "scenarios": {
    "sustained_load": {"load": {"ci": {"executor": "closed_loop", "users": "four",
                                       "duration": "2s"}},
                       "thresholds": {"latency": {"p(95)": {"acceptable": "1s"}}}}}})j");
  const std::string xml = dir_ + "/out.xml";
  const auto result = testing::run_program(
      {PERFGATE_USERS_SUITE_BIN, "--gtest_filter=*SustainedLoad*", "--gtest_output=xml:" + xml},
      suite_environment({}));
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.output.find("[  FAILED  ] ConcurrentUsers.SustainedLoad"), std::string::npos)
      << result.output;
  EXPECT_EQ(result.output.find("0 FAILED TESTS"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("/scenarios/sustained_load/load/ci/users"), std::string::npos)
      << result.output;
  std::ifstream in(xml);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto root = text.find("<testsuites ");
  ASSERT_NE(root, std::string::npos) << text;
  const std::string head = text.substr(root, text.find('>', root) - root);
  EXPECT_NE(head.find("failures=\"1\""), std::string::npos) << head;
}

struct BadTarget {
  const char* name;
  std::string url;
  std::string expected;  // in the line that starts "target http (from PERFGATE_TARGET_HTTP): "
};

void PrintTo(const BadTarget& t, std::ostream* out) { *out << t.url; }

// "{unused}" in a URL: a loopback port nothing listens on, chosen when the test runs.
std::string with_unused_port(std::string url) {
  if (const auto at = url.find("{unused}"); at != std::string::npos) {
    url.replace(at, 8, std::to_string(testing::unused_port()));
  }
  return url;
}

class SuiteBadTargetTest : public SuiteFaultsTest,
                           public ::testing::WithParamInterface<BadTarget> {};

TEST_P(SuiteBadTargetTest, FailsBeforeAnyLoadNamingTheVariable) {
  write_table({"sustained_load"}, "2s");
  const auto started = Clock::now();
  const auto result = run_users({{"PERFGATE_TARGET_HTTP", with_unused_port(GetParam().url)}});
  EXPECT_LT(Clock::now() - started, 10s);
  EXPECT_NE(result.exit_code, 0) << result.output;
  const std::string said =
      "perfgate: not starting the suite: target http (from "
      "PERFGATE_TARGET_HTTP): ";
  const auto at = result.output.find(said);
  ASSERT_NE(at, std::string::npos) << result.output;
  const std::string line = result.output.substr(at, result.output.find('\n', at) - at);
  EXPECT_NE(line.find(GetParam().expected), std::string::npos) << line;
  EXPECT_EQ(result.output.find("s3cret"), std::string::npos) << result.output;
  EXPECT_FALSE(fs::exists(results_file("sustained_load")));
}

INSTANTIATE_TEST_SUITE_P(
    Targets, SuiteBadTargetTest,
    ::testing::Values(
        BadTarget{"BadUrl", "127.0.0.1:8080",
                  "invalid URL '127.0.0.1:8080': expected scheme://host[:port][/path]"},
        BadTarget{"UnknownScheme", "ftp://127.0.0.1:21/",
                  "invalid URL 'ftp://127.0.0.1:21/': unknown scheme 'ftp' (expected http, "
                  "https, ws or wss)"},
        BadTarget{"SecretInABadUrlIsNotPrinted", "postgresql://app:s3cret@127.0.0.1/db",
                  "invalid URL 'postgresql://app:***@127.0.0.1/db': unknown scheme"},
        BadTarget{"NothingListening", "http://127.0.0.1:{unused}",
                  "is not reachable: Connection refused"},
        BadTarget{"UnknownHost", "http://no-such-host.invalid:8080",
                  "http://no-such-host.invalid:8080 is not reachable: host 'no-such-host.invalid' "
                  "not found"}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace perfgate
