// report_test - Unit tests for lib/report: the HTML page, Locust-style CSV, Prometheus text, the
// HdrHistogram log encoding (decoded here independently), the progress line and reading bad
// results files. Real input: tests/data/results holds a results file written by the example suite.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "perfgate/core/error.hpp"
#include "perfgate/report/console.hpp"
#include "perfgate/report/csv.hpp"
#include "perfgate/report/hdr_log.hpp"
#include "perfgate/report/html.hpp"
#include "perfgate/report/markdown.hpp"
#include "perfgate/report/progress.hpp"
#include "perfgate/report/prometheus.hpp"
#include "perfgate/report/results_file.hpp"

namespace perfgate::report {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string kRealResults =
    std::string(PERFGATE_SOURCE_DIR) + "/tests/data/results/example/health_check.json";

// A failed run with errors of two kinds, a tagged metric and a three-second series.
metrics::RunResult failed_run() {
  metrics::RunResult r;
  r.suite = "concurrent_users";
  r.scenario = "sustained_<load>";
  r.profile = "ci";
  r.started_at_ms = 1'700'000'000'000;
  r.ended_at_ms = r.started_at_ms + 3000;
  r.duration_s = 3;
  r.attempted = 1003;
  r.completed = 1000;
  r.failed = 3;
  metrics::Histogram latency;
  for (int i = 1; i <= 1000; ++i) latency.record(i * 1'000'000LL);  // 1 ms .. 1 s
  r.histograms["latency"] = latency;
  r.histograms["latency{behaviour:read}"] = latency;
  r.rates["throughput"] = {1000, 3, 1000};
  r.rates["error_rate"] = {3, 1003, 1003};
  r.errors = {{"timeout", 2}, {"status_5xx", 1}};
  for (int s = 0; s < 3; ++s) {
    metrics::SeriesPoint p;
    p.second = s;
    p.completed = 333;
    p.failed = s == 1 ? 3 : 0;
    for (int i = 0; i < 333; ++i) p.latency.record((s + 1) * 1'000'000LL);
    r.series.push_back(p);
  }
  r.thresholds.push_back({"latency", "p(95)", "<=", 500e6, 950e6, 1000, false, "none", ""});
  r.thresholds.push_back({"error_rate", "rate", "<=", 0.01, 0.003, 1003, true, "acceptable", ""});
  r.best_tier = "none";
  r.passed = false;
  r.context = {{"load", {{"executor", "closed_loop"}}}};
  return r;
}

std::string temp_dir() {
  const fs::path dir =
      fs::temp_directory_path() / ("perfgate-report-test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir.string();
}

// A results file reads back as written, histograms' and seconds' numbers one line each.
// failed_run() as the candidate side of an A/B run whose baseline side was twice as fast.
metrics::RunResult ab_run() {
  metrics::RunResult a = failed_run();
  metrics::Histogram fast;
  for (int i = 1; i <= 1000; ++i) fast.record(i * 500'000LL);
  a.histograms["latency"] = fast;
  a.judged = false;
  a.thresholds.clear();
  metrics::RunResult r = failed_run();
  r.ab = metrics::AbRun{.baseline_target = "http://main:8080",
                        .order = "ABBAABBA",
                        .round_s = 2.5,
                        .baseline = std::make_shared<const metrics::RunResult>(a)};
  return r;
}

TEST(AbResultsTest, BothSidesAreWrittenReadAndShown) {
  const metrics::RunResult r = parse_results(ab_run().to_json().dump(), "ab.json");
  ASSERT_TRUE(r.ab.has_value());
  EXPECT_EQ(r.ab->order, "ABBAABBA");
  EXPECT_EQ(r.ab->baseline_target, "http://main:8080");
  ASSERT_NE(r.ab->baseline, nullptr);
  EXPECT_EQ(r.ab->baseline->histograms.at("latency").count(), 1000u);
  EXPECT_FALSE(r.ab->baseline->judged);

  const std::string text = console_summary(r);
  EXPECT_THAT(text,
              HasSubstr("A/B: 8 rounds of 2.500s (ABBAABBA) against baseline http://main:8080"));
  EXPECT_THAT(text, HasSubstr("baseline (A)"));
  EXPECT_THAT(text, HasSubstr("candidate (B)"));
  const std::string html = html_report({r}, "t");
  EXPECT_THAT(html, HasSubstr("<h3>A/B</h3>"));
  EXPECT_THAT(html, HasSubstr("<td>candidate (B)</td>"));
}

TEST(AbResultsTest, ABaselineSideHoldingAnotherAbRunIsRefused) {
  nlohmann::json doc = ab_run().to_json();
  doc["ab"]["baseline"]["ab"] = doc["ab"];
  EXPECT_THROW(parse_results(doc.dump(), "nested.json"), std::invalid_argument);
}

TEST(ResultsTextTest, IndentsStructureAndKeepsNumberArraysOnOneLine) {
  const nlohmann::json doc = nlohmann::json::parse(R"j({"suite": "s", "empty": {}, "none": [],
    "series": [{"t": 0, "latency": {"buckets": [[1173, 1], [1174, 2]]}}],
    "intervals": {"ttfb": [[0, [[10, 1], [20, 2]]]]}, "names": ["a", "b"]})j");
  const std::string text = results_text(doc);
  EXPECT_EQ(nlohmann::json::parse(text), doc);
  EXPECT_THAT(text, ::testing::HasSubstr("\"buckets\": [[1173,1],[1174,2]]"));
  EXPECT_THAT(text, ::testing::HasSubstr("\"ttfb\": [[0,[[10,1],[20,2]]]]"));
  EXPECT_THAT(text, ::testing::HasSubstr("\"names\": [\n"));  // strings: one a line
  EXPECT_EQ(text.back(), '\n');
}

// The verdict where a reviewer looks: one line per run, each run's rules as a table, text from
// results escaped so it cannot break a table or become HTML.
TEST(MarkdownReportTest, OneLinePerRunThenEachRunsRulesWithTheirNotes) {
  metrics::RunResult failed = ab_run();
  failed.thresholds.push_back(
      {"latency", "p(50)", "<=", 2e6, 3e6, 1000, false, "baseline", "+50.0% [+40.0%, +60.0%] | x"});
  const std::string md = markdown_report({failed}, "perfgate: ci run of abc123");
  EXPECT_THAT(md, HasSubstr("## perfgate: ci run of abc123\n"));
  EXPECT_THAT(
      md, HasSubstr("| concurrent_users/sustained_&lt;load&gt; | ci | ❌ failed | none | 1000 |"));
  EXPECT_THAT(md, HasSubstr("| latency p(95) | 950.00ms | &lt;= 500.00ms | 1000 | ❌ | none |  |"));
  EXPECT_THAT(md,
              HasSubstr("| error_rate rate | 0.30% | &lt;= 1.00% | 1003 | ✅ | acceptable |  |"));
  EXPECT_THAT(md, HasSubstr("+50.0% [+40.0%, +60.0%] \\| x |"));  // a pipe cannot end the cell
  EXPECT_THAT(md, HasSubstr("A/B"));
}

TEST(HtmlReportTest, ShowsVerdictRulesChartsErrorsAndContextWithoutExternalResources) {
  const std::string html = html_report({failed_run(), read_results(kRealResults)});
  EXPECT_THAT(html, HasSubstr("1 failed"));
  EXPECT_THAT(html, HasSubstr("sustained_&lt;load&gt;"));  // names are escaped
  EXPECT_THAT(html, Not(HasSubstr("sustained_<load>")));
  EXPECT_THAT(html, HasSubstr("<td>latency p(95)</td><td>950.00ms</td>"));
  EXPECT_THAT(html, HasSubstr("✗"));
  EXPECT_THAT(html, HasSubstr("✓"));
  EXPECT_THAT(html, HasSubstr("Latency by percentile"));
  EXPECT_THAT(html, HasSubstr("p95 latency per second"));
  EXPECT_THAT(html, HasSubstr("Errors by kind"));
  EXPECT_THAT(html, HasSubstr("<td>timeout</td><td>2</td>"));
  EXPECT_THAT(html, HasSubstr("closed_loop"));
  // Every chart of the failed run has points; the page loads nothing from elsewhere.
  EXPECT_THAT(html, HasSubstr("data-name=\"latency\" data-points=\""));
  EXPECT_THAT(html, Not(HasSubstr("data-points=\"0\" points")));
  EXPECT_THAT(html, Not(HasSubstr("<link")));
  EXPECT_THAT(html, Not(HasSubstr("src=")));
  EXPECT_THAT(html, Not(HasSubstr("https://")));
  // Failed runs come first in the index.
  EXPECT_LT(html.find("sustained_&lt;load&gt;"), html.find("example / health_check"));
}

// The y of each point of the chart titled `title`'s series `name`, as drawn.
std::vector<double> drawn_ys(const std::string& html, const std::string& title,
                             const std::string& name) {
  const auto chart = html.find("aria-label=\"" + title + "\"");
  const auto line = html.find("data-name=\"" + name + "\"", chart);
  const auto begin = html.find("points=\"", html.find("data-points=", line) + 12) + 8;
  std::istringstream in(html.substr(begin, html.find('"', begin) - begin));
  std::vector<double> ys;
  for (std::string xy; in >> xy;) ys.push_back(std::stod(xy.substr(xy.find(',') + 1)));
  return ys;
}

// A plain run, the same run merged from 2 shards, and the plain run again: each has its own id,
// and the index says where each came from.
TEST(HtmlReportTest, RunsOfOneScenarioHaveTheirOwnIdsAndOrigins) {
  auto plain = failed_run();
  auto merged = plain;
  merged.context["merged_shards"] = 2;
  const std::string html = html_report({plain, merged, plain});
  std::set<std::string> ids;
  std::size_t count = 0;
  for (auto at = html.find(" id=\""); at != std::string::npos; at = html.find(" id=\"", at + 1)) {
    ids.insert(html.substr(at + 5, html.find('"', at + 5) - at - 5));
    ++count;
  }
  EXPECT_EQ(count, 3u);
  EXPECT_EQ(ids.size(), 3u) << "ids repeat";
  for (const auto& id : ids) EXPECT_THAT(html, HasSubstr("href=\"#" + id + "\""));
  EXPECT_THAT(html, HasSubstr("<td>merged from 2 shards</td>"));
  EXPECT_THAT(html, HasSubstr("<td>one process</td>"));
}

// The last second of a 3.2 s run holds 0.2 s of operations: it is not drawn as a collapse.
TEST(HtmlReportTest, APartialLastSecondIsNotDrawnAsACollapse) {
  auto r = failed_run();
  r.duration_s = 3.2;
  metrics::SeriesPoint tail;
  tail.second = 3;
  tail.completed = 66;  // 0.2 s at 333/s
  r.series.push_back(tail);
  const std::string html = html_report({r});
  const auto ys = drawn_ys(html, "Throughput per second", "completed/s");
  ASSERT_EQ(ys.size(), 3u) << "the 0.2 s tail is drawn";
  EXPECT_EQ(ys.back(), ys.front());
  r.duration_s = 3.8;  // most of a second: drawn at its rate, 66 / 0.8 = 82.5/s
  const auto more = drawn_ys(html_report({r}), "Throughput per second", "completed/s");
  ASSERT_EQ(more.size(), 4u);
  EXPECT_GT(more.back(), more.front()) << "a lower rate is drawn lower (larger y)";
}

TEST(CsvReportTest, WritesLocustColumnsAndFigures) {
  const std::string stats = stats_csv({failed_run()});
  std::istringstream lines(stats);
  std::string header, row;
  std::getline(lines, header);
  EXPECT_EQ(header,
            "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,"
            "Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,50%,"
            "66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%");
  std::getline(lines, row);
  // latency: 1003 attempted, 3 failed, median 500 ms, 1000/3 per second.
  EXPECT_THAT(row, ::testing::StartsWith("latency,concurrent_users/sustained_<load>,1003,3,500."));
  EXPECT_THAT(row, HasSubstr(",333.333,1.000,"));
  std::getline(lines, row);  // the tagged key is quoted: it holds no comma, so it is not
  EXPECT_THAT(row, ::testing::StartsWith("latency{behaviour:read},"));
  std::getline(lines, row);
  EXPECT_THAT(row, ::testing::StartsWith(",Aggregated,1003,3,"));

  const std::string history = stats_history_csv({failed_run()});
  EXPECT_THAT(history, ::testing::StartsWith("Timestamp,User Count,Type,Name,Requests/s,"));
  EXPECT_THAT(history,
              HasSubstr("\n1700000001,0,latency,concurrent_users/sustained_<load>,336,3,"));
  EXPECT_EQ(std::count(history.begin(), history.end(), '\n'), 4);  // header + 3 seconds
}

// A behaviour's row counts its failures (the executor's failed{behaviour:x}), not 0.
TEST(CsvReportTest, BehaviourRowsCountTheirFailures) {
  auto r = failed_run();
  r.counters["failed{behaviour:read}"] = 3;
  EXPECT_THAT(stats_csv({r}),
              HasSubstr("\nlatency{behaviour:read},concurrent_users/sustained_<load>,1003,3,"));
}

TEST(CsvReportTest, QuotesNamesHoldingCommas) {
  auto r = failed_run();
  r.histograms["latency{behaviour:a,b}"] = r.histograms["latency"];
  EXPECT_THAT(stats_csv({r}), HasSubstr("\n\"latency{behaviour:a,b}\","));
}

TEST(PrometheusReportTest, NamesMetricsAsDesignedInBaseUnits) {
  const std::string text = prometheus_text({failed_run()});
  const std::string labels = R"(suite="concurrent_users",scenario="sustained_<load>",profile="ci")";
  EXPECT_THAT(text, HasSubstr("# TYPE perfgate_latency_seconds summary"));
  EXPECT_THAT(text, HasSubstr("perfgate_latency_seconds{" + labels + ",quantile=\"0.5\"} 0.5"));
  EXPECT_THAT(text, HasSubstr("perfgate_latency_seconds_count{" + labels + "} 1000"));
  EXPECT_THAT(text, HasSubstr("perfgate_latency_seconds{" + labels +
                              ",behaviour=\"read\",quantile=\"0.99\"} 0.99"));
  EXPECT_THAT(text, HasSubstr("perfgate_error_rate_ratio{" + labels + "} 0.00299"));
  EXPECT_THAT(text, HasSubstr("perfgate_throughput_per_second{" + labels + "} 333.3"));
  EXPECT_THAT(text, HasSubstr("perfgate_errors_total{" + labels + ",kind=\"timeout\"} 2"));
  EXPECT_THAT(text, HasSubstr("perfgate_threshold_passed{" + labels +
                              R"x(,metric="latency",statistic="p(95)",tier="none"} 0)x"));
  EXPECT_THAT(text, HasSubstr("perfgate_threshold_limit{" + labels +
                              R"x(,metric="latency",statistic="p(95)",tier="none"} 0.5)x"));
  EXPECT_THAT(text, HasSubstr("perfgate_run_passed{" + labels + "} 0"));
}

// Tags are labels (a tag named like perfgate's own label is renamed), a unit is said once, every
// built-in error kind has a series, and a merged run is told apart from a one-process run.
TEST(PrometheusReportTest, TagsAreLabelsAndEveryRunIsItsOwnSeries) {
  auto r = failed_run();
  r.errors.clear();
  r.histograms["output_tokens_per_s"] = r.histograms["latency"];
  r.histograms["latency{suite:x}"] = r.histograms["latency"];
  metrics::ThresholdOutcome stage_rule;
  stage_rule.metric = "latency{stage:2}";
  stage_rule.statistic = "p(95)";
  stage_rule.tier = "good";
  r.thresholds.push_back(stage_rule);
  auto merged = r;
  merged.context["merged_shards"] = 4;
  const std::string text = prometheus_text({r, merged});
  const std::string labels = R"(suite="concurrent_users",scenario="sustained_<load>",profile="ci")";
  EXPECT_THAT(text, HasSubstr("perfgate_output_tokens_per_second_count{" + labels + "} 1000"));
  EXPECT_THAT(text, Not(HasSubstr("_per_s_")));
  EXPECT_THAT(text, HasSubstr("perfgate_latency_seconds_count{" + labels + ",tag_suite=\"x\"}"));
  EXPECT_THAT(text, HasSubstr("perfgate_threshold_passed{" + labels +
                              R"x(,metric="latency",stage="2",statistic="p(95)",tier="good"} 0)x"));
  EXPECT_THAT(text, Not(HasSubstr("metric=\"latency{")));
  for (const char* kind : {"refused", "timeout", "protocol", "other"}) {
    EXPECT_THAT(text, HasSubstr("perfgate_errors_total{" + labels + ",kind=\"" + kind + "\"} 0"));
  }
  EXPECT_THAT(text, HasSubstr("perfgate_run_passed{" + labels + ",shards=\"4\"} 0"));
  EXPECT_THAT(text, HasSubstr("perfgate_run_passed{" + labels + "} 0"));
  EXPECT_THROW(prometheus_text({r, r}), std::invalid_argument);
}

TEST(PrometheusReportTest, BadPushUrlIsRefusedWithoutItsPassword) {
  try {
    push_to_gateway("ftp://user:hunter2@host:9091", {failed_run()});
    FAIL() << "accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("expected an http:// or https:// URL"));
    EXPECT_THAT(e.what(), Not(HasSubstr("hunter2")));
  }
  EXPECT_THROW(push_to_gateway("http://host:9091/metrics/instance/x", {}), std::invalid_argument);
}

// An independent reader of HdrHistogram's V2 compressed encoding: base64, the 8-byte envelope,
// zlib, the 40-byte header, then ZigZag LEB128 counts where a negative number skips zeros.
std::map<std::size_t, std::uint64_t> decode_hdr(const std::string& b64, int& digits) {
  std::string bytes;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (const char c : b64) {
    if (c == '=') break;
    const auto v = static_cast<std::uint32_t>(
        std::string_view("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
            .find(c));
    buffer = (buffer << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes += static_cast<char>((buffer >> bits) & 0xff);
    }
  }
  const auto u32 = [](const std::string& s, std::size_t at) {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<std::uint8_t>(s[at + i]);
    return v;
  };
  EXPECT_EQ(u32(bytes, 0), 0x1c849314u);
  uLongf size = 1 << 22;
  std::string plain(size, '\0');
  EXPECT_EQ(uncompress(reinterpret_cast<Bytef*>(plain.data()), &size,
                       reinterpret_cast<const Bytef*>(bytes.data() + 8), u32(bytes, 4)),
            Z_OK);
  plain.resize(size);
  EXPECT_EQ(u32(plain, 0), 0x1c849313u);
  const std::uint32_t payload = u32(plain, 4);
  digits = static_cast<int>(u32(plain, 12));
  std::map<std::size_t, std::uint64_t> counts;
  std::size_t at = 40, index = 0;
  while (at < 40 + payload) {
    std::uint64_t z = 0;
    for (int shift = 0;; shift += 7) {
      const auto b = static_cast<std::uint8_t>(plain[at++]);
      if (shift == 56) {
        z |= static_cast<std::uint64_t>(b) << 56;
        break;
      }
      z |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) break;
    }
    const auto v = static_cast<std::int64_t>((z >> 1) ^ (~(z & 1) + 1));
    if (v < 0) {
      index += static_cast<std::size_t>(-v);
    } else {
      counts[index++] = static_cast<std::uint64_t>(v);
    }
  }
  return counts;
}

TEST(HdrLogTest, EncodesCountsAtHdrHistogramIndices) {
  metrics::Histogram h;
  h.record(1);
  h.record(2047, 3);
  h.record(2048);                 // first value of bucket 1: index 2048 / 2 + 1024 = 2048
  h.record(1'000'000'000, 1000);  // large counts need several LEB128 bytes
  int digits = 0;
  const auto counts = decode_hdr(hdr_compressed_base64(h), digits);
  EXPECT_EQ(digits, 3);
  const std::map<std::size_t, std::uint64_t> want{
      {1, 1}, {2047, 3}, {2048, 1}, {(19u << 10) + (1'000'000'000u >> 19), 1000}};
  EXPECT_EQ(counts, want);
}

TEST(HdrLogTest, LogHasHeaderLegendAndTaggedIntervals) {
  const std::string log = hdr_interval_log({failed_run()});
  EXPECT_THAT(log, ::testing::StartsWith("#[Histogram log format version 1.3]\n#[StartTime: "
                                         "1700000000.000 (seconds since epoch)"));
  EXPECT_THAT(log, HasSubstr("\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\","
                             "\"Interval_Compressed_Histogram\"\n"));
  EXPECT_THAT(log, HasSubstr("\nTag=concurrent_users/sustained_<load>,1.000,1.000,2.000,HIST"));
  EXPECT_THAT(log, HasSubstr("\nTag=concurrent_users/sustained_<load>/latency,0.000,3.000,"
                             "1000.000,HIST"));
}

TEST(ProgressLineTest, PlainOutputPrintsEveryTenSecondsOnly) {
  std::ostringstream out;
  ProgressLine line(out, "users/sustained_load", /*terminal=*/false);
  load::Progress p;
  p.total = std::chrono::seconds(60);
  for (int s = 1; s <= 25; ++s) {
    p.elapsed = std::chrono::seconds(s);
    p.attempted = p.completed = static_cast<std::uint64_t>(s) * 100;
    p.completed_per_s = 100;
    p.p95_ns = 4'100'000;
    line.update(p);
  }
  line.finish();
  EXPECT_EQ(out.str(),
            "[users/sustained_load] 10s/60s  1000 ops  100.0/s  p95 4.10ms  errors 0\n"
            "[users/sustained_load] 20s/60s  2000 ops  100.0/s  p95 4.10ms  errors 0\n");
}

TEST(ProgressLineTest, TerminalOutputRewritesOneLine) {
  std::ostringstream out;
  ProgressLine line(out, "s", /*terminal=*/true);
  load::Progress p;
  p.attempted = 1000;
  p.failed = 10;
  line.update(p);
  p.attempted = 5;
  p.failed = 0;
  line.update(p);
  line.finish();
  const std::string first = "[s] 0s/0s  1000 ops  0.0/s  p95 -  errors 10 (1.00%)";
  const std::string second = "[s] 0s/0s  5 ops  0.0/s  p95 -  errors 0";
  EXPECT_EQ(out.str(),
            "\r" + first + "\r" + second + std::string(first.size() - second.size(), ' ') + "\n");
}

TEST(ResultsFileTest, TruncatedOrUnknownSchemaFilesGiveClearErrors) {
  const std::string dir = temp_dir();
  std::ifstream in(kRealResults);
  std::stringstream text;
  text << in.rdbuf();
  const std::string truncated = dir + "/truncated.json";
  std::ofstream(truncated) << text.str().substr(0, text.str().size() / 2);
  try {
    read_results(truncated);
    FAIL() << "accepted";
  } catch (const core::IoError& e) {
    EXPECT_THAT(e.what(), HasSubstr(truncated + ": not a complete JSON document (truncated?)"));
  }
  auto doc = nlohmann::json::parse(text.str());
  doc["schema_version"] = 99;
  const std::string future = dir + "/future.json";
  std::ofstream(future) << doc.dump();
  try {
    read_results(future);
    FAIL() << "accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr(future + ": "));
    EXPECT_THAT(e.what(), HasSubstr("schema_version"));
  }
  EXPECT_THROW(read_all_results({dir + "/missing"}), core::IoError);
  // Found by results_file_fuzz's sibling on tables: a number beyond a double is no crash.
  try {
    parse_results(R"({"schema_version": 1e400})", "huge.json");
    FAIL() << "accepted";
  } catch (const core::IoError& e) {
    EXPECT_THAT(e.what(), HasSubstr("huge.json: not valid JSON: "));
  }
  fs::remove_all(dir);
}

// A baselines folder as teams keep one: runs side by side and `latest` linking to one of them.
TEST(ResultsFileTest, FoldersFollowLinksAndCountAFileOnce) {
  const std::string dir = testing::TempDir() + "results_links";
  fs::remove_all(dir);
  fs::create_directories(dir + "/runs/run-1/users");
  fs::create_directories(dir + "/runs/run-2/users");
  std::ofstream(dir + "/runs/run-1/users/a.json") << "{}";
  std::ofstream(dir + "/runs/run-2/users/a.json") << "{}";
  fs::create_directory_symlink("run-2", dir + "/runs/latest");
  fs::create_directory_symlink("..", dir + "/runs/run-2/up");  // a cycle
  // Only the link: its run is found through it.
  fs::create_directories(dir + "/main");
  fs::create_directory_symlink("../runs/run-1", dir + "/main/latest");
  EXPECT_EQ(find_results_files({dir + "/main"}),
            std::vector<std::string>{dir + "/main/latest/users/a.json"});
  // run-2 reached as itself and as `latest`: once. The cycle back to runs/ ends.
  const auto files = find_results_files({dir + "/runs"});
  EXPECT_EQ(files, (std::vector<std::string>{dir + "/runs/latest/users/a.json",
                                             dir + "/runs/run-1/users/a.json"}));
  // The same folder twice (compare runs/ runs/): each argument finds its own.
  EXPECT_EQ(find_results_files({dir + "/runs", dir + "/runs"}).size(), 4u);
  fs::remove_all(dir);
}

TEST(ResultsFileTest, RealResultsFileRoundTripsThroughEveryFormat) {
  const auto runs = read_all_results({std::string(PERFGATE_SOURCE_DIR) + "/tests/data/results"});
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].suite, "example");
  EXPECT_THAT(stats_csv(runs), HasSubstr("latency,example/health_check,"));
  EXPECT_THAT(prometheus_text(runs), HasSubstr("perfgate_latency_seconds_count{suite=\"example\""));
  int digits = 0;
  const auto counts = decode_hdr(hdr_compressed_base64(runs[0].histograms.at("latency")), digits);
  std::uint64_t total = 0;
  for (const auto& [_, n] : counts) total += n;
  EXPECT_EQ(total, runs[0].histograms.at("latency").count());
}

}  // namespace
}  // namespace perfgate::report
