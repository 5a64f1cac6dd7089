// perfgate/core/units.hpp - Parsing and formatting of values with units: "250ms", "1.5s", "2m",
// "1%", "20/s", "512MiB".
//
// Every figure in a threshold table or load profile is text with a unit. Parsing turns it into a
// canonical number (nanoseconds, a fraction, per second, bytes or a plain count); formatting turns
// a canonical number back into the shortest readable text. Bad text throws UnitError quoting it.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "perfgate/core/error.hpp"

namespace perfgate::core {

// The kind of quantity a metric or setting holds, and so the canonical unit of its numbers.
enum class Unit {
  kDuration,  // nanoseconds; text: 100ns, 250us, 250ms, 1.5s, 2m, 1h
  kPercent,   // a fraction (0.01 == 1%); text: 1%, 0.5%
  kRate,      // per second; text: 20/s, 1200/m, 3600/h
  kBytes,     // bytes; text: 512, 8KiB, 200MB, 1.5GiB
  kCount,     // a plain number; text: 100, 2.5
};

// The unit's name as results files and messages spell it ("ns", "ratio", "per_s", "bytes",
// "count").
std::string_view unit_name(Unit unit);

// Parses a non-negative duration ("250ms", "1.5s", "2m"). Throws UnitError.
std::chrono::nanoseconds parse_duration(std::string_view text);

// Parses a percentage ("1%", "0.5%") into a fraction (0.01, 0.005). Throws UnitError.
double parse_percent(std::string_view text);

// Parses a rate ("20/s", "1200/m") into events per second. Throws UnitError.
double parse_rate(std::string_view text);

// Parses a size ("512", "8KiB", "200MB") into bytes. Throws UnitError.
double parse_bytes(std::string_view text);

// Parses a plain non-negative number ("100", "2.5"). Throws UnitError.
double parse_count(std::string_view text);

// Parses `text` as a quantity of `unit`, returning the canonical number. Throws UnitError.
double parse_quantity(std::string_view text, Unit unit);

// Formats a canonical number of `unit` for people: "12.3ms", "0.50%", "250.0/s", "1.2MiB", "42".
std::string format_quantity(double value, Unit unit);

}  // namespace perfgate::core
