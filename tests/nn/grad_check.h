// Finite-difference gradient check shared by every layer test.
//
// For a layer L and a fixed random projection r, the scalar f(x, params) = sum(L(x) * r) has
// d f / d y = r, so one backward pass with dy = r gives analytic gradients for the input and
// every parameter; central differences of f give numeric ones. Points where a perturbation
// crosses a ReLU kink or changes a max-pool winner make f non-smooth and are skipped (detected by
// comparing the two one-sided differences).
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "core/rng.h"
#include "nn/layer.h"

namespace faasdl::testing {

struct GradCheckOptions {
  double eps = 1e-2;        // perturbation (float32 forward: not too small)
  double rel_tol = 2e-2;    // |a - n| <= abs_tol + rel_tol * max(|a|, |n|)
  double abs_tol = 2e-3;
  int max_points = 60;      // checked elements per tensor (sampled)
};

inline double project(const Tensor& y, const Tensor& r) {
  double s = 0.0;
  for (int64_t i = 0; i < y.numel(); ++i) s += static_cast<double>(y[i]) * r[i];
  return s;
}

// Checks d f/d x and d f/d param for every parameter of `layer` at input x.
inline void check_layer_gradients(nn::Layer& layer, Tensor x, const GradCheckOptions& opt = {}) {
  Rng rng(77);
  Tensor y;
  layer.forward(x, y, false);
  Tensor r(y.shape());
  for (int64_t i = 0; i < r.numel(); ++i) r[i] = rng.uniform(-1.0f, 1.0f);
  Tensor dx;
  layer.backward(x, y, r, &dx);
  // Copy analytic parameter gradients before the probes overwrite nothing (forward only).
  std::vector<Tensor> analytic;
  for (auto* p : layer.params()) analytic.push_back(p->grad);

  auto f = [&]() {
    Tensor out;
    layer.forward(x, out, false);
    return project(out, r);
  };
  auto check_tensor = [&](Tensor& values, const Tensor& grad, const std::string& what) {
    const int64_t n = values.numel();
    const int64_t stride = std::max<int64_t>(1, n / opt.max_points);
    int checked = 0;
    for (int64_t i = 0; i < n; i += stride) {
      const float orig = values[i];
      const double f0 = f();
      values[i] = static_cast<float>(orig + opt.eps);
      const double fp = f();
      values[i] = static_cast<float>(orig - opt.eps);
      const double fm = f();
      values[i] = orig;
      const double fwd = (fp - f0) / opt.eps, bwd = (f0 - fm) / opt.eps;
      if (std::fabs(fwd - bwd) > opt.abs_tol + 0.05 * std::max(std::fabs(fwd), std::fabs(bwd))) continue;  // kink
      const double numeric = (fp - fm) / (2 * opt.eps);
      const double a = grad[i];
      EXPECT_LE(std::fabs(a - numeric), opt.abs_tol + opt.rel_tol * std::max(std::fabs(a), std::fabs(numeric)))
          << what << "[" << i << "]: analytic " << a << " numeric " << numeric;
      ++checked;
    }
    EXPECT_GT(checked, 0) << what << ": every probed point was at a kink";
  };
  check_tensor(x, dx, layer.name() + " input");
  auto params = layer.params();
  for (size_t k = 0; k < params.size(); ++k) check_tensor(params[k]->value, analytic[k], params[k]->name);
}

}  // namespace faasdl::testing
