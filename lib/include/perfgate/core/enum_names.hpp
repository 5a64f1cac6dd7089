// perfgate/core/enum_names.hpp - One table of names for an enum, read in both directions.
//
// A name written once serves the text that goes out (results, messages) and the text that comes
// in (tables), so the two cannot drift apart.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>

namespace perfgate::core {

template <class E, std::size_t N>
struct EnumNames {
  std::array<std::pair<E, std::string_view>, N> entries;

  // The name of `value`; the first entry's name for a value the table lacks (an enum cast from
  // an out-of-range integer), never an empty view.
  constexpr std::string_view name(E value) const {
    for (const auto& [v, n] : entries) {
      if (v == value) return n;
    }
    return entries[0].second;
  }
  // The value named `text` exactly, or nullopt.
  constexpr std::optional<E> parse(std::string_view text) const {
    for (const auto& [v, n] : entries) {
      if (n == text) return v;
    }
    return std::nullopt;
  }
};

// enum_names<Tier>({{Tier::kGood, "good"}, ...}) without spelling the count.
template <class E, std::size_t N>
constexpr EnumNames<E, N> enum_names(std::pair<E, std::string_view> (&&entries)[N]) {
  EnumNames<E, N> table{};
  for (std::size_t i = 0; i < N; ++i) table.entries[i] = entries[i];
  return table;
}

}  // namespace perfgate::core
