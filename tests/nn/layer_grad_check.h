// Gradient check of a whole layer (input and every parameter) with the shared finite-difference
// checker: L = sum(layer(x) * r) for a fixed random r, so one backward pass with dy = r gives
// the analytic gradients.
#pragma once

#include <gtest/gtest.h>

#include <vector>

#include "nn/layer.h"
#include "support/grad_check.h"

namespace faasdl::testing {

inline void check_layer_gradients(nn::Layer& layer, Tensor x, const GradCheckOptions& opt = {}) {
  Tensor y;
  layer.forward(x, y, false);
  Tensor r(y.shape());
  Rng rng(77);
  for (int64_t i = 0; i < r.numel(); ++i) r[i] = rng.uniform(-1.0f, 1.0f);
  Tensor dx;
  layer.backward(x, y, r, &dx);
  std::vector<Tensor> analytic;
  for (auto* p : layer.params()) analytic.push_back(p->grad);

  const auto loss = [&] {
    Tensor out;
    layer.forward(x, out, false);
    return dot(out.span(), r.span());
  };
  auto expect_ok = [&](std::span<float> values, std::span<const float> grad, const std::string& what) {
    const GradCheckResult res = check_gradient(values, grad, loss, opt);
    EXPECT_TRUE(res.ok()) << what << ": " << res.failure;
    EXPECT_GT(res.checked, 0) << what << ": every probed point was at a kink";
  };
  expect_ok(x.span(), dx.span(), layer.name() + " input");
  auto params = layer.params();
  for (size_t k = 0; k < params.size(); ++k) expect_ok(params[k]->value.span(), analytic[k].span(), params[k]->name);
}

}  // namespace faasdl::testing
