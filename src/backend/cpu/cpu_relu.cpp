// Standalone ReLU: a streaming loop the compiler vectorises; oneDNN's eltwise primitive would
// need a primitive per length, which this op does not know in advance.
#include "backend/cpu/cpu_ops.h"
#include "backend/cpu/dnnl_util.h"

namespace faasdl::backend::cpu {
namespace {

class CpuRelu final : public ReluOp {
 public:
  void forward(const float* x, float* y, long n) override {
    apply_threads();
#pragma omp parallel for simd schedule(static) if (n > 32768)
    for (long i = 0; i < n; ++i) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
  }

  void backward(const float* y, const float* dy, float* dx, long n) override {
    apply_threads();
    relu_mask(y, dy, dx, n);
  }
};

}  // namespace

std::unique_ptr<ReluOp> make_relu() { return std::make_unique<CpuRelu>(); }

}  // namespace faasdl::backend::cpu
