// url.cpp - Parsing of target URLs.
#include "perfgate/net/url.hpp"

#include <fmt/format.h>

#include <charconv>

#include "perfgate/core/error.hpp"
#include "perfgate/core/redact.hpp"

namespace perfgate::net {

std::string Url::authority() const {
  const bool v6 = host.find(':') != std::string::npos;
  return fmt::format("{}{}{}:{}", v6 ? "[" : "", host, v6 ? "]" : "", port);
}

std::string Url::to_string() const {
  return fmt::format("{}://{}{}", scheme, authority(), base_path);
}

Url Url::parse(std::string_view text) {
  const auto fail = [&](std::string_view why) {
    return core::Error(fmt::format("invalid URL '{}': {}", core::redact(text), why));
  };
  Url url;
  const auto sep = text.find("://");
  if (sep == std::string_view::npos) throw fail("expected scheme://host[:port][/path]");
  url.scheme = std::string(text.substr(0, sep));
  std::uint16_t default_port = 0;
  if (url.scheme == "http" || url.scheme == "ws") {
    default_port = 80;
  } else if (url.scheme == "https" || url.scheme == "wss") {
    default_port = 443;
  } else {
    throw fail("unknown scheme '" + url.scheme + "' (expected http, https, ws or wss)");
  }
  std::string_view rest = text.substr(sep + 3);
  const auto path_at = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, path_at);
  if (path_at != std::string_view::npos) {
    std::string_view path = rest.substr(path_at);
    path = path.substr(0, path.find_first_of("?#"));
    while (!path.empty() && path.back() == '/') path.remove_suffix(1);
    url.base_path = std::string(path);
  }
  if (authority.find('@') != std::string_view::npos) {
    throw core::Error(fmt::format(
        "invalid URL for scheme '{}': credentials in the URL are not accepted; pass them through "
        "the environment",
        url.scheme));
  }
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) throw fail("unclosed '[' in IPv6 host");
    url.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') throw fail("expected ':' after ']'");
      port_text = after.substr(1);
    }
  } else {
    const auto colon = authority.rfind(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (url.host.empty()) throw fail("missing host");
  url.port = default_port;
  if (!port_text.empty()) {
    unsigned port = 0;
    auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || ptr != port_text.data() + port_text.size() || port == 0 ||
        port > 65535) {
      throw fail("port must be a number from 1 to 65535");
    }
    url.port = static_cast<std::uint16_t>(port);
  }
  return url;
}

}  // namespace perfgate::net
