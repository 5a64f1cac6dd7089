// ab_gate_test - The A/B gate, end to end, against two real reference services: a suite program
// run as CI runs it with PERFGATE_BASELINE_TARGET_HTTP set.
// - identical targets at the service's natural sub-millisecond latency pass: the tail statistics
//   of two identical builds differ by more than 10% from run to run, which a plain "worse by more
//   than 10%" rule flags (in 4 of 5 runs when tried) and the confidence intervals see as noise;
// - a candidate 20% slower (2.4 ms against 2 ms per answer) fails, the failure naming the rule,
//   the change, its interval and the confidence. The rule asserted is p(50): every answer is 20%
//   slower, so the median moves ~+17% (the fixed overhead does not scale). The p(95) of a 2 ms
//   sleep is set by late timer wake-ups, which add rather than scale: on a busy CI runner it moved
//   only +9.6% (2.54 -> 2.82 ms), inside the 10% allowed, so asserting it fails on such runners
//   for reasons of physics, not of the gate (scripts/gate-power measures p(95) detection).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "perfgate/report/results_file.hpp"
#include "process.hpp"
#include "suite_program.hpp"

namespace perfgate {
namespace {

using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::Not;

class AbGateTest : public testing::SuiteProgramTest {
 protected:
  // 16 s a side: a warm-up round per side, then 32 rounds of 1 s. 16 pairs, not the 8 that can
  // be 99% sure at all: with 8, the interval runs from the smallest pair's change to the largest,
  // so one round with a scheduler hiccup (seen in CI: a baseline round's p95 1.8x its pair's)
  // leaves a 20% regression inconclusive; with 16 the 19 most extreme of 136 Walsh averages are
  // left out on each side.
  void SetUp() override {
    SuiteProgramTest::SetUp();
    // Four users: few samples in the far tail, whose figures a plain comparison misreads.
    const std::string tail =
        R"j({ "p(99)": { "acceptable": "1s" },
              "p(99.9)": { "acceptable": "1s", "min_samples": 1000 } })j";
    write_file("concurrent_users.json", R"j({"suite": "concurrent_users", "scenarios": {
      "sustained_load": {
        "load": { "ci": { "executor": "closed_loop", "users": 4, "duration": "16s",
                          "think_time": "2ms" } },
        "thresholds": {
          "latency": { "p(50)": { "acceptable": "1s" }, "p(95)": { "acceptable": "1s" },
                       "p(99)": { "acceptable": "1s" },
                       "p(99.9)": { "acceptable": "1s", "min_samples": 1000 } },
          "latency{behaviour:read_profile}": )j" +
                                            tail + R"j(,
          "latency{behaviour:update_profile}": )j" +
                                            tail + R"j(,
          "ttfb": )j" + tail + R"j(,
          "error_rate": { "rate": { "acceptable": "1%" } } },
        "min_samples": 1000 } } })j");
  }

  testing::ProgramResult run_ab(const testing::ReferenceService& baseline,
                                const testing::ReferenceService& candidate) {
    return run_suite({{"PERFGATE_TARGET_HTTP", candidate.url()},
                      {"PERFGATE_BASELINE_TARGET_HTTP", baseline.url()}},
                     PERFGATE_USERS_SUITE_BIN, "*SustainedLoad*");
  }

  metrics::RunResult result() const {
    return report::read_results(dir_ + "/results/concurrent_users/sustained_load.json");
  }
};

TEST_F(AbGateTest, IdenticalTargetsPass) {
  testing::ReferenceService a, b;
  const auto run = run_ab(a, b);
  EXPECT_EQ(run.exit_code, 0) << run.output;
  const metrics::RunResult r = result();
  ASSERT_TRUE(r.ab.has_value());
  EXPECT_EQ(r.ab->order, "ABBAABBAABBAABBAABBAABBAABBAABBA");
  ASSERT_NE(r.ab->baseline, nullptr);
  EXPECT_GT(r.ab->baseline->attempted, 1000u);
  int compared = 0;
  for (const auto& t : r.thresholds) compared += t.tier == "baseline" ? 1 : 0;
  EXPECT_EQ(compared, 11) << run.output;  // every rule's statistic
}

TEST_F(AbGateTest, ACandidateTwentyPercentSlowerFailsNamingRuleChangeAndConfidence) {
  testing::ReferenceService a({"--latency", "2ms"}), b({"--latency", "2.4ms"});
  const auto run = run_ab(a, b);
  EXPECT_NE(run.exit_code, 0) << run.output;
  // The failure line names rule, measured value, change, its interval and the confidence.
  EXPECT_THAT(run.output,
              ContainsRegex("latency p\\(50\\) = [0-9.]+ms, limit <= [0-9.]+ms \\(tier baseline, "
                            "[0-9]+ samples\\); \\+[0-9.]+% \\[\\+[0-9.]+%, \\+[0-9.]+%\\] at 99% "
                            "vs baseline \\(10.00% allowed\\): regressed"))
      << run.output;
  const metrics::RunResult r = result();
  EXPECT_FALSE(r.passed);
  bool p50_regressed = false;
  for (const auto& t : r.thresholds) {
    if (t.tier == "baseline" && t.metric == "latency" && t.statistic == "p(50)")
      p50_regressed = !t.passed;
    // No latency statistic of a slower candidate may read as an improvement.
    if (t.tier == "baseline" && t.metric == "latency") {
      EXPECT_THAT(t.note, Not(HasSubstr("improved"))) << t.statistic;
    }
  }
  EXPECT_TRUE(p50_regressed) << run.output;
  // The absolute limits (1 s) hold: only the comparison caught it.
  for (const auto& t : r.thresholds) {
    if (t.tier != "baseline") {
      EXPECT_TRUE(t.passed) << t.metric << " " << t.statistic;
    }
  }
}

}  // namespace
}  // namespace perfgate
