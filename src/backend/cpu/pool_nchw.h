// Max pooling on plain NCHW buffers: loops the compiler vectorises, parallel over planes.
// oneDNN 2.6 has a JIT kernel for NCHW pooling only with AVX-512 (elsewhere a scalar one that
// costs more than the convolutions around it), and even that one is slower than these.
#pragma once

#include <cstdint>

#include "backend/backend.h"

namespace faasdl::backend::cpu {

// y = window maxima; arg = row-major index of each window's first maximum.
void maxpool_forward_nchw(const Pool2dDesc& d, const float* x, float* y, int32_t* arg);
// dx = dy routed to the recorded maxima (summed where windows overlap), zero elsewhere.
void maxpool_backward_nchw(const Pool2dDesc& d, const int32_t* arg, const float* dy, float* dx);

}  // namespace faasdl::backend::cpu
