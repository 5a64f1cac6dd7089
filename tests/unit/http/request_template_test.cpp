// request_template_test - Unit tests for lib/http/request_template.cpp
#include "perfgate/http/request_template.hpp"

#include <gtest/gtest.h>

#include "perfgate/core/error.hpp"

namespace perfgate::http {
namespace {

TEST(TemplateTest, RendersVariablesByIndex) {
  VariableTable table;
  const TextTemplate t("/users/${id}/profile?v=${v}&id=${id}", table);
  ASSERT_EQ(table.names().size(), 2u);
  Variables values(2);
  values[*table.find("id")] = "7";
  values[*table.find("v")] = "x";
  EXPECT_EQ(t.render(values), "/users/7/profile?v=x&id=7");
  EXPECT_THROW(TextTemplate("/a/${oops", table), core::Error);
  EXPECT_THROW(TextTemplate("/a/${}", table), core::Error);
}

TEST(TemplateTest, CompilesSpecsAndJudgesStatus) {
  VariableTable table;
  const RequestTemplate login = RequestTemplate::compile(
      RequestSpec::post("/auth/login").json(R"({"u": "${username}"})").capture("token", "/token"),
      table);
  EXPECT_TRUE(login.status_ok(200));
  EXPECT_TRUE(login.status_ok(302));
  EXPECT_FALSE(login.status_ok(401));
  ASSERT_EQ(login.captures.size(), 1u);
  EXPECT_EQ(login.captures[0].variable, *table.find("token"));
  const RequestTemplate probe =
      RequestTemplate::compile(RequestSpec::get("/users/me").bearer("x").must_be_rejected(), table);
  EXPECT_TRUE(probe.rejection_probe);
  EXPECT_TRUE(probe.status_ok(401));
  EXPECT_FALSE(probe.status_ok(200));
  EXPECT_THROW(RequestTemplate::compile(RequestSpec::get("/").capture("t", "no-slash"), table),
               core::Error);
}

}  // namespace
}  // namespace perfgate::http
