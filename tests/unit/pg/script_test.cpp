// script_test - Unit tests for lib/pg/script.cpp: pgbench-style scripts (good and malformed, each
// error checked), expressions, the random distributions and SQLSTATE classes.
#include "perfgate/pg/script.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "perfgate/metrics/run_result.hpp"
#include "perfgate/pg/sqlstate.hpp"

namespace perfgate::pg {
namespace {

const char* kTpcb = R"(-- pgbench's TPC-B-like transaction
\set aid random(1, 100000 * :scale)
\set bid random(1, 1 * :scale)
\set delta random(-5000, 5000)
BEGIN;
UPDATE pgbench_accounts SET abalance = abalance + :delta
  WHERE aid = :aid;
SELECT abalance::text FROM pgbench_accounts WHERE aid = :aid;
END;
)";

TEST(ScriptTest, ParsesSetCommandsAndMultiLineStatements) {
  const Script s = parse_script(kTpcb, "tpcb", 3);
  EXPECT_EQ(s.weight, 3);
  EXPECT_EQ(s.statements(), 4u);
  ASSERT_EQ(s.steps.size(), 7u);
  const auto& update = std::get<SqlCommand>(s.steps[4].command);
  EXPECT_EQ(update.parameterised,
            "UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2");
  EXPECT_EQ(update.parameters, (std::vector<std::string>{"delta", "aid"}));
  EXPECT_EQ(s.steps[4].line, 6);
  // '::' casts are not variables; a repeated variable reuses its parameter.
  const auto& select = std::get<SqlCommand>(s.steps[5].command);
  EXPECT_EQ(select.parameterised, "SELECT abalance::text FROM pgbench_accounts WHERE aid = $1");
}

TEST(ScriptTest, EvaluatesExpressions) {
  const Script s = parse_script("\\set x (7 + :scale * 2) / 3 - -1 % 5\nSELECT :x;", "e");
  std::mt19937_64 rng(1);
  const Values v{{"scale", 10}};
  EXPECT_EQ(evaluate(std::get<SetCommand>(s.steps[0].command).expr, v, rng),
            (7 + 10 * 2) / 3 - (-1 % 5));
}

struct BadScript {
  std::string name;
  std::string text;
  std::string message;
};

void PrintTo(const BadScript& b, std::ostream* os) { *os << b.name; }

class BadScriptTest : public ::testing::TestWithParam<BadScript> {};

TEST_P(BadScriptTest, NamesScriptLineAndProblem) {
  try {
    parse_script(GetParam().text, "s.sql");
    FAIL() << "accepted";
  } catch (const ScriptError& e) {
    EXPECT_EQ(std::string(e.what()), GetParam().message);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Scripts, BadScriptTest,
    ::testing::Values(
        BadScript{"UnknownMetaCommand", "\\sleep 10ms\nSELECT 1;",
                  "s.sql:1: unknown meta-command \\sleep (expected \\set)"},
        BadScript{"UnknownFunction", "\\set x rand(1, 2)\nSELECT 1;",
                  "s.sql:1: unknown function 'rand' (expected random, random_gaussian, "
                  "random_zipfian or abs)"},
        BadScript{"WrongArity", "\\set x random(1)\nSELECT 1;",
                  "s.sql:1: random takes 2 arguments, got 1"},
        BadScript{"UnbalancedParenthesis", "\\set x (1 + 2\nSELECT 1;", "s.sql:1: missing ')'"},
        BadScript{"Garbage", "\\set x 1 $ 2\nSELECT 1;", "s.sql:1: unexpected '$ 2' in expression"},
        BadScript{"UnsetVariableInSet", "\\set x :y + 1\nSELECT 1;",
                  "s.sql:1: variable :y is used before it is set"},
        BadScript{"UnsetVariableInSql", "SELECT 1;\nSELECT :nope;",
                  "s.sql:2: variable :nope is used before it is set"},
        BadScript{"Unterminated", "SELECT 1;\nSELECT\n  2",
                  "s.sql:2: statement does not end with ';'"},
        BadScript{"NoStatements", "\\set x 1\n-- only a comment",
                  "s.sql: the script has no SQL statement"},
        BadScript{"MissingExpression", "\\set x\nSELECT 1;",
                  "s.sql:1: expected \\set name expression"}),
    [](const ::testing::TestParamInfo<BadScript>& info) { return info.param.name; });

TEST(DistributionTest, UniformStaysInBoundsWithTheRightMean) {
  std::mt19937_64 rng(7);
  double sum = 0;
  for (int i = 0; i < 100000; ++i) {
    const auto v = random_uniform(1, 100, rng);
    ASSERT_GE(v, 1);
    ASSERT_LE(v, 100);
    sum += static_cast<double>(v);
  }
  EXPECT_NEAR(sum / 100000, 50.5, 0.3);
  EXPECT_THROW(random_uniform(5, 1, rng), ScriptError);
}

TEST(DistributionTest, GaussianIsCentredAndTighterWithALargerParameter) {
  std::mt19937_64 rng(8);
  const auto spread = [&](double parameter) {
    double sum = 0, sum_sq = 0;
    for (int i = 0; i < 50000; ++i) {
      const auto v = static_cast<double>(random_gaussian(1, 1000, parameter, rng));
      EXPECT_GE(v, 1);
      EXPECT_LE(v, 1000);
      sum += v;
      sum_sq += v * v;
    }
    const double mean = sum / 50000;
    EXPECT_NEAR(mean, 500.5, 5);
    return std::sqrt(sum_sq / 50000 - mean * mean);
  };
  // pgbench: stddev = range / (2 * parameter) (a little less, the tails being cut).
  EXPECT_NEAR(spread(5.0), 1000.0 / 10, 5);
  EXPECT_LT(spread(10.0), spread(3.0));
  EXPECT_THROW(random_gaussian(1, 10, 1.5, rng), ScriptError);
}

TEST(DistributionTest, ZipfianFavoursTheLowestKeysByItsExponent) {
  std::mt19937_64 rng(9);
  std::map<std::int64_t, int> counts;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const auto v = random_zipfian(1, 1000, 1.5, rng);
    ASSERT_GE(v, 1);
    ASSERT_LE(v, 1000);
    ++counts[v];
  }
  // P(k) ~ k^-1.5: P(1) / P(2) = 2^1.5 = 2.83, P(1) / P(4) = 8.
  EXPECT_NEAR(static_cast<double>(counts[1]) / counts[2], std::pow(2.0, 1.5), 0.15);
  EXPECT_NEAR(static_cast<double>(counts[1]) / counts[4], 8.0, 0.6);
  // Normalised over 1..1000, P(1) = 1 / H(1000, 1.5) = 0.3923.
  EXPECT_NEAR(static_cast<double>(counts[1]) / n, 0.3923, 0.01);
  EXPECT_THROW(random_zipfian(1, 10, 1.0, rng), ScriptError);
}

TEST(SqlStateTest, ClassifiesByClass) {
  EXPECT_EQ(sqlstate_error_kind("40001"), "db_40");
  EXPECT_EQ(sqlstate_error_kind("40P01"), "db_40");
  EXPECT_EQ(sqlstate_error_kind("08006"), "db_08");
  EXPECT_EQ(sqlstate_error_kind("57P01"), "db_57");
  EXPECT_EQ(sqlstate_error_kind(""), "db_unknown");
  EXPECT_EQ(sqlstate_error_kind("4000a"), "db_unknown");
}

// Every class is a declared kind of its own, named as sqlstate_error_kind names it, and a
// recorder counts by it: "db_40" in the results, not "other".
TEST(SqlStateTest, EveryClassIsADeclaredKind) {
  metrics::MetricSet set;
  SqlStateKinds kinds;
  EXPECT_EQ(kinds.of("40001"), metrics::ErrorKind::kOther);  // not declared yet
  kinds.declare(set);
  for (const char* state : {"40001", "40P01", "08006", "57P01", "53300", "P0001", "U0001", "XX000"})
    EXPECT_EQ(set.error_kind_name(kinds.of(state)), sqlstate_error_kind(state)) << state;
  EXPECT_EQ(kinds.of("40001"), kinds.of("40P01"));
  EXPECT_NE(kinds.of("40001"), kinds.of("08006"));
  EXPECT_EQ(set.error_kind_name(kinds.of("")), "db_unknown");
  EXPECT_EQ(set.error_kind_count(), metrics::kErrorKindCount + 36 * 36 + 1);

  metrics::Recorder r(set, core::TimePoint{});
  r.operation_finished(core::TimePoint{}, 0, kinds.of("40001"), true);
  r.operation_finished(core::TimePoint{}, 0, kinds.of("40P01"), true);
  r.operation_finished(core::TimePoint{}, 0, kinds.of("57P01"), true);
  const metrics::RunResult result = metrics::collect(set, r, 1.0);
  EXPECT_EQ(result.errors.at("db_40"), 2u);
  EXPECT_EQ(result.errors.at("db_57"), 1u);
  EXPECT_EQ(result.errors.size(), 2u);
}

}  // namespace
}  // namespace perfgate::pg
