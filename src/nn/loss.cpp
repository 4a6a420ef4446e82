#include "nn/loss.h"

#include <algorithm>
#include <cmath>

#include "core/status.h"

namespace faasdl::nn {

LossResult softmax_cross_entropy(const Tensor& logits, std::span<const int32_t> labels, Tensor* dlogits) {
  FAASDL_CHECK(logits.rank() == 2, "loss: logits must be [N, K], got ", shape_str(logits.shape()));
  const int64_t n = logits.dim(0), k = logits.dim(1);
  FAASDL_CHECK(static_cast<int64_t>(labels.size()) == n, "loss: ", labels.size(), " labels for ", n, " rows");
  if (dlogits) dlogits->resize({n, k});
  LossResult r;
  for (int64_t i = 0; i < n; ++i) {
    const float* z = logits.data() + i * k;
    const int32_t label = labels[static_cast<size_t>(i)];
    FAASDL_CHECK(label >= 0 && label < k, "loss: label ", label, " out of range [0, ", k, ")");
    const float zmax = *std::max_element(z, z + k);
    double sum = 0.0;
    for (int64_t j = 0; j < k; ++j) sum += std::exp(static_cast<double>(z[j] - zmax));
    const double log_sum = std::log(sum);
    r.loss += log_sum - (z[label] - zmax);
    if (std::max_element(z, z + k) - z == label) ++r.correct;
    if (dlogits) {
      float* g = dlogits->data() + i * k;
      for (int64_t j = 0; j < k; ++j) {
        const double p = std::exp(static_cast<double>(z[j] - zmax) - log_sum);
        g[j] = static_cast<float>((p - (j == label ? 1.0 : 0.0)) / static_cast<double>(n));
      }
    }
  }
  r.loss /= static_cast<double>(n);
  return r;
}

}  // namespace faasdl::nn
