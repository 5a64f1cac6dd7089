// perfgate/net/url.hpp - Target URLs ("http://127.0.0.1:8080", "https://api.example.com/v1").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace perfgate::net {

struct Url {
  std::string scheme;  // "http", "https", "ws" or "wss"
  std::string host;    // without brackets for IPv6
  std::uint16_t port = 0;
  std::string base_path;  // "" or "/v1" (no trailing slash)

  bool tls() const { return scheme == "https" || scheme == "wss"; }
  // "host:port" as the Host header wants it.
  std::string authority() const;
  // The URL without credentials, for logs and reports.
  std::string to_string() const;

  // Parses an absolute URL. Throws core::Error naming the text and what is wrong (unknown scheme,
  // missing host, bad port). User info ("user:pass@") is rejected: secrets go in the environment.
  static Url parse(std::string_view text);
};

}  // namespace perfgate::net
