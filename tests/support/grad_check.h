// Finite-difference gradient checks, shared by the op tests.
//
// The loss is L = sum_i y_i * r_i for a fixed random r, so dL/dy = r is what backward receives.
// Each checked element is moved by +-eps and the central difference is compared with the
// analytic gradient. Every op here is piecewise linear in each input, so away from a kink the
// one-sided slopes (L+ - L0)/eps and (L0 - L-)/eps agree up to rounding; where they disagree
// the step crossed a ReLU kink or changed a pooling argmax, and the point is skipped.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "core/rng.h"
#include "core/status.h"

namespace faasdl::testing {

struct GradCheckOptions {
  double eps = 1e-2;    // step; large is fine for piecewise-linear ops and keeps rounding small
  double tol = 2e-3;    // allowed |numeric - analytic| / max(1, |analytic|)
  int max_points = 40;  // elements checked per tensor, chosen at random (all when fewer)
  uint64_t seed = 7;
};

struct GradCheckResult {
  int checked = 0;
  int skipped = 0;  // points at a kink
  double worst = 0.0;
  std::string failure;  // first failing element, empty when all passed
  bool ok() const { return failure.empty(); }
};

// sum_i y_i * r_i in double.
inline double dot(std::span<const float> y, std::span<const float> r) {
  double s = 0.0;
  for (size_t i = 0; i < y.size(); ++i) s += static_cast<double>(y[i]) * r[i];
  return s;
}

// `input` is the buffer the loss reads; `analytic` holds dL/d(input) from backward; `loss`
// recomputes L from the current contents of `input`.
inline GradCheckResult check_gradient(std::span<float> input, std::span<const float> analytic,
                                      const std::function<double()>& loss, const GradCheckOptions& opt = {}) {
  GradCheckResult res;
  std::vector<size_t> points(input.size());
  for (size_t i = 0; i < points.size(); ++i) points[i] = i;
  Rng rng(opt.seed);
  rng.shuffle(points);
  if (points.size() > static_cast<size_t>(opt.max_points)) points.resize(static_cast<size_t>(opt.max_points));

  const double l0 = loss();
  for (size_t i : points) {
    const float saved = input[i];
    // The steps actually taken, after rounding to float.
    input[i] = static_cast<float>(saved + opt.eps);
    const double step_up = static_cast<double>(input[i]) - saved;
    const double up = loss();
    input[i] = static_cast<float>(saved - opt.eps);
    const double step_down = saved - static_cast<double>(input[i]);
    const double down = loss();
    input[i] = saved;
    const double slope_up = (up - l0) / step_up, slope_down = (l0 - down) / step_down;
    const double numeric = (up - down) / (step_up + step_down);
    const double scale = std::max(1.0, std::abs(static_cast<double>(analytic[i])));
    if (std::abs(slope_up - slope_down) > opt.tol * scale) {
      ++res.skipped;
      continue;
    }
    ++res.checked;
    const double err = std::abs(numeric - analytic[i]) / scale;
    res.worst = std::max(res.worst, err);
    if (err > opt.tol && res.failure.empty())
      res.failure = str_cat("element ", i, ": numeric ", numeric, " analytic ", analytic[i]);
  }
  return res;
}

}  // namespace faasdl::testing
