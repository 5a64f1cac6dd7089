// units_test - Unit tests for lib/core/units.cpp and lib/core/redact.cpp
#include "perfgate/core/units.hpp"

#include <gtest/gtest.h>

#include "perfgate/core/redact.hpp"

namespace perfgate::core {
namespace {

using namespace std::chrono_literals;

TEST(UnitsTest, ParsesDurations) {
  EXPECT_EQ(parse_duration("250ms"), 250ms);
  EXPECT_EQ(parse_duration("1.5s"), 1500ms);
  EXPECT_EQ(parse_duration("2m"), 120s);
  EXPECT_EQ(parse_duration("1h"), 3600s);
  EXPECT_EQ(parse_duration("750us"), 750us);
  EXPECT_EQ(parse_duration("100ns"), 100ns);
  EXPECT_EQ(parse_duration(" 0s "), 0ns);
  EXPECT_EQ(parse_duration(".5s"), 500ms);
}

TEST(UnitsTest, ParsesPercentRateBytesAndCounts) {
  EXPECT_DOUBLE_EQ(parse_percent("1%"), 0.01);
  EXPECT_DOUBLE_EQ(parse_percent("0.5%"), 0.005);
  EXPECT_DOUBLE_EQ(parse_rate("20/s"), 20.0);
  EXPECT_DOUBLE_EQ(parse_rate("1200/m"), 20.0);
  EXPECT_DOUBLE_EQ(parse_rate("3600/h"), 1.0);
  EXPECT_DOUBLE_EQ(parse_bytes("512"), 512.0);
  EXPECT_DOUBLE_EQ(parse_bytes("8KiB"), 8192.0);
  EXPECT_DOUBLE_EQ(parse_bytes("200MB"), 200e6);
  EXPECT_DOUBLE_EQ(parse_bytes("1GiB"), 1073741824.0);
  EXPECT_DOUBLE_EQ(parse_count("100"), 100.0);
  EXPECT_DOUBLE_EQ(parse_quantity("3s", Unit::kDuration), 3e9);
}

struct BadInput {
  std::string text;
  Unit unit;
  std::string message;
};

void PrintTo(const BadInput& b, std::ostream* os) { *os << '\'' << b.text << '\''; }

class UnitsErrorTest : public ::testing::TestWithParam<BadInput> {};

TEST_P(UnitsErrorTest, QuotesTheTextAndSaysWhatWasExpected) {
  const BadInput& bad = GetParam();
  try {
    parse_quantity(bad.text, bad.unit);
    FAIL() << "'" << bad.text << "' parsed";
  } catch (const UnitError& e) {
    EXPECT_EQ(std::string(e.what()), bad.message);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Messages, UnitsErrorTest,
    ::testing::Values(
        BadInput{"250", Unit::kDuration,
                 "invalid duration '250': expected a number followed by ns, us, ms, s, m or h "
                 "(e.g. 250ms)"},
        BadInput{"25 parsecs", Unit::kDuration,
                 "invalid duration '25 parsecs': expected a number followed by ns, us, ms, s, m or "
                 "h (e.g. 250ms)"},
        BadInput{"-5ms", Unit::kDuration,
                 "invalid duration '-5ms': expected a number followed by ns, us, ms, s, m or h "
                 "(e.g. 250ms)"},
        BadInput{"", Unit::kDuration,
                 "invalid duration '': expected a number followed by ns, us, ms, s, m or h (e.g. "
                 "250ms)"},
        BadInput{"nan", Unit::kDuration,
                 "invalid duration 'nan': expected a number followed by ns, us, ms, s, m or h "
                 "(e.g. 250ms)"},
        BadInput{"1e300s", Unit::kDuration,
                 "invalid duration '1e300s': expected a number followed by ns, us, ms, s, m or h "
                 "(e.g. 250ms)"},
        BadInput{"99999999999999999999h", Unit::kDuration,
                 "invalid duration '99999999999999999999h': number out of range"},
        BadInput{"1", Unit::kPercent,
                 "invalid percentage '1': expected a number followed by % (e.g. 1%)"},
        BadInput{"20", Unit::kRate,
                 "invalid rate '20': expected a number followed by /s, /m or /h (e.g. 20/s)"},
        BadInput{"20/d", Unit::kRate,
                 "invalid rate '20/d': expected a number followed by /s, /m or /h (e.g. 20/s)"},
        BadInput{"8kb", Unit::kBytes,
                 "invalid size '8kb': expected a number optionally followed by B, KB, MB, GB, KiB, "
                 "MiB or GiB"},
        BadInput{"ten", Unit::kCount, "invalid number 'ten': expected a plain number (e.g. 100)"}));

TEST(UnitsTest, FormatsForPeople) {
  EXPECT_EQ(format_quantity(12.34e6, Unit::kDuration), "12.34ms");
  EXPECT_EQ(format_quantity(850, Unit::kDuration), "850ns");
  EXPECT_EQ(format_quantity(2.391, Unit::kDuration), "2.39ns");  // a microbenchmark's figure
  EXPECT_EQ(format_quantity(45.67, Unit::kDuration), "45.7ns");
  EXPECT_EQ(format_quantity(1.5e3, Unit::kDuration), "1.5us");
  EXPECT_EQ(format_quantity(2.5e9, Unit::kDuration), "2.500s");
  EXPECT_EQ(format_quantity(0.005, Unit::kPercent), "0.50%");
  EXPECT_EQ(format_quantity(250, Unit::kRate), "250.0/s");
  EXPECT_EQ(format_quantity(3 * 1048576.0, Unit::kBytes), "3.0MiB");
  EXPECT_EQ(format_quantity(42, Unit::kCount), "42");
}

TEST(RedactTest, RemovesPasswordsTokensAndKeys) {
  EXPECT_EQ(redact("postgresql://app:s3cret@db:5432/x"), "postgresql://app:***@db:5432/x");
  EXPECT_EQ(redact("host=db password=s3cret dbname=x"), "host=db password=*** dbname=x");
  EXPECT_EQ(redact("host=db password='s3 cret' dbname=x"), "host=db password=*** dbname=x");
  EXPECT_EQ(redact("Authorization: Bearer abc.def"), "Authorization: Bearer ***");
  EXPECT_EQ(redact("http://127.0.0.1:8080/path"), "http://127.0.0.1:8080/path");
  EXPECT_EQ(redact("https://user@host/x"), "https://user@host/x");  // no password to hide
  EXPECT_EQ(redact("https://h/v1?api_key=k3y&x=1"), "https://h/v1?api_key=***&x=1");
  EXPECT_EQ(redact("wss://h/feed?access_token=t0k"), "wss://h/feed?access_token=***");
  EXPECT_EQ(redact("X-Api-Key: k3y"), "X-Api-Key: ***");
}

}  // namespace
}  // namespace perfgate::core
