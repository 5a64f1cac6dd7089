// units.cpp - Parsing and formatting of "250ms", "1%", "20/s", "512MiB" and plain numbers.
#include "perfgate/core/units.hpp"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <utility>

#include "perfgate/core/enum_names.hpp"

namespace perfgate::core {
namespace {

struct Suffix {
  std::string_view text;
  double factor;  // canonical units per one of this suffix
};

constexpr std::array kDurationSuffixes{Suffix{"ns", 1.0},  Suffix{"us", 1e3}, Suffix{"µs", 1e3},
                                       Suffix{"ms", 1e6},  Suffix{"s", 1e9},  Suffix{"m", 60e9},
                                       Suffix{"h", 3600e9}};
constexpr std::array kRateSuffixes{Suffix{"/s", 1.0}, Suffix{"/m", 1.0 / 60},
                                   Suffix{"/h", 1.0 / 3600}};
constexpr std::array kByteSuffixes{Suffix{"", 1.0},          Suffix{"B", 1.0},
                                   Suffix{"KB", 1e3},        Suffix{"MB", 1e6},
                                   Suffix{"GB", 1e9},        Suffix{"KiB", 1024.0},
                                   Suffix{"MiB", 1048576.0}, Suffix{"GiB", 1073741824.0}};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Splits "1.5ms" into 1.5 and "ms". Rejects negatives, NaN, infinities and a missing number.
std::pair<double, std::string_view> split_number(std::string_view original, std::string_view what,
                                                 std::string_view expected) {
  const std::string_view text = trim(original);
  double value = 0;
  const auto* begin = text.data();
  const auto* end = text.data() + text.size();
  // from_chars would accept "inf" and "nan"; a figure must start with a digit or a point.
  const bool starts_numeric =
      !text.empty() && (std::isdigit(static_cast<unsigned char>(text[0])) || text[0] == '.');
  auto [ptr, ec] = std::from_chars(begin, end, value, std::chars_format::fixed);
  if (!starts_numeric || ec == std::errc::invalid_argument) {
    throw UnitError(fmt::format("invalid {} '{}': expected {}", what, original, expected));
  }
  if (ec == std::errc::result_out_of_range || !std::isfinite(value)) {
    throw UnitError(fmt::format("invalid {} '{}': number out of range", what, original));
  }
  return {value, trim(std::string_view(ptr, static_cast<std::size_t>(end - ptr)))};
}

template <std::size_t N>
double parse_with_suffixes(std::string_view text, const std::array<Suffix, N>& suffixes,
                           std::string_view what, std::string_view expected, double max) {
  const auto [number, suffix] = split_number(text, what, expected);
  for (const Suffix& s : suffixes) {
    if (suffix == s.text) {
      const double value = number * s.factor;
      if (!(value <= max)) {
        throw UnitError(fmt::format("invalid {} '{}': number out of range", what, text));
      }
      return value;
    }
  }
  throw UnitError(fmt::format("invalid {} '{}': expected {}", what, text, expected));
}

}  // namespace

namespace {
constexpr auto kUnitNames = enum_names<Unit>({{Unit::kCount, "count"},
                                              {Unit::kDuration, "ns"},
                                              {Unit::kPercent, "ratio"},
                                              {Unit::kRate, "per_s"},
                                              {Unit::kBytes, "bytes"}});
}  // namespace

std::string_view unit_name(Unit unit) { return kUnitNames.name(unit); }

std::chrono::nanoseconds parse_duration(std::string_view text) {
  // Limited to what an int64 of nanoseconds holds (about 292 years).
  const double ns = parse_with_suffixes(text, kDurationSuffixes, "duration",
                                        "a number followed by ns, us, ms, s, m or h (e.g. 250ms)",
                                        static_cast<double>(std::numeric_limits<int64_t>::max()));
  return std::chrono::nanoseconds(static_cast<int64_t>(std::llround(ns)));
}

double parse_percent(std::string_view text) {
  constexpr std::array kPercent{Suffix{"%", 0.01}};
  return parse_with_suffixes(text, kPercent, "percentage", "a number followed by % (e.g. 1%)",
                             1e12);
}

double parse_rate(std::string_view text) {
  return parse_with_suffixes(text, kRateSuffixes, "rate",
                             "a number followed by /s, /m or /h (e.g. 20/s)", 1e12);
}

double parse_bytes(std::string_view text) {
  return parse_with_suffixes(text, kByteSuffixes, "size",
                             "a number optionally followed by B, KB, MB, GB, KiB, MiB or GiB",
                             1e18);
}

double parse_count(std::string_view text) {
  constexpr std::array kNone{Suffix{"", 1.0}};
  return parse_with_suffixes(text, kNone, "number", "a plain number (e.g. 100)", 1e15);
}

double parse_quantity(std::string_view text, Unit unit) {
  switch (unit) {
    case Unit::kDuration:
      return static_cast<double>(parse_duration(text).count());
    case Unit::kPercent:
      return parse_percent(text);
    case Unit::kRate:
      return parse_rate(text);
    case Unit::kBytes:
      return parse_bytes(text);
    case Unit::kCount:
      return parse_count(text);
  }
  return parse_count(text);
}

std::string format_quantity(double value, Unit unit) {
  switch (unit) {
    case Unit::kDuration: {
      const double ns = value;
      // A fraction of a nanosecond matters for a microbenchmark (2.39ns), not for a whole one.
      if (ns < 1e3 && ns != std::floor(ns))
        return fmt::format("{:.{}f}ns", ns, ns < 10 ? 2 : ns < 100 ? 1 : 0);
      if (ns < 1e3) return fmt::format("{:.0f}ns", ns);
      if (ns < 1e6) return fmt::format("{:.1f}us", ns / 1e3);
      if (ns < 1e9) return fmt::format("{:.2f}ms", ns / 1e6);
      if (ns < 120e9) return fmt::format("{:.3f}s", ns / 1e9);
      return fmt::format("{:.1f}m", ns / 60e9);
    }
    case Unit::kPercent:
      return fmt::format("{:.2f}%", value * 100);
    case Unit::kRate:
      return fmt::format("{:.1f}/s", value);
    case Unit::kBytes:
      if (value < 1024) return fmt::format("{:.0f}B", value);
      if (value < 1048576) return fmt::format("{:.1f}KiB", value / 1024);
      if (value < 1073741824) return fmt::format("{:.1f}MiB", value / 1048576);
      return fmt::format("{:.2f}GiB", value / 1073741824);
    case Unit::kCount:
      if (value == std::floor(value) && std::fabs(value) < 1e15)
        return fmt::format("{:.0f}", value);
      return fmt::format("{:.2f}", value);
  }
  return fmt::format("{}", value);
}

}  // namespace perfgate::core
