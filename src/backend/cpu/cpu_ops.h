// Factories of the cpu ops, with the layout choices exposed so benchmarks can compare them.
#pragma once

#include <memory>

#include "backend/backend.h"

namespace faasdl::backend::cpu {

struct ConvTuning {
  // Let oneDNN pick the activation layout (blocked channels, reordered from and to NCHW at
  // the op's boundary). False keeps NCHW end to end, which selects GEMM-based kernels.
  bool any_activation_layout = true;
  // Winograd instead of direct convolution, per pass, for 3x3 stride-1 filters where oneDNN
  // has it (ignored elsewhere).
  bool winograd_forward = false;
  bool winograd_backward_data = false;
  bool winograd_backward_weights = false;
};

// The choice the backend makes for a layer (see cpu_conv.cpp for the measurements behind it).
ConvTuning default_conv_tuning(const Conv2dDesc& desc);

std::unique_ptr<ConvOp> make_conv(const Conv2dDesc& desc, const ConvTuning& tuning);

struct PoolTuning {
  // Plain loops (pool_nchw.h) rather than oneDNN's pooling primitive. Measured on the seed
  // CNN's pools (batch 32, 2 threads, AVX-512): forward 0.25 vs 0.33 ms, backward 0.15 vs
  // 0.39 ms; without AVX-512 oneDNN only has a scalar NCHW kernel. False still falls back to
  // the loops where oneDNN's choice is not a JIT kernel.
  bool loops = true;
};

std::unique_ptr<PoolOp> make_maxpool(const Pool2dDesc& desc, const PoolTuning& tuning = {});
std::unique_ptr<DenseOp> make_dense(const DenseDesc& desc);
std::unique_ptr<ReluOp> make_relu();

}  // namespace faasdl::backend::cpu
