// report_test - End-to-end tests of `perfgate report` and `perfgate compare` on a real results
// file (tests/data/results, written by the example suite): the HTML page rendered by headless
// Chromium with data points in every chart, pushes to Debian's prometheus-pushgateway and
// promtool's lint, compare's exit status on a regression, and clear errors for bad results files.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "perfgate/report/results_file.hpp"
#include "process.hpp"

namespace perfgate {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

const std::string kData = std::string(PERFGATE_SOURCE_DIR) + "/tests/data/results";
const std::string kRealResults = kData + "/example/health_check.json";

class ReportTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::make_temp_dir(); }
  void TearDown() override { fs::remove_all(dir_); }

  static testing::ProgramResult perfgate(std::vector<std::string> args) {
    args.insert(args.begin(), PERFGATE_BIN);
    return testing::run_program(args, {});
  }

  std::string dir_;
};

// A folder as a user's build/perf-results holds it after scripts/sharded-run: a one-process run
// and a run merged from 2 shards (with its shards) of the same scenario, and a run with tags.
std::string plain_and_sharded_folder(const std::string& dir) {
  const metrics::RunResult real = report::read_results(kRealResults);
  const std::string folder = dir + "/perf-results";
  report::write_results(folder, real);
  for (int i = 0; i < 2; ++i) {
    metrics::RunResult shard = real;
    shard.shard = {i, 2};
    report::write_results(folder + "/sharded/shards", shard);
  }
  const auto merged = testing::run_program(
      {PERFGATE_BIN, "merge", folder + "/sharded/shards", "--results-dir", folder + "/sharded"},
      {});
  EXPECT_EQ(merged.exit_code, 0) << merged.output;
  return folder;
}

// The page's checks, left as attributes on <body> once laid out: per chart its points, and the
// layout (horizontal overflow, ids).
nlohmann::json body_check(const std::string& dom, const std::string& name) {
  const std::string key = name + "=\"";
  const auto at = dom.find(key);
  if (at == std::string::npos) return nullptr;
  std::string text = dom.substr(at + key.size(), dom.find('"', at + key.size()) - at - key.size());
  for (std::size_t p; (p = text.find("&quot;")) != std::string::npos;) text.replace(p, 6, "\"");
  for (std::size_t p; (p = text.find("&amp;")) != std::string::npos;) text.replace(p, 5, "&");
  return nlohmann::json::parse(text);
}

// A folder with a plain and a sharded run of one scenario, rendered at 1,400 px: every chart has
// points, every id is unique, nothing is wider than the window, and the index tells the runs
// apart by where they came from.
TEST_F(ReportTest, ChromiumRendersEveryChartWithDataPoints) {
  const std::string html = dir_ + "/report.html";
  const auto made = perfgate({"report", plain_and_sharded_folder(dir_), "--html", html});
  ASSERT_EQ(made.exit_code, 0) << made.output;
  const std::vector<std::string> browser{"chromium",          "--headless=new",
                                         "--no-sandbox",      "--disable-gpu",
                                         "--hide-scrollbars", "--window-size=1400,3000"};
  auto dump = browser;
  dump.insert(dump.end(), {"--dump-dom", "file://" + html});
  const auto dom = testing::run_program(dump, {}, std::chrono::seconds(60));
  ASSERT_EQ(dom.exit_code, 0) << "chromium did not run (scripts/setup installs it): " << dom.output;
  const nlohmann::json charts = body_check(dom.output, "data-chart-check");
  ASSERT_TRUE(charts.is_array()) << "the page's check script did not run";
  ASSERT_EQ(charts.size(), 4u * 4)
      << charts.dump();  // 4 runs: percentiles, throughput, p95, errors
  for (const auto& chart : charts) {
    EXPECT_GT(chart["points"].get<int>(), 1) << chart.dump();
    EXPECT_GE(chart["drawn"].get<int>(), 1) << chart.dump();
    EXPECT_GT(chart["width"].get<int>(), 200) << chart.dump();
  }
  const nlohmann::json layout = body_check(dom.output, "data-layout-check");
  ASSERT_TRUE(layout.is_object());
  EXPECT_EQ(layout["overflow"].get<int>(), 0) << "a horizontal scrollbar: " << layout.dump();
  EXPECT_EQ(layout["ids"], layout["unique_ids"]) << layout.dump();
  EXPECT_THAT(dom.output, HasSubstr("<td>merged from 2 shards</td>"));
  EXPECT_THAT(dom.output, HasSubstr("<td>one process</td>"));
  EXPECT_THAT(dom.output, HasSubstr("<td>shard 1 of 2</td>"));
  // And a screenshot, kept next to the build for people to look at.
  const std::string png = std::string(PERFGATE_BINARY_DIR) + "/report-screenshot.png";
  auto shot = browser;
  shot.insert(shot.end(), {"--screenshot=" + png, "file://" + html});
  const auto taken = testing::run_program(shot, {}, std::chrono::seconds(60));
  ASSERT_EQ(taken.exit_code, 0) << taken.output;
  std::ifstream in(png, std::ios::binary);
  std::string head(8, '\0');
  in.read(head.data(), 8);
  EXPECT_EQ(head, "\x89PNG\r\n\x1a\n");
  EXPECT_GT(fs::file_size(png), 50'000u);  // a blank page is a few kilobytes
}

// Debian's prometheus-pushgateway on a free port, for the life of the object, keeping what it is
// sent in memory only (Debian's default persists it to /var/lib/prometheus).
struct Pushgateway {
  std::uint16_t port = testing::unused_port();
  testing::BackgroundProcess process{{"prometheus-pushgateway",
                                      "--web.listen-address=127.0.0.1:" + std::to_string(port),
                                      "--persistence.file="}};
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }
  std::string metrics() const {
    return testing::raw_exchange(port,
                                 "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  }
};

// The real Pushgateway takes a folder holding a plain and a sharded run of one scenario (it
// rejected the whole push when both carried the same labels), stores every run apart, tags as
// labels and errors_total for a run without errors; promtool finds nothing to lint.
TEST_F(ReportTest, ARealPushgatewayStoresPlainAndShardedRunsApart) {
  const std::string folder = plain_and_sharded_folder(dir_);
  Pushgateway gateway;
  ASSERT_TRUE(testing::BackgroundProcess::wait_for_port(gateway.port, std::chrono::seconds(20)))
      << "prometheus-pushgateway did not start (scripts/setup installs it)";
  const auto pushed = perfgate(
      {"report", folder, "--prometheus-push", gateway.url() + "/metrics/job/ci/branch/main"});
  ASSERT_EQ(pushed.exit_code, 0) << pushed.output;
  EXPECT_THAT(pushed.output, HasSubstr("pushed 4 runs"));
  const std::string stored = gateway.metrics();
  const std::string plain =
      "perfgate_run_passed{branch=\"main\",instance=\"\",job=\"ci\",profile=\"ci\","
      "scenario=\"health_check\",suite=\"example\"}";
  const std::string sharded =
      "perfgate_run_passed{branch=\"main\",instance=\"\",job=\"ci\",profile=\"ci\","
      "scenario=\"health_check\",shards=\"2\",suite=\"example\"}";
  EXPECT_THAT(stored, HasSubstr(plain));
  EXPECT_THAT(stored, HasSubstr(sharded));
  EXPECT_THAT(stored, HasSubstr("shard=\"1/2\""));
  EXPECT_THAT(
      stored,
      HasSubstr(
          "perfgate_errors_total{branch=\"main\",instance=\"\",job=\"ci\",kind=\"timeout\","));
  EXPECT_THAT(stored, ::testing::Not(HasSubstr("{stage:")));
  EXPECT_THAT(stored, ::testing::Not(HasSubstr("_per_s_per_second")));

  // promtool lints the same exposition as a textfile.
  const std::string textfile = dir_ + "/perfgate.prom";
  ASSERT_EQ(perfgate({"report", folder, "--prometheus-textfile", textfile}).exit_code, 0);
  const auto lint =
      testing::run_program({"bash", "-c", "promtool check metrics < \"$0\"", textfile}, {});
  EXPECT_EQ(lint.exit_code, 0) << lint.output;
  EXPECT_EQ(lint.output, "") << "promtool warns";

  // Two copies of one folder cannot be told apart: refused before anything is written.
  fs::create_directories(dir_ + "/twice");
  fs::copy(folder, dir_ + "/twice/a", fs::copy_options::recursive);
  fs::copy(folder, dir_ + "/twice/b", fs::copy_options::recursive);
  const auto twice =
      perfgate({"report", dir_ + "/twice", "--prometheus-textfile", dir_ + "/t.prom"});
  EXPECT_EQ(twice.exit_code, 2) << twice.output;
  EXPECT_THAT(twice.output, HasSubstr("would be the same Prometheus series"));
  EXPECT_FALSE(fs::exists(dir_ + "/t.prom"));
}

// A push the gateway refuses says why in a line, not with the gateway's whole reply.
TEST_F(ReportTest, ARefusedPushSaysWhyInOneLine) {
  Pushgateway gateway;
  ASSERT_TRUE(testing::BackgroundProcess::wait_for_port(gateway.port, std::chrono::seconds(20)));
  // Another job's perfgate_run_passed of another type makes the gateway refuse ours.
  const std::string counter = "# TYPE perfgate_run_passed counter\nperfgate_run_passed 1\n";
  const std::string accepted =
      testing::raw_exchange(gateway.port,
                            "POST /metrics/job/other HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                            "Content-Length: " +
                                std::to_string(counter.size()) + "\r\n\r\n" + counter);
  ASSERT_THAT(accepted, HasSubstr(" 200 "));
  const auto pushed =
      perfgate({"report", kData, "--prometheus-push", gateway.url() + "/metrics/job/ci"});
  EXPECT_EQ(pushed.exit_code, 2) << pushed.output;
  EXPECT_THAT(pushed.output, HasSubstr("refused the push: HTTP 400: pushed metrics are invalid"));
  EXPECT_LT(pushed.output.size(), 1000u) << pushed.output;
}

TEST_F(ReportTest, UnreachablePushgatewayIsAClearErrorWithoutTheCredentials) {
  const auto pushed =
      perfgate({"report", kRealResults, "--prometheus-push",
                "http://ci:s3cret@127.0.0.1:" + std::to_string(testing::unused_port())});
  EXPECT_EQ(pushed.exit_code, 2) << pushed.output;
  EXPECT_THAT(pushed.output, HasSubstr("Pushgateway at"));
  EXPECT_THAT(pushed.output, ::testing::Not(HasSubstr("s3cret")));
}

TEST_F(ReportTest, TextfileAndCsvAreWrittenFromRealResults) {
  const auto made = perfgate({"report", kData, "--prometheus-textfile", dir_ + "/perfgate.prom",
                              "--csv", dir_ + "/csv", "--hdr-log", dir_ + "/run.hlog"});
  ASSERT_EQ(made.exit_code, 0) << made.output;
  std::stringstream prom, stats, log;
  prom << std::ifstream(dir_ + "/perfgate.prom").rdbuf();
  stats << std::ifstream(dir_ + "/csv/stats.csv").rdbuf();
  log << std::ifstream(dir_ + "/run.hlog").rdbuf();
  EXPECT_THAT(prom.str(), HasSubstr("perfgate_throughput_per_second{suite=\"example\""));
  EXPECT_THAT(stats.str(), HasSubstr("\nlatency,example/health_check,"));
  EXPECT_TRUE(fs::exists(dir_ + "/csv/stats_history.csv"));
  EXPECT_THAT(log.str(), HasSubstr("\nTag=example/health_check/latency,"));
}

// The real run with every duration sample `factor` times its value.
// The example run with its latencies (the figures and every second's) `factor` times as long.
std::string scaled_copy(const std::string& dir, double factor) {
  metrics::RunResult r = report::read_results(kRealResults);
  const auto scale = [factor](metrics::Histogram& h) {
    metrics::Histogram scaled(h.significant_digits(), h.highest());
    h.for_each_bucket([&](std::int64_t low, std::int64_t, std::uint64_t n) {
      scaled.record(static_cast<std::int64_t>(static_cast<double>(low) * factor), n);
    });
    h = scaled;
  };
  const auto timed = [](const std::string& key) {
    return key.starts_with("latency") || key == "ttfb";
  };
  for (auto& [key, h] : r.histograms) {
    if (timed(key)) scale(h);
  }
  for (auto& [key, seconds] : r.intervals) {
    for (auto& second : seconds) {
      for (auto& [value, n] : second.values) {
        if (timed(key)) value = static_cast<std::int64_t>(static_cast<double>(value) * factor);
      }
    }
  }
  for (auto& point : r.series) scale(point.latency);
  return report::write_results(dir, r);
}

TEST_F(ReportTest, CompareFlagsARegressionAndExitsNonZero) {
  const std::string slower = scaled_copy(dir_ + "/slower", 1.5);
  const auto result = perfgate({"compare", kRealResults, slower, "--max-regression", "20%"});
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_THAT(result.output, HasSubstr("max regression 20.00% (--max-regression)"));
  EXPECT_THAT(
      result.output,
      ::testing::ContainsRegex("latency +p\\(50\\) +[0-9.]+us +[0-9.]+us +\\+(49\\.9|50\\.[0-9])% "
                               "\\[\\+[0-9.]+%, \\+[0-9.]+%\\] at 99% +REGRESSED"));
  // Its p(95) rests on five seconds of ~200 samples: the interval is too wide to tell.
  EXPECT_THAT(result.output, ::testing::ContainsRegex("latency +p\\(95\\) .* inconclusive"));
  EXPECT_THAT(result.output, HasSubstr("regressions"));

  const auto same = perfgate({"compare", kRealResults, kRealResults});
  EXPECT_EQ(same.exit_code, 0) << same.output;
  EXPECT_THAT(same.output, HasSubstr("1 scenarios compared: no regressions"));

  // A faster run is no regression; the table's rules pick the statistics.
  const std::string faster = scaled_copy(dir_ + "/faster", 0.5);
  const auto better = perfgate({"compare", kRealResults, faster, "--thresholds-dir",
                                std::string(PERFGATE_SOURCE_DIR) + "/thresholds"});
  EXPECT_EQ(better.exit_code, 0) << better.output;
}

// Three runs of unchanged code, a little apart: each rule gets tiers from their spread, and the
// example table's generous limit is shown for what it is.
TEST_F(ReportTest, CalibrateProposesTiersFromTheRunsSpread) {
  scaled_copy(dir_ + "/runs/1", 1.0);
  scaled_copy(dir_ + "/runs/2", 1.05);
  scaled_copy(dir_ + "/runs/3", 0.95);
  const auto result = perfgate({"calibrate", dir_ + "/runs", "--thresholds-dir",
                                std::string(PERFGATE_SOURCE_DIR) + "/thresholds"});
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_THAT(result.output, HasSubstr("example/health_check: 3 runs (profile"));
  EXPECT_THAT(result.output, ::testing::ContainsRegex("latency +p\\(95\\) .*x  \\(loose"));
  const auto json_at = result.output.find("{\n");
  ASSERT_NE(json_at, std::string::npos) << result.output;
  const auto proposal = nlohmann::json::parse(result.output.substr(json_at));
  EXPECT_TRUE(proposal["example"]["health_check"]["latency"]["p(95)"].contains("acceptable"))
      << proposal.dump(2);

  const auto two = perfgate({"calibrate", dir_ + "/runs/1", dir_ + "/runs/2"});
  EXPECT_EQ(two.exit_code, 2) << two.output;
  EXPECT_THAT(two.output, HasSubstr("needs at least 3 runs"));
}

TEST_F(ReportTest, BadResultsFilesAreNamedAndNothingIsWritten) {
  std::stringstream text;
  text << std::ifstream(kRealResults).rdbuf();
  const std::string truncated = dir_ + "/truncated.json";
  std::ofstream(truncated) << text.str().substr(0, 5000);
  auto doc = nlohmann::json::parse(text.str());
  doc["schema_version"] = 2;
  const std::string future = dir_ + "/future.json";
  std::ofstream(future) << doc.dump();

  const auto cut = perfgate({"report", kRealResults, truncated, "--html", dir_ + "/r.html"});
  EXPECT_EQ(cut.exit_code, 2);
  EXPECT_THAT(cut.output, HasSubstr(truncated + ": not a complete JSON document (truncated?)"));
  EXPECT_FALSE(fs::exists(dir_ + "/r.html"));
  const auto newer = perfgate({"compare", future, kRealResults});
  EXPECT_EQ(newer.exit_code, 2);
  EXPECT_THAT(newer.output, HasSubstr(future + ": "));
  EXPECT_THAT(newer.output, HasSubstr("schema_version"));
  const auto nothing = perfgate({"report", kRealResults});
  EXPECT_EQ(nothing.exit_code, 2);
  EXPECT_THAT(nothing.output, HasSubstr("say what to write"));
}

TEST_F(ReportTest, CheckJudgesAResultsFileAgainstItsTableAsASuiteWould) {
  // The example run's own table passes it; a stricter copy fails it, naming the rule.
  fs::create_directories(dir_ + "/strict");
  auto table = nlohmann::json::parse(
      std::ifstream(std::string(PERFGATE_SOURCE_DIR) + "/thresholds/example.json"));
  const auto passed = perfgate(
      {"check", kRealResults, "--thresholds", std::string(PERFGATE_SOURCE_DIR) + "/thresholds"});
  EXPECT_EQ(passed.exit_code, 0) << passed.output;
  EXPECT_THAT(passed.output, HasSubstr("result: PASSED"));
  table["scenarios"]["health_check"]["thresholds"]["latency"] = {
      {"p(95)", {{"acceptable", "1us"}}}};
  std::ofstream(dir_ + "/strict/example.json") << table.dump();
  const auto failed = perfgate({"check", kRealResults, "--thresholds", dir_ + "/strict"});
  EXPECT_EQ(failed.exit_code, 1) << failed.output;
  EXPECT_THAT(failed.output, HasSubstr("latency p(95)"));
  EXPECT_THAT(failed.output, HasSubstr("FAILED"));
  const auto missing = perfgate({"check", kRealResults, "--thresholds", dir_ + "/none"});
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
  EXPECT_THAT(missing.output, HasSubstr(dir_ + "/none/example.json"));
}

// Every command says how to use it on --help (exit 0), and bad input exits 2 with a reason.
TEST_F(ReportTest, EveryCommandHasHelpAndBadUsageExitsTwo) {
  for (const std::string command :
       {"summary", "report", "compare", "merge", "check", "http", "pgbench"}) {
    const auto help = perfgate({command, "--help"});
    EXPECT_EQ(help.exit_code, 0) << command << ": " << help.output;
    EXPECT_TRUE(help.output.starts_with("usage: perfgate " + command + " ")) << help.output;
    EXPECT_EQ(perfgate({"help", command}).output, help.output);
  }
  const auto version = perfgate({"--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_THAT(version.output, HasSubstr("perfgate 0.1.0 ("));
  EXPECT_EQ(perfgate({"help"}).exit_code, 0);
  EXPECT_EQ(perfgate({"frobnicate"}).exit_code, 2);
  EXPECT_EQ(perfgate({}).exit_code, 2);
  // 0 connections sent nothing and exited 0.
  const auto none = perfgate({"http", "http://127.0.0.1:1/", "--connections", "0"});
  EXPECT_EQ(none.exit_code, 2) << none.output;
  EXPECT_THAT(none.output,
              HasSubstr("--connections: expected a whole number from 1 to 1000000, got '0'"));
  EXPECT_EQ(perfgate({"http", "http://127.0.0.1:1/", "--threads", "two"}).exit_code, 2);
}

// A write that fails names the file asked for and the system's reason (not a temporary file);
// summary reads every file before it prints; a folder given with its slash is not doubled.
TEST_F(ReportTest, WritesAndReadsFailWithTheFileAndTheReason) {
  const auto unwritable = perfgate({"report", kRealResults, "--html", "/proc/perfgate.html"});
  EXPECT_EQ(unwritable.exit_code, 2) << unwritable.output;
  EXPECT_THAT(unwritable.output, HasSubstr("cannot write '/proc/perfgate.html': "));
  EXPECT_THAT(unwritable.output, ::testing::Not(HasSubstr(".tmp.")));

  fs::create_directories(dir_ + "/mixed");
  fs::copy_file(kRealResults, dir_ + "/mixed/health_check.json");
  std::ofstream(dir_ + "/mixed/foreign.json") << R"({"name": "not a results file"})";
  const auto mixed = perfgate({"summary", dir_ + "/mixed"});
  EXPECT_EQ(mixed.exit_code, 2) << mixed.output;
  EXPECT_THAT(mixed.output, HasSubstr("foreign.json"));
  EXPECT_THAT(mixed.output, ::testing::Not(HasSubstr("== example/health_check")));

  const auto csv = perfgate({"report", kRealResults, "--csv", dir_ + "/csv/"});
  EXPECT_EQ(csv.exit_code, 0) << csv.output;
  EXPECT_THAT(csv.output, HasSubstr(dir_ + "/csv/stats.csv " + dir_ + "/csv/stats_history.csv"));
}

// A ci run against a nightly baseline differs by its load, not its code: refused, not compared.
TEST_F(ReportTest, CompareRefusesABaselineOfAnotherProfile) {
  auto doc = nlohmann::json::parse(std::ifstream(kRealResults));
  doc["profile"] = "nightly";
  const std::string nightly = dir_ + "/nightly.json";
  std::ofstream(nightly) << doc.dump();
  const auto compared = perfgate({"compare", nightly, kRealResults});
  EXPECT_EQ(compared.exit_code, 2) << compared.output;
  EXPECT_THAT(compared.output, HasSubstr("cannot be compared: the baseline ran profile 'nightly', "
                                         "this run 'ci'"));
}

TEST_F(ReportTest, ResultsOfDifferentSuitesAreNotComparedOrMerged) {
  auto doc = nlohmann::json::parse(std::ifstream(kRealResults));
  doc["suite"] = "other_suite";
  const std::string other = dir_ + "/other.json";
  std::ofstream(other) << doc.dump();

  const auto compared = perfgate({"compare", kRealResults, other});
  EXPECT_EQ(compared.exit_code, 2) << compared.output;
  EXPECT_THAT(compared.output, HasSubstr("no scenario is in both BASELINE and CURRENT"));
  EXPECT_THAT(compared.output, HasSubstr("other_suite/health_check: not in the baseline"));
  const auto merged = perfgate({"merge", kRealResults, other, "--results-dir", dir_ + "/merged"});
  EXPECT_EQ(merged.exit_code, 2) << merged.output;
  EXPECT_THAT(merged.output, HasSubstr("of suite 'other_suite': different suite"));
  EXPECT_FALSE(fs::exists(dir_ + "/merged"));
}

// A folder of a sharded run's shards, as a Kubernetes Indexed Job leaves them: every scenario
// merged on its own, or refused whole when a shard is missing.
TEST_F(ReportTest, MergeTakesAFolderOfShardsOfSeveralScenarios) {
  const metrics::RunResult real = report::read_results(kRealResults);
  const std::string shards = dir_ + "/shards";
  for (const char* scenario : {"health_check", "second_scenario"}) {
    for (int i = 0; i < 3; ++i) {
      metrics::RunResult r = real;
      r.scenario = scenario;
      r.shard = {i, 3};
      report::write_results(shards, r);
    }
  }
  const auto merged = perfgate({"merge", shards, "--results-dir", dir_ + "/merged"});
  ASSERT_EQ(merged.exit_code, 0) << merged.output;
  for (const char* scenario : {"health_check", "second_scenario"}) {
    const auto m =
        report::read_results(dir_ + "/merged/example/" + std::string(scenario) + ".json");
    EXPECT_EQ(m.attempted, 3 * real.attempted) << scenario;
    EXPECT_EQ(m.histograms.at("latency").count(), 3 * real.histograms.at("latency").count());
    // Without --thresholds nothing judged it: it must not read as a pass.
    EXPECT_FALSE(m.judged);
    EXPECT_FALSE(m.passed);
    EXPECT_TRUE(m.thresholds.empty());
  }
  EXPECT_THAT(merged.output, HasSubstr("result: not judged (no table was given: perfgate check "
                                       "judges it)"));
  EXPECT_THAT(merged.output, ::testing::Not(HasSubstr("PASSED")));
  const auto one = perfgate({"merge", shards, "-o", dir_ + "/one.json"});
  EXPECT_EQ(one.exit_code, 2) << one.output;
  EXPECT_THAT(one.output, HasSubstr("the shards hold 2 scenarios; -o writes one"));

  fs::remove(shards + "/example/second_scenario.shard-1-of-3.json");
  const auto partial = perfgate({"merge", shards, "--results-dir", dir_ + "/partial"});
  EXPECT_EQ(partial.exit_code, 2) << partial.output;
  EXPECT_THAT(partial.output, HasSubstr("cannot merge 2 of 3 shards: missing shard 1/3"));
  EXPECT_FALSE(fs::exists(dir_ + "/partial"));
}

}  // namespace
}  // namespace perfgate
