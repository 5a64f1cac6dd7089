// json_node_test - Every check of a JsonNode fails with the value's JSON path and what was
// expected.
#include "perfgate/core/json_node.hpp"

#include <gtest/gtest.h>

#include "perfgate/core/error.hpp"

namespace perfgate::core {
namespace {

using nlohmann::json;

template <class Read>
std::string error_of(Read read) {
  try {
    read();
  } catch (const FieldError& e) {
    return e.path() + ": " + e.expectation();
  }
  return "read";
}

TEST(JsonNodeTest, PathsFollowTheDocumentWithEscapedKeys) {
  const json doc = json::parse(R"({"a/b": [{"x~": 1}]})");
  const JsonNode root(doc);
  EXPECT_EQ(root.child("a/b").element(0).child("x~").path(), "/a~1b/0/x~0");
  EXPECT_EQ(error_of([&] { root.child("a/b").element(0).child("x~").string("a name"); }),
            "/a~1b/0/x~0: expected a name, got 1");
}

TEST(JsonNodeTest, OneOfNamesTheChoices) {
  const json doc = json::parse(R"({"mode": "fast", "n": 3})");
  const JsonNode w(doc);
  EXPECT_EQ(w.one_of("mode", {"fast", "slow"}), "fast");
  EXPECT_EQ(w.one_of("other", {"a", "b"}, "b"), "b");
  EXPECT_EQ(error_of([&] {
              w.one_of("mode", {"a", "b", "c"});
            }),
            "/mode: expected \"a\", \"b\" or \"c\", got \"fast\"");
  EXPECT_EQ(error_of([&] { w.one_of("n", {"a", "b"}); }), "/n: expected \"a\" or \"b\", got 3");
  EXPECT_EQ(error_of([&] { w.one_of("kind", {"a", "b"}); }), ": expected \"kind\": \"a\" or \"b\"");
}

TEST(JsonNodeTest, OptionalFieldsCheckWhatIsThere) {
  const json doc = json::parse(R"({"n": -1, "on": "yes", "t": "5 parsecs", "keys": {"x": 1}})");
  const JsonNode w(doc);
  EXPECT_EQ(w.count_or("missing", 7, 10), 7u);
  EXPECT_EQ(error_of([&] { w.count_or("n", 0, 10); }),
            "/n: expected a whole number from 0 to 10, got -1");
  EXPECT_EQ(error_of([&] { w.bool_or("on", false); }), "/on: expected true or false, got \"yes\"");
  EXPECT_NE(error_of([&] { w.duration_or("t", {}); }).find("/t: "), std::string::npos);
  EXPECT_EQ(error_of([&] {
              w.child("keys").only_keys({"y", "z"});
            }),
            "/keys/x: unknown key 'x' (expected one of: y, z)");
  EXPECT_EQ(
      error_of([&] { w.expect_array("a list"); }),
      ": expected a list, got {\"keys\":{\"x\":1},\"n\":-1,\"on\":\"yes\",\"t\":\"5 parsecs\"}");
}

TEST(JsonNodeTest, StringListsCheckTheArrayAndEachElement) {
  const JsonNode::StringList methods{.array = "an array of methods",
                                     .element = "\"copy\" or \"insert\"",
                                     .valid = [](std::string_view m) { return m == "copy"; }};
  const json doc = json::parse(R"({"ok": ["copy"], "bad": ["copy", "upsert"], "none": [],
                                   "names": ["a", ""], "scalar": "copy"})");
  const JsonNode root(doc);
  EXPECT_EQ(root.strings_or("ok", {}, methods), std::vector<std::string>{"copy"});
  EXPECT_EQ(root.strings_or("absent", {"x"}, methods), std::vector<std::string>{"x"});
  EXPECT_EQ(error_of([&] { root.strings_or("bad", {}, methods); }),
            "/bad/1: expected \"copy\" or \"insert\", got \"upsert\"");
  EXPECT_EQ(error_of([&] { root.strings_or("none", {}, methods); }),
            "/none: expected an array of methods, got []");
  EXPECT_EQ(error_of([&] { root.strings_or("scalar", {}, methods); }),
            "/scalar: expected an array of methods, got \"copy\"");
  // Without `valid`, any non-empty string; `may_be_empty` lets [] through.
  EXPECT_EQ(
      error_of([&] { root.strings_or("names", {}, {.array = "names", .element = "a name"}); }),
      "/names/1: expected a name, got \"\"");
  EXPECT_TRUE(
      root.strings_or("none", {"x"}, {.array = "", .element = "", .may_be_empty = true}).empty());
}

}  // namespace
}  // namespace perfgate::core
