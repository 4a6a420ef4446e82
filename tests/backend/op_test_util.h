// Shared pieces of the backend op tests: random data and a scaled comparison.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

#include "core/rng.h"
#include "tensor/tensor.h"

namespace faasdl::testing {

// Uniform values in [-1, 1); `levels` > 0 rounds them to that many steps, which makes ties.
inline FloatBuffer random_buffer(size_t n, uint64_t seed, int levels = 0) {
  Rng rng(seed);
  FloatBuffer v(n);
  for (auto& x : v) {
    x = rng.uniform(-1.0f, 1.0f);
    if (levels > 0) x = std::round(x * levels) / levels;
  }
  return v;
}

// The tolerance every cpu-vs-ref comparison uses: each element within kRelTol of the
// reference tensor's largest magnitude (at least 1), so sums that cancel are not held to a
// precision their float inputs cannot give.
constexpr double kRelTol = 1e-4;

inline ::testing::AssertionResult close_to_ref(const FloatBuffer& got, const FloatBuffer& want, const std::string& what,
                                               double rel_tol = kRelTol) {
  if (got.size() != want.size())
    return ::testing::AssertionFailure() << what << ": size " << got.size() << " vs " << want.size();
  double scale = 1.0;
  for (float v : want) scale = std::max(scale, static_cast<double>(std::abs(v)));
  size_t worst = 0;
  double worst_err = 0.0;
  for (size_t i = 0; i < got.size(); ++i) {
    const double err = std::abs(static_cast<double>(got[i]) - want[i]);
    if (std::isnan(err)) return ::testing::AssertionFailure() << what << ": element " << i << " is NaN";
    if (err > worst_err) {
      worst_err = err;
      worst = i;
    }
  }
  if (worst_err <= rel_tol * scale) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << what << ": element " << worst << " is " << got[worst] << ", reference "
                                       << want[worst] << " (error " << worst_err << " > " << rel_tol * scale << ")";
}

}  // namespace faasdl::testing
