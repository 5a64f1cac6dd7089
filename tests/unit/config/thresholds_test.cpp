// thresholds_test - Unit tests for lib/config/thresholds.cpp and evaluate.cpp: the table format,
// every kind of malformed table (each error message checked) and judging results.
#include "perfgate/config/thresholds.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

namespace perfgate::config {
namespace {

using namespace std::chrono_literals;

const char* kGoodTable = R"j({
  "suite": "demo",
  "profiles": { "strict": { "gate": "good" } },
  "scenarios": {
    "steady": {
      "load": {
        "ci": { "executor": "open_loop", "rate": "20/s", "duration": "20s", "max_in_flight": 64,
                "spacing": "poisson", "request_timeout": "2s" },
        "strict": { "executor": "closed_loop", "users": 10, "duration": "1m", "think_time": ["50ms", "150ms"] }
      },
      "thresholds": {
        "latency": { "p(95)": { "excellent": "150ms", "good": "300ms", "acceptable": "600ms" } },
        "latency{stage:*}": { "p(99.9)": { "good": "1s", "acceptable": "2s", "min_samples": 100 } },
        "error_rate": { "rate": { "good": "0.5%", "acceptable": "1%" } },
        "throughput": { "rate": { "good": "30/s", "acceptable": "15/s" } }
      },
      "min_samples": 200
    }
  }
})j";

TEST(ThresholdTableTest, ABenchmarkScenarioReadsItsProfilesSettings) {
  const ThresholdTable t = parse_table(
      R"j({"suite": "demo", "scenarios": {"micro": {
          "benchmark": {"ci": {"repetitions": 12, "min_time": "20ms", "random_interleaving": false,
                               "filter": "BM_Parse", "cpu": 1},
                        "nightly": {"repetitions": 50}},
          "thresholds": {"real_time{benchmark:BM_Parse}": {"p(50)": {"acceptable": "40ns"}},
                         "items_per_second{benchmark:BM_Parse}": {"p(50)": {"acceptable": "1000/s"}}},
          "min_samples": 12}}})j",
      "t.json", "ci");
  const ScenarioConfig& sc = t.scenario("micro");
  ASSERT_TRUE(sc.benchmark);
  EXPECT_EQ(sc.benchmark->repetitions, 12u);
  EXPECT_EQ(sc.benchmark->min_time, std::chrono::milliseconds(20));
  EXPECT_FALSE(sc.benchmark->random_interleaving);
  EXPECT_EQ(sc.benchmark->filter, "BM_Parse");
  EXPECT_EQ(sc.benchmark->cpu, 1);
  ASSERT_EQ(sc.rules.size(), 2u);
}

TEST(ThresholdTableTest, ParsesLoadsRulesAndProfiles) {
  const ThresholdTable t = parse_table(kGoodTable, "demo.json", "ci");
  const ScenarioConfig& s = t.scenario("steady");
  EXPECT_EQ(s.load.kind, load::ExecutorKind::kOpenLoop);
  EXPECT_DOUBLE_EQ(s.load.plan.value_at(1s), 20.0);
  EXPECT_EQ(s.load.plan.total(), 20s);
  EXPECT_EQ(s.load.spacing, load::Spacing::kPoisson);
  EXPECT_EQ(s.load.max_in_flight, 64u);
  EXPECT_EQ(s.request_timeout, 2s);
  EXPECT_EQ(s.min_samples, 200u);
  ASSERT_EQ(s.rules.size(), 4u);
  EXPECT_EQ(s.rules[0].metric, "error_rate");
  EXPECT_EQ(s.rules[1].metric, "latency");
  EXPECT_DOUBLE_EQ(s.rules[1].limits.at(Tier::kAcceptable), 600e6);
  EXPECT_EQ(s.rules[3].direction, metrics::Direction::kAtLeast);  // throughput: fixed by the metric
  EXPECT_EQ(s.gate, Tier::kAcceptable);

  const ThresholdTable strict = parse_table(kGoodTable, "demo.json", "strict");
  EXPECT_EQ(strict.scenario("steady").gate, Tier::kGood);
  EXPECT_EQ(strict.scenario("steady").load.think_time_max, 150ms);
  EXPECT_THROW(t.scenario("nope"), ConfigError);
}

struct Malformed {
  std::string name;
  std::string text;
  std::string message;  // the full what(): file, JSON path and expectation
};

// A valid table with one piece replaced.
std::string table_with(
    const std::string& thresholds,
    const std::string& load =
        R"j({ "ci": { "executor": "closed_loop", "users": 5, "duration": "10s" } })j") {
  return R"j({"suite": "demo", "scenarios": {"s": {"load": )j" + load + R"j(, "thresholds": )j" +
         thresholds + "}}}";
}

const std::string kRule = R"j({ "latency": { "p(95)": { "acceptable": "300ms" } } })j";

void PrintTo(const Malformed& m, std::ostream* os) { *os << m.name; }

class MalformedTableTest : public ::testing::TestWithParam<Malformed> {};

// `message` is the whole what(), or its start where the rest is a long list (metric names).
TEST_P(MalformedTableTest, NamesFilePathAndExpectation) {
  try {
    parse_table(GetParam().text, "t.json", "ci");
    FAIL() << "accepted";
  } catch (const ConfigError& e) {
    EXPECT_THAT(std::string(e.what()), ::testing::StartsWith(GetParam().message));
    // These two end with the unit parser's own explanation.
    if (GetParam().name != "UnknownMetric" &&
        GetParam().name != "BaselineRegressionNotAPercentage") {
      EXPECT_EQ(std::string(e.what()), GetParam().message);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Tables, MalformedTableTest,
    ::testing::Values(
        // A key named twice: nlohmann keeps the last, so the first rule would never be judged.
        Malformed{"DuplicateMetric",
                  table_with(R"j({ "latency": { "p(95)": { "acceptable": "1us" } },
                                   "latency": { "p(95)": { "acceptable": "300ms" } } })j"),
                  "t.json: /scenarios/s/thresholds/latency: a key named once (it appears twice, "
                  "and only one would count)"},
        // A limit per profile: the gating tier needs one for the active profile (or a default).
        Malformed{
            "NoLimitForTheProfile",
            table_with(R"j({ "latency": { "p(95)": { "acceptable": { "nightly": "25ms" } } } })j"),
            "t.json: /scenarios/s/thresholds/latency/p(95): expected a limit for the gating "
            "tier 'acceptable'"},
        Malformed{
            "BadLimitForTheProfile",
            table_with(R"j({ "latency": { "p(95)": { "acceptable": { "ci": "fast" } } } })j"),
            "t.json: /scenarios/s/thresholds/latency/p(95)/acceptable/ci: expected a duration like "
            "\"300ms\": invalid duration 'fast': expected a number followed by ns, us, "
            "ms, s, m or h (e.g. 250ms)"},
        // A benchmark scenario: its settings in place of a load, not beside one.
        Malformed{"LoadAndBenchmark",
                  table_with(kRule, R"j({ "ci": { "executor": "closed_loop", "users": 5,
                      "duration": "10s" } }, "benchmark": { "ci": { "repetitions": 20 } })j"),
                  "t.json: /scenarios/s: expected \"load\" (a load test) or \"benchmark\" (a "
                  "Google Benchmark program), with one entry per profile"},
        Malformed{"TooFewRepetitions",
                  R"j({"suite": "demo", "scenarios": {"s": {"benchmark": {"ci":
                      {"repetitions": 5}}, "thresholds": {"real_time{benchmark:BM_X}":
                      {"p(50)": {"acceptable": "10ns"}}}}}})j",
                  "t.json: /scenarios/s/benchmark/ci/repetitions: expected at least 8 repetitions "
                  "(what a verdict rests on), got 5"},
        Malformed{"UnknownBenchmarkSetting",
                  R"j({"suite": "demo", "scenarios": {"s": {"benchmark": {"ci":
                      {"repetition": 20}}, "thresholds": {"real_time{benchmark:BM_X}":
                      {"p(50)": {"acceptable": "10ns"}}}}}})j",
                  "t.json: /scenarios/s/benchmark/ci/repetition: unknown key 'repetition' "
                  "(expected one of: repetitions, min_time, random_interleaving, filter, cpu)"},
        // ABBA order needs pairs of rounds.
        Malformed{"OddAbRounds",
                  R"j({"suite": "demo", "profiles": {"ci": {"ab_rounds": 3}}, "scenarios": {"s":
                      {"load": {"ci": {"executor": "closed_loop", "users": 5, "duration": "10s"}},
                      "thresholds": {"latency": {"p(95)": {"acceptable": "300ms"}}}}}})j",
                  "t.json: /profiles/ci/ab_rounds: expected an even number of A/B rounds (2 to "
                  "100), got 3"},
        Malformed{"AbRoundsNotANumber",
                  R"j({"suite": "demo", "profiles": {"ci": {"ab_rounds": "8"}}, "scenarios": {"s":
                      {"load": {"ci": {"executor": "closed_loop", "users": 5, "duration": "10s"}},
                      "thresholds": {"latency": {"p(95)": {"acceptable": "300ms"}}}}}})j",
                  "t.json: /profiles/ci/ab_rounds: expected an even number of A/B rounds (a "
                  "whole number from 0 to 100), got \"8\""},
        Malformed{"DuplicateMinSamples",
                  R"j({"suite": "demo", "scenarios": {"s": {"load": {"ci": {"executor":
                      "closed_loop", "users": 5, "duration": "10s"}}, "thresholds": {"latency":
                      {"p(95)": {"acceptable": "300ms"}}}, "min_samples": 1000,
                      "min_samples": 1}}})j",
                  "t.json: /scenarios/s/min_samples: a key named once (it appears twice, and "
                  "only one would count)"},
        Malformed{"DuplicateInsideAnArray",
                  table_with(kRule, R"j({ "ci": { "executor": "closed_loop",
                      "stages": [{"duration": "5s", "users": 1},
                                 {"duration": "5s", "users": 2, "users": 3}] } })j"),
                  "t.json: /scenarios/s/load/ci/stages/1/users: a key named once (it appears "
                  "twice, and only one would count)"},
        // A share cannot exceed 100%: such a limit is a rule that cannot fail.
        Malformed{"ErrorRateAbove100Percent",
                  table_with(R"j({ "error_rate": { "rate": { "acceptable": "150%" } } })j"),
                  "t.json: /scenarios/s/thresholds/error_rate/rate/acceptable: expected a "
                  "percentage from 0% to 100% (error_rate is a share of operations), got "
                  "\"150%\""},
        Malformed{"RuleMinSamplesNotANumber",
                  table_with(R"j({ "latency": { "p(95)": { "acceptable": "1s",
                                                           "min_samples": "many" } } })j"),
                  "t.json: /scenarios/s/thresholds/latency/p(95)/min_samples: expected the "
                  "samples this rule needs (a whole number from 0 to 1000000000), got \"many\""},
        Malformed{"MalformedJson", R"j({"suite": "x", )j",
                  "t.json: /: malformed JSON: [json.exception.parse_error.101] parse error at line "
                  "1, column 16: syntax error while parsing object key - unexpected end of input; "
                  "expected string literal"},
        // Found by threshold_table_fuzz: nlohmann throws out_of_range, not parse_error, for it.
        Malformed{"NumberBeyondDouble", R"j({"suite": 1e400})j",
                  "t.json: /: malformed JSON: [json.exception.out_of_range.406] number overflow "
                  "parsing '1e400'"},
        Malformed{"NotAnObject", "[]",
                  "t.json: /: expected a threshold table (a JSON object), got []"},
        Malformed{"UnknownTopLevelKey", R"j({"suite": "x", "scenarios": {}, "sceanrios": {}})j",
                  "t.json: /sceanrios: unknown key 'sceanrios' (expected one of: suite, "
                  "description, profiles, scenarios, baseline)"},
        Malformed{"BaselineWithoutFile",
                  R"j({"suite": "x", "baseline": {"max_regression": "10%"}, "scenarios": {}})j",
                  "t.json: /baseline: expected \"file\": a results folder or results file"},
        Malformed{"BaselineRegressionNotAPercentage",
                  R"j({"suite": "x", "baseline": {"file": "b", "max_regression": "0.1"},
                      "scenarios": {}})j",
                  "t.json: /baseline/max_regression: expected a percentage, e.g. \"10%\": "},
        Malformed{"BaselineRegressionZero",
                  R"j({"suite": "x", "baseline": {"file": "b", "max_regression": "0%"},
                      "scenarios": {}})j",
                  "t.json: /baseline/max_regression: expected a percentage above 0% and at most "
                  "1000%"},
        Malformed{"EmptyTable", R"j({"suite": "x", "scenarios": {}})j",
                  "t.json: /scenarios: expected at least one scenario (the table is empty)"},
        Malformed{"UnknownMetric",
                  table_with(R"j({ "latncy": { "p(95)": { "acceptable": "1s" } } })j"),
                  "t.json: /scenarios/s/thresholds/latncy: unknown metric 'latncy' (expected one "
                  "of: latency, connect, tls_handshake, ttfb, ttft, ttfo, itl, tpot, e2e"},
        Malformed{
            "UnknownStatistic", table_with(R"j({ "latency": { "p95": { "acceptable": "1s" } } })j"),
            "t.json: /scenarios/s/thresholds/latency/p95: unknown statistic 'p95' for histogram "
            "metric 'latency' (expected p(N) with 0 < N <= 100, avg, min, max or count)"},
        Malformed{
            "PercentileOutOfRange",
            table_with(R"j({ "latency": { "p(101)": { "acceptable": "1s" } } })j"),
            "t.json: /scenarios/s/thresholds/latency/p(101): unknown statistic 'p(101)' for "
            "histogram metric 'latency' (expected p(N) with 0 < N <= 100, avg, min, max or count)"},
        Malformed{"RateStatisticOnHistogram",
                  table_with(R"j({ "error_rate": { "p(95)": { "acceptable": "1%" } } })j"),
                  "t.json: /scenarios/s/thresholds/error_rate/p(95): unknown statistic 'p(95)' for "
                  "rate metric 'error_rate' (expected rate or count)"},
        Malformed{"BadUnit", table_with(R"j({ "latency": { "p(95)": { "acceptable": "300" } } })j"),
                  "t.json: /scenarios/s/thresholds/latency/p(95)/acceptable: expected a duration "
                  "like \"300ms\": invalid duration '300': expected a number followed by ns, us, "
                  "ms, s, m or h (e.g. 250ms)"},
        Malformed{"NumberInsteadOfText",
                  table_with(R"j({ "latency": { "p(95)": { "acceptable": 1e300 } } })j"),
                  "t.json: /scenarios/s/thresholds/latency/p(95)/acceptable: expected a duration "
                  "like \"300ms\", got 1e+300"},
        Malformed{"AbsurdDuration",
                  table_with(
                      R"j({ "latency": { "p(95)": { "acceptable": "99999999999999999999h" } } })j"),
                  "t.json: /scenarios/s/thresholds/latency/p(95)/acceptable: expected a duration "
                  "like \"300ms\": invalid duration '99999999999999999999h': number out of range"},
        Malformed{
            "UnknownTier",
            table_with(R"j({ "latency": { "p(95)": { "fine": "1s", "acceptable": "2s" } } })j"),
            "t.json: /scenarios/s/thresholds/latency/p(95)/fine: unknown tier 'fine' (expected "
            "excellent, good or acceptable, or min_samples)"},
        Malformed{"MissingGatingTier",
                  table_with(R"j({ "latency": { "p(95)": { "good": "1s" } } })j"),
                  "t.json: /scenarios/s/thresholds/latency/p(95): expected a limit for the gating "
                  "tier 'acceptable'"},
        Malformed{
            "TiersOutOfOrder",
            table_with(
                R"j({ "latency": { "p(95)": { "excellent": "500ms", "good": "300ms", "acceptable": "1s" } } })j"),
            "t.json: /scenarios/s/thresholds/latency/p(95): tiers out of order: expected excellent "
            "<= good <= acceptable (lower is better for 'latency'), got excellent 500.00ms and "
            "good 300.00ms"},
        Malformed{
            "TiersOutOfOrderAtLeast",
            table_with(
                R"j({ "throughput": { "rate": { "good": "10/s", "acceptable": "20/s" } } })j"),
            "t.json: /scenarios/s/thresholds/throughput/rate: tiers out of order: expected "
            "excellent >= good >= acceptable (higher is better for 'throughput'), got good 10.0/s "
            "and acceptable 20.0/s"},
        Malformed{"NoRules", table_with("{}"),
                  "t.json: /scenarios/s/thresholds: expected at least one threshold rule"},
        Malformed{
            "MissingProfile",
            table_with(
                kRule,
                R"j({ "nightly": { "executor": "closed_loop", "users": 5, "duration": "10s" } })j"),
            "t.json: /scenarios/s/load: missing load for profile 'ci' (this scenario has: "
            "nightly)"},
        Malformed{
            "UnknownExecutor",
            table_with(kRule,
                       R"j({ "ci": { "executor": "fast", "users": 5, "duration": "10s" } })j"),
            "t.json: /scenarios/s/load/ci/executor: expected \"closed_loop\", \"open_loop\" or "
            "\"capacity\", got "
            "\"fast\""},
        Malformed{
            "ZeroRate",
            table_with(
                kRule,
                R"j({ "ci": { "executor": "open_loop", "rate": "0/s", "duration": "10s" } })j"),
            "t.json: /scenarios/s/load/ci/rate: expected a rate above zero"},
        Malformed{
            "NegativeRate",
            table_with(
                kRule,
                R"j({ "ci": { "executor": "open_loop", "rate": "-5/s", "duration": "10s" } })j"),
            "t.json: /scenarios/s/load/ci/rate: expected a rate like \"20/s\": invalid rate "
            "'-5/s': expected a number followed by /s, /m or /h (e.g. 20/s)"},
        Malformed{
            "UsersOnOpenLoop",
            table_with(kRule,
                       R"j({ "ci": { "executor": "open_loop", "users": 5, "duration": "10s" } })j"),
            "t.json: /scenarios/s/load/ci/users: 'users' does not apply to executor open_loop (use "
            "'rate')"},
        Malformed{"NoEnd",
                  table_with(kRule, R"j({ "ci": { "executor": "closed_loop", "users": 5 } })j"),
                  "t.json: /scenarios/s/load/ci: expected \"duration\", \"iterations\" or both: a "
                  "run must end"},
        Malformed{"TypoInLoad",
                  table_with(
                      kRule,
                      R"j({ "ci": { "executor": "closed_loop", "users": 5, "duraton": "10s" } })j"),
                  "t.json: /scenarios/s/load/ci/duraton: unknown key 'duraton' (expected one of: "
                  "executor, users, rate, stages, start_users, start_rate, duration, iterations, "
                  "think_time, spacing, max_in_flight, graceful_stop, threads, seed, "
                  "connect_timeout, request_timeout, prestart, when_busy, timer_slack, max_rate, "
                  "step_duration, "
                  "precision, max_steps, cooldown, setup_timeout)"},
        Malformed{"TimerSlackOnClosedLoop",
                  table_with(kRule, R"j({ "ci": { "executor": "closed_loop", "users": 5,
                                       "duration": "10s", "timer_slack": "1ms" } })j"),
                  "t.json: /scenarios/s/load/ci/timer_slack: timer_slack applies to open_loop "
                  "only"},
        Malformed{
            "FractionalUsers",
            table_with(
                kRule,
                R"j({ "ci": { "executor": "closed_loop", "users": 2.5, "duration": "10s" } })j"),
            "t.json: /scenarios/s/load/ci/users: expected a number of users (a whole number from 0 "
            "to 10000000), got 2.5"},
        Malformed{
            "StageWithoutTarget",
            table_with(
                kRule,
                R"j({ "ci": { "executor": "closed_loop", "stages": [{ "duration": "5s" }] } })j"),
            "t.json: /scenarios/s/load/ci/stages/0: expected a stage with \"duration\" and "
            "\"users\""},
        Malformed{
            "ThinkTimeRangeBackwards",
            table_with(
                kRule,
                R"j({ "ci": { "executor": "closed_loop", "users": 5, "duration": "10s", "think_time": ["2s", "1s"] } })j"),
            "t.json: /scenarios/s/load/ci/think_time: expected min <= max"},
        Malformed{
            "CapacityWithARate",
            table_with(
                kRule,
                R"j({ "ci": { "executor": "capacity", "start_rate": "10/s", "step_duration": "5s", "rate": "5/s" } })j"),
            "t.json: /scenarios/s/load/ci/rate: 'rate' does not apply to executor capacity (it "
            "picks its rates: start_rate, max_rate, step_duration)"},
        Malformed{
            "CapacityWithoutSteps",
            table_with(kRule, R"j({ "ci": { "executor": "capacity", "start_rate": "10/s" } })j"),
            "t.json: /scenarios/s/load/ci: expected \"start_rate\" and \"step_duration\" for "
            "executor capacity"},
        Malformed{
            "CapacityMaxBelowStart",
            table_with(
                kRule,
                R"j({ "ci": { "executor": "capacity", "start_rate": "10/s", "max_rate": "5/s", "step_duration": "5s" } })j"),
            "t.json: /scenarios/s/load/ci/max_rate: expected at least start_rate"},
        Malformed{
            "CapacityZeroPrecision",
            table_with(
                kRule,
                R"j({ "ci": { "executor": "capacity", "start_rate": "10/s", "step_duration": "5s", "precision": "0%" } })j"),
            "t.json: /scenarios/s/load/ci/precision: expected a percentage above 0% and at most "
            "100%"},
        Malformed{
            "StepDurationOutsideCapacity",
            table_with(
                kRule,
                R"j({ "ci": { "executor": "open_loop", "rate": "10/s", "duration": "5s", "step_duration": "5s" } })j"),
            "t.json: /scenarios/s/load/ci/step_duration: 'step_duration' applies to executor "
            "capacity only"},
        Malformed{"BadMetricKey",
                  table_with(R"j({ "latency{stage}": { "p(95)": { "acceptable": "1s" } } })j"),
                  "t.json: /scenarios/s/thresholds/latency{stage}: expected a metric key like "
                  "\"latency\" or \"latency{stage:2}\", got \"latency{stage}\""}),
    [](const ::testing::TestParamInfo<Malformed>& info) { return info.param.name; });

TEST(ThresholdTableTest, AbRoundsComeFromTheActiveProfile) {
  const std::string text =
      R"j({"suite": "demo", "profiles": {"nightly": {"ab_rounds": 4}}, "scenarios": {"s": {"load":
          {"ci": {"executor": "closed_loop", "users": 5, "duration": "10s"},
           "nightly": {"executor": "closed_loop", "users": 5, "duration": "10s"}},
          "thresholds": {"latency": {"p(95)": {"acceptable": "300ms"}}}}}})j";
  EXPECT_EQ(parse_table(text, "t.json", "nightly").scenario("s").ab_rounds, 4u);
  EXPECT_FALSE(
      parse_table(text, "t.json", "ci").scenario("s").ab_rounds);  // run::default_ab_rounds
}

TEST(ThresholdTableTest, ALimitMayDifferByProfile) {
  const std::string text = R"j({"suite": "demo", "scenarios": {"s": {"load":
      {"ci": {"executor": "closed_loop", "users": 5, "duration": "10s"},
       "nightly": {"executor": "closed_loop", "users": 50, "duration": "10m"},
       "local": {"executor": "closed_loop", "users": 10, "duration": "1m"}},
      "thresholds": {"latency": {"p(95)": {"excellent": {"ci": "500us"},
                                           "acceptable": {"ci": "2ms", "default": "25ms"}}}}}}})j";
  const Rule ci = parse_table(text, "t.json", "ci").scenario("s").rules.at(0);
  EXPECT_DOUBLE_EQ(ci.limits.at(Tier::kAcceptable), 2e6);
  EXPECT_DOUBLE_EQ(ci.limits.at(Tier::kExcellent), 5e5);
  const Rule nightly = parse_table(text, "t.json", "nightly").scenario("s").rules.at(0);
  EXPECT_DOUBLE_EQ(nightly.limits.at(Tier::kAcceptable), 25e6);
  EXPECT_EQ(nightly.limits.count(Tier::kExcellent), 0u);  // ci's only
}

TEST(ThresholdTableTest, ParsesACapacitySearch) {
  const ThresholdTable t = parse_table(
      table_with(kRule,
                 R"j({ "ci": { "executor": "capacity", "start_rate": "50/s", "max_rate": "8000/s",
                 "step_duration": "3s", "precision": "2%", "max_steps": 12, "cooldown": "500ms",
                 "max_in_flight": 32, "spacing": "poisson" } })j"),
      "t.json", "ci");
  const load::LoadProfile& lp = t.scenario("s").load;
  EXPECT_EQ(lp.kind, load::ExecutorKind::kCapacity);
  EXPECT_TRUE(lp.open_loop());
  EXPECT_EQ(lp.capacity.start_rate, 50);
  EXPECT_EQ(lp.capacity.max_rate, 8000);
  EXPECT_EQ(lp.capacity.step_duration, 3s);
  EXPECT_DOUBLE_EQ(lp.capacity.precision, 0.02);
  EXPECT_EQ(lp.capacity.max_steps, 12u);
  EXPECT_EQ(lp.capacity.cooldown, 500ms);
  EXPECT_EQ(lp.max_in_flight, 32u);
  EXPECT_EQ(lp.spacing, load::Spacing::kPoisson);
}

TEST(ThresholdTableTest, CapacityRuleIsJudgedOnlyWhereTheLoadIsACapacitySearch) {
  const std::string text = table_with(
      R"j({ "latency": { "p(95)": { "acceptable": "300ms" } },
            "capacity": { "rate": { "acceptable": "200/s" } } })j",
      R"j({ "ci": { "executor": "open_loop", "rate": "50/s", "duration": "5s" },
            "nightly": { "executor": "capacity", "start_rate": "50/s", "step_duration": "10s" } })j");
  const auto rules = [&](const std::string& profile) {
    std::vector<std::string> metrics;
    const ThresholdTable table = parse_table(text, "t.json", profile);  // outlives the loop
    for (const Rule& r : table.scenario("s").rules) metrics.push_back(r.metric);
    return metrics;
  };
  EXPECT_EQ(rules("ci"), std::vector<std::string>{"latency"});
  EXPECT_EQ(rules("nightly"), (std::vector<std::string>{"capacity", "latency"}));
}

TEST(ThresholdTableTest, ErrorRateLimitsAreCheckedAtBothEnds) {
  EXPECT_NO_THROW(parse_table(
      table_with(R"j({ "error_rate": { "rate": { "acceptable": "100%" } } })j"), "t.json", "ci"));
  EXPECT_THROW(parse_table(table_with(R"j({ "error_rate": { "rate": { "acceptable": "-1%" } } })j"),
                           "t.json", "ci"),
               ConfigError);
  // CPU is a percentage of one core: above 100% on a busy multi-core target.
  EXPECT_NO_THROW(parse_table(
      table_with(R"j({ "target_cpu": { "avg": { "acceptable": "350%" } } })j"), "t.json", "ci"));
}

// The suite's results are written, and later checked, under the table's "suite": a misspelt one
// would land where no table judges them. The file name and the name inside must agree.
TEST(ThresholdTableTest, SuiteNameMustMatchTheFileName) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("perfgate_suite_name_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string text = kGoodTable;
  {
    std::ofstream(dir / "demo.json") << text;
    std::ofstream(dir / "dmeo.json") << text;
  }
  EXPECT_NO_THROW(load_table((dir / "demo.json").string(), "ci"));
  try {
    load_table((dir / "dmeo.json").string(), "ci");
    ADD_FAILURE() << "accepted";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()),
              (dir / "dmeo.json").string() +
                  ": /suite: expected \"dmeo\" (the table's file name: results are written and "
                  "checked under this name), got \"demo\"");
  }
  std::filesystem::remove_all(dir);
}

TEST(ThresholdTableTest, UnreadableFileNamesThePath) {
  try {
    load_table("/nonexistent/thresholds.json", "ci");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(),
                 "/nonexistent/thresholds.json: /: cannot read the file (does it exist?)");
  }
}

metrics::RunResult result_with_latencies(std::int64_t each_ns, std::uint64_t n) {
  metrics::RunResult r;
  metrics::Histogram h;
  for (std::uint64_t i = 0; i < n; ++i) h.record(each_ns);
  r.histograms["latency"] = h;
  r.histograms["latency{stage:1}"] = h;
  metrics::Histogram slow;
  for (std::uint64_t i = 0; i < n; ++i) slow.record(each_ns * 20);
  r.histograms["latency{stage:2}"] = slow;
  r.attempted = n;
  r.completed = n;
  r.rates["error_rate"] = {0, static_cast<double>(n), n};
  r.rates["throughput"] = {static_cast<double>(n), 10, n};
  return r;
}

TEST(EvaluateTest, NamesTheBestTierAndPassesOnTheGate) {
  const ThresholdTable table = parse_table(kGoodTable, "demo.json", "ci");
  const ScenarioConfig& s = table.scenario("steady");
  metrics::RunResult r = result_with_latencies(200'000'000, 300);  // 200 ms; stage 2 at 2 s
  r.histograms.erase("latency{stage:2}");
  evaluate(s, r);
  EXPECT_TRUE(r.passed);
  ASSERT_EQ(r.thresholds.size(), 5u);  // 4 rules (the stage wildcard matched one key) + samples
  EXPECT_EQ(r.thresholds[1].metric, "latency");
  EXPECT_EQ(r.thresholds[1].tier, "good");
  EXPECT_EQ(r.thresholds[3].metric, "throughput");
  EXPECT_EQ(r.thresholds[3].tier, "good");
  EXPECT_EQ(r.best_tier, "good");
}

// Selectors a run can never match are known before any load from the workload's declared tags.
TEST(EvaluateTest, SelectorsThatMatchNothingAreFoundBeforeAnyLoad) {
  std::string text = kGoodTable;
  text.replace(text.find("\"error_rate\""), 0,
               R"("latency{behaviour:nonexistent}": { "avg": { "acceptable": "1s" } },
                  "latency{behaviour:read}": { "avg": { "acceptable": "1s" } },
                  "latency{model:x}": { "avg": { "acceptable": "1s" } },
                  )");
  const ThresholdTable table = parse_table(text, "demo.json", "ci");
  const ScenarioConfig& s = table.scenario("steady");
  const DeclaredTags tags{{"behaviour", {"read", "start", "stop"}}, {"stage", {}}};
  const auto unmatched = unmatched_selectors(s, tags);
  ASSERT_EQ(unmatched.size(), 2u);  // behaviour:nonexistent, and stage:* of a one-stage plan
  const auto& [stage, behaviour] = unmatched[0].rule->metric == "latency{stage:*}"
                                       ? std::tie(unmatched[0], unmatched[1])
                                       : std::tie(unmatched[1], unmatched[0]);
  EXPECT_EQ(stage.rule->metric, "latency{stage:*}");
  EXPECT_EQ(stage.why, "matches nothing: this run records no 'stage' tag");
  EXPECT_EQ(behaviour.where(),
            "demo.json: /scenarios/steady/thresholds/latency{behaviour:nonexistent}/avg: matches "
            "nothing: 'behaviour' is one of read, start, stop");
  // Undeclared keys (model here) are not judged; with two stages, stage:* matches.
  const DeclaredTags staged{{"behaviour", {"read", "nonexistent"}}, {"stage", {"1", "2"}}};
  EXPECT_TRUE(unmatched_selectors(s, staged).empty());
}

TEST(EvaluateTest, WildcardChecksEveryStageAndFailureSaysWhy) {
  const ThresholdTable table = parse_table(kGoodTable, "demo.json", "ci");
  const ScenarioConfig& s = table.scenario("steady");
  metrics::RunResult r = result_with_latencies(200'000'000, 300);
  evaluate(s, r);
  EXPECT_FALSE(r.passed);
  const auto& stage2 = r.thresholds[3];
  EXPECT_EQ(stage2.metric, "latency{stage:2}");
  EXPECT_FALSE(stage2.passed);
  EXPECT_EQ(stage2.tier, "none");
  EXPECT_DOUBLE_EQ(*stage2.measured, 4e9);
  EXPECT_DOUBLE_EQ(stage2.limit, 2e9);
  EXPECT_TRUE(r.thresholds[2].passed);  // stage 1 is fine
}

// Judged on the bucket's highest value, a percentile over its limit cannot pass: 94 x 100 ms
// and 6 x 200.01 ms have p(95) = 200.01 ms, over 200 ms (a bucket midpoint read 199.95 ms).
TEST(EvaluateTest, APercentileJustOverItsLimitFails) {
  const ThresholdTable table = parse_table(
      table_with(R"j({ "latency": { "p(95)": { "acceptable": "200ms", "min_samples": 100 } } })j"),
      "demo.json", "ci");
  metrics::RunResult r;
  metrics::Histogram h;
  h.record(100'000'000, 94);
  h.record(200'010'000, 6);
  r.histograms["latency"] = h;
  evaluate(table.scenario("s"), r);
  ASSERT_EQ(r.thresholds.front().metric, "latency");
  EXPECT_FALSE(r.thresholds.front().passed) << *r.thresholds.front().measured;
  EXPECT_GE(*r.thresholds.front().measured, 200'010'000);
}

// Each rule has its own minimum: a p(95) of a stage with 8 samples is a coin flip, whatever the
// run's total. The default asks ten samples beyond the percentile; a table can say its own.
TEST(EvaluateTest, EveryRuleNeedsItsOwnSamples) {
  EXPECT_EQ(default_min_samples(*parse_statistic("p(95)")), 200u);
  EXPECT_EQ(default_min_samples(*parse_statistic("p(99)")), 1000u);
  EXPECT_EQ(default_min_samples(*parse_statistic("p(99.9)")), 10000u);
  EXPECT_EQ(default_min_samples(*parse_statistic("p(50)")), 20u);
  EXPECT_EQ(default_min_samples(*parse_statistic("p(100)")), 1u);
  EXPECT_EQ(default_min_samples(*parse_statistic("avg")), 1u);
  EXPECT_EQ(default_min_samples(*parse_statistic("count")), 0u);

  const ThresholdTable table =
      parse_table(table_with(R"j({ "latency": { "p(95)": { "acceptable": "1s" } },
                       "latency{stage:*}": { "p(95)": { "acceptable": "1s", "min_samples": 5 } },
                       "connect{stage:*}": { "p(95)": { "acceptable": "1s" } } })j"),
                  "demo.json", "ci");
  metrics::RunResult r = result_with_latencies(1'000'000, 300);  // 300 samples a stage
  metrics::Histogram few;
  few.record(1'000'000, 8);
  r.histograms["connect{stage:10}"] = few;
  evaluate(table.scenario("s"), r);
  std::map<std::string, metrics::ThresholdOutcome> by_key;
  for (const auto& t : r.thresholds) by_key[t.metric] = t;
  EXPECT_TRUE(by_key["latency"].passed);
  EXPECT_TRUE(by_key["latency{stage:1}"].passed);
  EXPECT_EQ(by_key["latency{stage:1}"].min_samples, 5u);
  const metrics::ThresholdOutcome& connect = by_key["connect{stage:10}"];
  EXPECT_FALSE(connect.passed);
  EXPECT_EQ(connect.tier, "none");
  EXPECT_EQ(connect.min_samples, 200u);
  EXPECT_EQ(connect.note, "too few samples: 8 of the 200 this rule needs");
  EXPECT_FALSE(r.passed);
}

// recovery_time of a run that never recovered is the rest of the run after the spike, a lower
// bound: however short, the rule fails.
TEST(EvaluateTest, ARunThatNeverRecoveredFailsItsRecoveryRule) {
  const ThresholdTable table = parse_table(
      table_with(R"j({ "recovery_time": { "max": { "acceptable": "5s" } } })j"), "demo.json", "ci");
  metrics::RunResult r;
  metrics::Histogram rest;
  rest.record(3'000'000'000);  // the run ended 3 s after the spike
  r.histograms["recovery_time"] = rest;
  r.counters["recovered"] = 1;
  evaluate(table.scenario("s"), r);
  EXPECT_TRUE(r.thresholds.front().passed);
  r.counters["recovered"] = 0;
  evaluate(table.scenario("s"), r);
  EXPECT_FALSE(r.thresholds.front().passed);
  EXPECT_EQ(r.thresholds.front().note,
            "never recovered: the run ended first (the figure is a lower bound)");
}

// Clock skew between shards and unexpected (duplicate, late) messages are rates a table gates.
TEST(EvaluateTest, SkewAndUnexpectedMessagesFailTheirRules) {
  const ThresholdTable table =
      parse_table(table_with(R"j({ "broadcast_skew": { "rate": { "acceptable": "0%" } },
                       "message_unexpected": { "rate": { "acceptable": "0%" } } })j"),
                  "demo.json", "ci");
  metrics::RunResult r;
  r.rates["broadcast_skew"] = {0, 1000, 1000};
  r.rates["message_unexpected"] = {0, 1000, 1000};
  evaluate(table.scenario("s"), r);
  EXPECT_TRUE(r.thresholds[0].passed && r.thresholds[1].passed);
  r.rates["broadcast_skew"] = {3, 1000, 1000};      // 3 receipts timed before their send
  r.rates["message_unexpected"] = {2, 1000, 1000};  // 2 duplicate echoes
  evaluate(table.scenario("s"), r);
  EXPECT_FALSE(r.thresholds[0].passed);
  EXPECT_FALSE(r.thresholds[1].passed);
}

TEST(EvaluateTest, TooFewSamplesFails) {
  const ThresholdTable table = parse_table(kGoodTable, "demo.json", "ci");
  const ScenarioConfig& s = table.scenario("steady");
  metrics::RunResult r = result_with_latencies(1'000'000, 10);
  r.histograms.erase("latency{stage:2}");
  evaluate(s, r);
  EXPECT_FALSE(r.passed);
  EXPECT_EQ(r.thresholds.back().metric, "samples");
  EXPECT_EQ(r.thresholds.back().note, "fewer samples than min_samples");
  // Every rule's best tier is none when the samples rule failed ("FAILED (best tier met by every
  // rule: good)" read as a contradiction).
  EXPECT_EQ(r.best_tier, "none");
}

TEST(EvaluateTest, MissingMetricAndInterruptedRunsFail) {
  const ThresholdTable table = parse_table(kGoodTable, "demo.json", "ci");
  const ScenarioConfig& s = table.scenario("steady");
  metrics::RunResult r = result_with_latencies(1'000'000, 500);
  r.histograms.erase("latency{stage:2}");
  r.rates.erase("throughput");
  evaluate(s, r);
  EXPECT_FALSE(r.passed);
  EXPECT_EQ(r.thresholds[3].note, "no samples");

  metrics::RunResult ok = result_with_latencies(1'000'000, 500);
  ok.histograms.erase("latency{stage:2}");
  ok.interrupted = true;
  evaluate(s, ok);
  EXPECT_FALSE(ok.passed);
}

}  // namespace
}  // namespace perfgate::config
