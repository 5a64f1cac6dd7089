// perfgate/core/random.hpp - A small, fast, seedable random source for per-user choices.
//
// Every virtual user draws its think times and behaviours from its own generator, so the run is
// reproducible from its seed. std::mt19937_64 would do, but its state is 2.5 KiB: at 20,000 held
// sessions that is 50 MiB of load-generator memory for picking pauses. SplitMix64 (Steele, Lea
// and Flood, 2014) keeps 8 bytes, passes BigCrush, and is a UniformRandomBitGenerator, so the
// standard distributions take it.
#pragma once

#include <cstdint>
#include <limits>

namespace perfgate::core {

class SplitMix64 {
 public:
  using result_type = std::uint64_t;
  explicit SplitMix64(std::uint64_t seed = 0) : state_(seed) {}
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return std::numeric_limits<result_type>::max(); }
  result_type operator()() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

 private:
  std::uint64_t state_;
};

}  // namespace perfgate::core
