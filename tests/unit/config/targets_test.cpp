// targets_test - Unit tests for lib/config/targets.cpp
#include "perfgate/config/targets.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

namespace perfgate::config {
namespace {

TEST(TargetsTest, ParsesStringsAndObjects) {
  const Targets t = Targets::parse(
      R"({"http": "http://127.0.0.1:8080", "pg": {"url": "postgresql://app:pw@db/x", "insecure": true, "pid": 42}})",
      "targets.json");
  ASSERT_NE(t.find("http"), nullptr);
  EXPECT_EQ(t.find("http")->url, "http://127.0.0.1:8080");
  EXPECT_TRUE(t.find("pg")->insecure);
  EXPECT_EQ(t.find("pg")->pid, 42);
  EXPECT_EQ(t.find("ws"), nullptr);
  const std::string redacted = t.redacted_json().dump();
  EXPECT_EQ(redacted.find("pw"), std::string::npos);
  EXPECT_NE(redacted.find("postgresql://app:***@db/x"), std::string::npos);
}

TEST(TargetsTest, AiTargetsNameTheirModelsAndKeyVariable) {
  const Targets t = Targets::parse(
      R"({"ai": {"url": "https://llm.internal/v1", "models": ["m-large", "m-small"], "api_key_env": "LLM_KEY"}})",
      "targets.json");
  EXPECT_EQ(t.find("ai")->models, (std::vector<std::string>{"m-large", "m-small"}));
  EXPECT_EQ(t.find("ai")->api_key_env, "LLM_KEY");
  EXPECT_THROW(Targets::parse(R"({"ai": {"url": "x", "models": []}})", "t.json"), ConfigError);
}

TEST(TargetsTest, MissingTargetSaysWhichVariableToSet) {
  const Targets t;
  try {
    t.require("http");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("set PERFGATE_TARGET_HTTP"), std::string::npos)
        << e.what();
  }
}

TEST(TargetsTest, MalformedFilesAreLocated) {
  EXPECT_THROW(Targets::parse("{", "t.json"), ConfigError);
  EXPECT_THROW(Targets::parse(R"({"http": {"pid": 1e400}})", "t.json"), ConfigError);
  try {
    Targets::parse(R"({"http": {"adress": "x"}})", "t.json");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_STREQ(
        e.what(),
        "t.json: /http/adress: unknown key 'adress' (expected one of: url, insecure, pid, models, "
        "api_key_env)");
  }
  try {
    Targets::parse(R"({"http": 5})", "t.json");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(),
                 "t.json: /http: expected a URL string or {\"url\": ..., \"insecure\": ...}");
  }
}

TEST(TargetsTest, VariablesOverrideFiles) {
  ::setenv("PERFGATE_TARGET_HTTP", "http://10.0.0.1:9", 1);
  ::unsetenv("PERFGATE_TARGETS");
  ::unsetenv("PERFGATE_EMBEDDED_TARGETS");
  const Targets t = Targets::from_environment();
  ::unsetenv("PERFGATE_TARGET_HTTP");
  ASSERT_NE(t.find("http"), nullptr);
  EXPECT_EQ(t.find("http")->url, "http://10.0.0.1:9");
  EXPECT_EQ(t.find("http")->source, "PERFGATE_TARGET_HTTP");
}

TEST(TargetsTest, BaselineTargetsComeFromTheirOwnVariables) {
  ::unsetenv("PERFGATE_BASELINE_TARGETS");
  ::unsetenv("PERFGATE_BASELINE_TARGET_HTTP");
  ::setenv("PERFGATE_TARGET_HTTP", "http://10.0.0.1:9", 1);
  EXPECT_TRUE(Targets::baseline_from_environment().empty());  // the candidate's are not A's
  ::setenv("PERFGATE_BASELINE_TARGET_HTTP", "http://10.0.0.2:9", 1);
  const Targets t = Targets::baseline_from_environment();
  ::unsetenv("PERFGATE_BASELINE_TARGET_HTTP");
  ::unsetenv("PERFGATE_TARGET_HTTP");
  ASSERT_NE(t.find("http"), nullptr);
  EXPECT_EQ(t.find("http")->url, "http://10.0.0.2:9");
  EXPECT_EQ(t.find("http")->source, "PERFGATE_BASELINE_TARGET_HTTP");
  EXPECT_EQ(t.find("pg"), nullptr);
}

TEST(ShardTest, ParsesIndexOverCount) {
  const load::Shard s = parse_shard("2/4", "PERFGATE_SHARD");
  EXPECT_EQ(s.index, 2u);
  EXPECT_EQ(s.count, 4u);
  for (const char* bad : {"4/4", "1", "a/b", "1/0", "1/2x"}) {
    EXPECT_THROW(parse_shard(bad, "PERFGATE_SHARD"), ConfigError) << bad;
  }
}

}  // namespace
}  // namespace perfgate::config
