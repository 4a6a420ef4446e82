// The cpu backend: oneDNN primitives (Debian's libdnnl 2.6, OpenMP threading).
//
// Ops are stateful and not thread-safe: each op object owns its primitives, layout buffers and
// scratchpad, built once for its shape and reused every step. Backward reuses what forward left
// behind for the same x pointer (the x and y in oneDNN's preferred layout, the pooling
// workspace), so backward must follow forward on unchanged inputs, as in a training step.
// Different op objects may run in different threads at the same time.
#pragma once

#include "backend/backend.h"

namespace faasdl::backend {

// Process-wide instance. set_threads(n) sets the OpenMP team size that ops use; it applies to
// every thread that calls an op, and ops rebuild their primitives on their next call when it
// changes (primitives partition work for a fixed thread count).
Backend& cpu_backend();

// Measured single-precision GEMM rate (GFLOP/s) of oneDNN's sgemm for C[m,n] = A[m,k] B[k,n]
// with `threads` OpenMP threads: best of `repeats` timed runs after one warm-up. Used to state
// results as a fraction of what this machine's GEMM reaches.
double measure_sgemm_gflops(int m, int n, int k, int threads, int repeats);

}  // namespace faasdl::backend
