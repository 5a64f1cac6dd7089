#include "perfgate/core/enum_names.hpp"

#include <gtest/gtest.h>

namespace perfgate::core {
namespace {

enum class Colour { kRed, kGreen, kBlue };
constexpr auto kColours =
    enum_names<Colour>({{Colour::kRed, "red"}, {Colour::kGreen, "green"}, {Colour::kBlue, "blue"}});

TEST(EnumNamesTest, OneTableNamesAndParses) {
  static_assert(kColours.name(Colour::kGreen) == "green");
  EXPECT_EQ(kColours.name(Colour::kBlue), "blue");
  EXPECT_EQ(kColours.parse("red"), Colour::kRed);
  EXPECT_EQ(kColours.parse("Red"), std::nullopt);  // exact: tables are case-sensitive
  EXPECT_EQ(kColours.parse(""), std::nullopt);
}

TEST(EnumNamesTest, AValueOutsideTheTableGetsTheFirstName) {
  EXPECT_EQ(kColours.name(static_cast<Colour>(7)), "red");
}

}  // namespace
}  // namespace perfgate::core
