// Factories of the cpu ops, with the layout choices exposed so benchmarks can compare them.
#pragma once

#include <memory>

#include "backend/backend.h"

namespace faasdl::backend::cpu {

struct ConvTuning {
  // Let oneDNN pick the activation layout (blocked channels, reordered from and to NCHW at
  // the op's boundary). False keeps NCHW end to end, which selects GEMM-based kernels.
  bool any_activation_layout = true;
  // Winograd instead of direct convolution for 3x3 stride-1 filters where oneDNN has it.
  bool winograd = false;
};

std::unique_ptr<ConvOp> make_conv(const Conv2dDesc& desc, const ConvTuning& tuning = {});
std::unique_ptr<PoolOp> make_maxpool(const Pool2dDesc& desc);
std::unique_ptr<DenseOp> make_dense(const DenseDesc& desc);
std::unique_ptr<ReluOp> make_relu();

}  // namespace faasdl::backend::cpu
