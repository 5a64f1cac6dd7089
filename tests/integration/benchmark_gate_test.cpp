// benchmark_gate_test - `perfgate benchmark` on a real Google Benchmark program (perfgate's own
// hot_path_benchmark): identical builds A/B pass; a build whose HTTP response benchmark does 20%
// more work (its test-only switch, PERFGATE_TEST_SLOWER) fails, naming benchmark, statistic,
// change and confidence; an absolute limit fails on its own; a program that cannot run is bad
// input, not a verdict.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "perfgate/report/results_file.hpp"
#include "suite_program.hpp"

namespace perfgate {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;

class BenchmarkGateTest : public testing::SuiteProgramTest {
 protected:
  // 20 rounds a side (a p(50) rests on at least 20 samples), 20 ms each: a few seconds.
  void write_table(const std::string& limit) {
    write_file("micro.json", R"j({"suite": "micro", "scenarios": {"http_response": {
      "benchmark": {"ci": {"repetitions": 20, "min_time": "20ms",
                           "filter": "BM_HttpResponse"}},
      "thresholds": {
        "real_time{benchmark:BM_HttpResponse}": {"p(50)": {"acceptable": ")j" +
                                 limit + R"j("}},
        "cpu_time{benchmark:BM_HttpResponse}": {"p(50)": {"acceptable": "1ms"}},
        "items_per_second{benchmark:BM_HttpResponse}": {"p(50)": {"acceptable": "1000/s"}}},
      "min_samples": 20}}})j");
  }

  // A build of the benchmark whose BM_HttpResponse parses every fifth response twice.
  std::string slower_build() {
    const std::string path = dir_ + "/slower_benchmark";
    write_file("slower_benchmark",
               "#!/bin/sh\nPERFGATE_TEST_SLOWER=20 exec " PERFGATE_HOT_PATH_BIN " \"$@\"\n");
    ::chmod(path.c_str(), 0755);
    return path;
  }

  testing::ProgramResult benchmark(const std::string& program,
                                   const std::vector<std::string>& more = {}) {
    std::vector<std::string> argv = {PERFGATE_BIN,    "benchmark",      "--program",
                                     program,         "--table",        dir_ + "/micro.json",
                                     "--results-dir", dir_ + "/results"};
    argv.insert(argv.end(), more.begin(), more.end());
    return testing::run_program(argv, suite_environment({}));
  }

  metrics::RunResult result() const {
    return report::read_results(dir_ + "/results/micro/http_response.json");
  }
};

TEST_F(BenchmarkGateTest, IdenticalBuildsPassAB) {
  write_table("1ms");
  const auto run = benchmark(PERFGATE_HOT_PATH_BIN, {"--baseline-program", PERFGATE_HOT_PATH_BIN});
  EXPECT_EQ(run.exit_code, 0) << run.output;
  const metrics::RunResult r = result();
  ASSERT_TRUE(r.ab.has_value());
  EXPECT_EQ(r.ab->order, "ABBAABBAABBAABBAABBAABBAABBAABBAABBAABBA");
  ASSERT_NE(r.ab->baseline, nullptr);
  EXPECT_EQ(r.histograms.at("real_time{benchmark:BM_HttpResponse}").count(), 20u);
  int compared = 0;
  for (const auto& t : r.thresholds) compared += t.tier == "baseline" ? 1 : 0;
  EXPECT_EQ(compared, 3) << run.output;
  EXPECT_TRUE(r.context["google_benchmark"].contains("num_cpus"));
}

TEST_F(BenchmarkGateTest,
       ABuildTwentyPercentSlowerFailsNamingBenchmarkStatisticChangeAndConfidence) {
  write_table("1ms");
  const auto run = benchmark(slower_build(), {"--baseline-program", PERFGATE_HOT_PATH_BIN});
  EXPECT_EQ(run.exit_code, 1) << run.output;
  // Wall time or CPU time: on a busy machine preemption widens the first's interval, not the
  // second's.
  EXPECT_THAT(
      run.output,
      MatchesRegex(
          R"((.|\n)*(real|cpu)_time\{benchmark:BM_HttpResponse\} p\(50\) [^)]*\(\+[0-9]+\.[0-9]% \[\+[0-9.]+%, \+[0-9.]+%\] at 99% vs baseline \(10\.00% allowed\): regressed(.|\n)*)"))
      << run.output;
  EXPECT_FALSE(result().passed);
}

TEST_F(BenchmarkGateTest, AnAbsoluteLimitFailsAlone) {
  write_table("1ns");
  const auto run = benchmark(PERFGATE_HOT_PATH_BIN);
  EXPECT_EQ(run.exit_code, 1) << run.output;
  const metrics::RunResult r = result();
  EXPECT_FALSE(r.ab.has_value());
  bool failed = false;
  for (const auto& t : r.thresholds) {
    if (t.metric == "real_time{benchmark:BM_HttpResponse}") failed = !t.passed;
  }
  EXPECT_TRUE(failed) << run.output;
  EXPECT_EQ(r.thresholds.front().samples, 20u);
}

TEST_F(BenchmarkGateTest, AProgramThatCannotRunIsBadInput) {
  write_table("1ms");
  const auto missing = benchmark(dir_ + "/no_such_benchmark");
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
  EXPECT_THAT(missing.output, HasSubstr("no_such_benchmark"));
  write_file("crashing_benchmark", "#!/bin/sh\nkill -SEGV $$\n");
  ::chmod((dir_ + "/crashing_benchmark").c_str(), 0755);
  const auto crashed = benchmark(dir_ + "/crashing_benchmark");
  EXPECT_EQ(crashed.exit_code, 2) << crashed.output;
  EXPECT_THAT(crashed.output, HasSubstr("killed by signal 11"));
  write_file("failing_benchmark", "#!/bin/sh\necho 'cannot open the corpus' >&2\nexit 3\n");
  ::chmod((dir_ + "/failing_benchmark").c_str(), 0755);
  const auto failed = benchmark(dir_ + "/failing_benchmark");
  EXPECT_EQ(failed.exit_code, 2) << failed.output;
  EXPECT_THAT(failed.output, HasSubstr("exited with status 3:\ncannot open the corpus"));
}

}  // namespace
}  // namespace perfgate
