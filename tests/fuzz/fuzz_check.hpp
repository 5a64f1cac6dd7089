// fuzz_check.hpp - What every fuzz target shares: a property check that stops the run with a
// message (libFuzzer then saves the input as a crash), and input split into pieces.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace perfgate::fuzz {

// Aborts with `what` when `ok` is false: a broken property is a finding, like a crash.
inline void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz property broken: %s\n", what);
    std::abort();
  }
}

// The input as text.
inline std::string_view text_of(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace perfgate::fuzz
