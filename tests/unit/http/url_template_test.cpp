// url_template_test - Unit tests for lib/http/url.cpp and request_template.cpp
#include <gtest/gtest.h>

#include "perfgate/core/error.hpp"
#include "perfgate/http/request_template.hpp"
#include "perfgate/http/url.hpp"

namespace perfgate::http {
namespace {

TEST(UrlTest, ParsesSchemesHostsPortsAndPaths) {
  const Url a = Url::parse("http://127.0.0.1:8080");
  EXPECT_EQ(a.host, "127.0.0.1");
  EXPECT_EQ(a.port, 8080);
  EXPECT_FALSE(a.tls());
  const Url b = Url::parse("https://api.example.com/v1/");
  EXPECT_EQ(b.port, 443);
  EXPECT_EQ(b.base_path, "/v1");
  EXPECT_TRUE(b.tls());
  const Url c = Url::parse("ws://[::1]:9000/x?y");
  EXPECT_EQ(c.host, "::1");
  EXPECT_EQ(c.authority(), "[::1]:9000");
  EXPECT_EQ(c.base_path, "/x");
}

TEST(UrlTest, RejectsBadUrlsWithTheReason) {
  const auto message = [](const char* text) {
    try {
      Url::parse(text);
    } catch (const core::Error& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(message("ftp://x"),
            "invalid URL 'ftp://x': unknown scheme 'ftp' (expected http, https, ws or wss)");
  EXPECT_EQ(message("localhost:8080"),
            "invalid URL 'localhost:8080': expected scheme://host[:port][/path]");
  EXPECT_EQ(message("http://:80"), "invalid URL 'http://:80': missing host");
  EXPECT_EQ(message("http://h:99999"),
            "invalid URL 'http://h:99999': port must be a number from 1 to 65535");
  EXPECT_EQ(message("http://u:secret@h"),
            "invalid URL for scheme 'http': credentials in the URL are not accepted; pass them "
            "through the environment");
}

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
