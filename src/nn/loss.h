// Softmax cross-entropy on integer labels, and accuracy.
#pragma once

#include <cstdint>
#include <span>

#include "tensor/tensor.h"

namespace faasdl::nn {

struct LossResult {
  double loss = 0.0;   // mean over the batch
  int64_t correct = 0; // argmax(logits) == label
};

// logits [N, K]; labels in [0, K). Writes dlogits = (softmax - onehot) / N when dlogits is not
// null. Throws Error on a label out of range.
LossResult softmax_cross_entropy(const Tensor& logits, std::span<const int32_t> labels, Tensor* dlogits);

}  // namespace faasdl::nn
