// redact.cpp - Secret removal for logs, reports and results.
#include "perfgate/core/redact.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace perfgate::core {
namespace {

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Replaces the value after each `marker` (case-insensitive) up to the first char in `stops`.
void mask_after(std::string& text, std::string_view marker, std::string_view stops) {
  std::size_t from = 0;
  for (;;) {
    const std::size_t at = lower(text).find(marker, from);
    if (at == std::string::npos) return;
    std::size_t begin = at + marker.size();
    while (begin < text.size() && is_space(text[begin]) && marker.back() == '=') ++begin;
    std::size_t end = begin;
    const bool quoted = end < text.size() && text[end] == '\'';
    if (quoted) {
      end = text.find('\'', begin + 1);
      end = end == std::string::npos ? text.size() : end + 1;
    } else {
      while (end < text.size() && stops.find(text[end]) == std::string_view::npos &&
             !is_space(text[end]))
        ++end;
    }
    if (end > begin) text.replace(begin, end - begin, "***");
    from = begin + 3;
  }
}

}  // namespace

std::string redact(std::string_view input) {
  std::string text(input);
  // URL user info: scheme://user:password@host
  std::size_t from = 0;
  while ((from = text.find("://", from)) != std::string::npos) {
    const std::size_t start = from + 3;
    const std::size_t end = text.find_first_of("/?# \t\"'", start);
    const std::size_t at = text.rfind('@', end == std::string::npos ? text.size() : end);
    if (at != std::string::npos && at > start) {
      const std::size_t colon = text.find(':', start);
      if (colon != std::string::npos && colon < at) text.replace(colon + 1, at - colon - 1, "***");
    }
    from = start;
  }
  // Key/value secrets: libpq's password=, and query parameters that carry keys and tokens
  // (?api_key=..., &access_token=...).
  for (const std::string_view key : {"password=", "api_key=", "apikey=", "token=", "secret="}) {
    mask_after(text, key, "&; \"");
  }
  mask_after(text, "x-api-key: ", "\",;");
  mask_after(text, "bearer ", "\",;");
  mask_after(text, "basic ", "\",;");
  return text;
}

}  // namespace perfgate::core
