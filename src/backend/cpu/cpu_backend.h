// The cpu backend: oneDNN primitives (Debian's libdnnl 2.6, OpenMP threading) for convolution
// and dense layers, vectorised loops for max pooling and ReLU.
//
// Ops are stateful and not thread-safe: each op object owns its primitives and layout buffers,
// built once for its shape and reused every step. Backward reuses what forward left behind:
// the copy of x in oneDNN's preferred layout (when backward gets the same x pointer) and the
// pooling argmax, so backward must follow forward on unchanged inputs, as in a training step.
// Separate op objects may run in separate threads at once; the primitives' scratchpad is one
// buffer per calling thread, shared by the ops that thread runs.
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
