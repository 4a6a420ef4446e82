// Deterministic random numbers: the same seed gives the same stream on every machine and
// compiler (no std:: distributions, whose output is implementation-defined).
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace faasdl {

// Mixes a seed with stream identifiers (epoch, worker, layer index...) into a new seed.
uint64_t mix_seed(uint64_t seed, uint64_t a, uint64_t b = 0);

// xoshiro256** seeded through splitmix64.
class Rng {
 public:
  explicit Rng(uint64_t seed = 0);
  uint64_t next_u64();
  // Uniform in [0, 1).
  float uniform();
  // Uniform in [lo, hi).
  float uniform(float lo, float hi) { return lo + (hi - lo) * uniform(); }
  // Uniform integer in [0, n); n > 0.
  uint64_t below(uint64_t n);
  // Standard normal (Box-Muller).
  float normal();
  // Fisher-Yates shuffle.
  template <typename T>
  void shuffle(std::vector<T>& v) {
    for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[below(i)]);
  }

 private:
  uint64_t s_[4];
};

}  // namespace faasdl
