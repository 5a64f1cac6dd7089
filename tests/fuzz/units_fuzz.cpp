// units_fuzz - The units parser (durations, percentages, rates, sizes, counts) on any text: a
// number of the unit or a UnitError, never a crash, a different exception or a non-finite value;
// and whatever it parses can be formatted.
#include <cmath>

#include "fuzz_check.hpp"
#include "perfgate/core/error.hpp"
#include "perfgate/core/units.hpp"

using perfgate::core::Unit;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = perfgate::fuzz::text_of(data, size);
  for (const Unit unit :
       {Unit::kDuration, Unit::kPercent, Unit::kRate, Unit::kBytes, Unit::kCount}) {
    try {
      const double value = perfgate::core::parse_quantity(text, unit);
      perfgate::fuzz::check(std::isfinite(value), "a parsed quantity is finite");
      perfgate::fuzz::check(value >= 0, "a parsed quantity is not negative");
      perfgate::fuzz::check(!perfgate::core::format_quantity(value, unit).empty(),
                            "a parsed quantity formats");
    } catch (const perfgate::core::UnitError&) {
    }
  }
  try {
    perfgate::fuzz::check(perfgate::core::parse_duration(text).count() >= 0,
                          "a parsed duration is not negative");
  } catch (const perfgate::core::UnitError&) {
  }
  return 0;
}
