// url_test - Unit tests for lib/net/url.cpp
#include "perfgate/net/url.hpp"

#include <gtest/gtest.h>

#include "perfgate/core/error.hpp"

namespace perfgate::net {
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

}  // namespace
}  // namespace perfgate::net
