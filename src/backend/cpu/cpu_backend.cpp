#include "backend/cpu/cpu_backend.h"

#include <omp.h>

#include <algorithm>

#include "backend/cpu/cpu_ops.h"
#include "backend/cpu/dnnl_util.h"
#include "backend/ref/desc_check.h"
#include "core/clock.h"
#include "core/status.h"

namespace faasdl::backend {
namespace {

class CpuBackend final : public Backend {
 public:
  std::string name() const override { return "cpu"; }
  void set_threads(int threads) override { cpu::request_threads(threads); }
  std::unique_ptr<ConvOp> conv2d(const Conv2dDesc& desc) override {
    check_desc(desc);
    return cpu::make_conv(desc, cpu::default_conv_tuning(desc));
  }
  std::unique_ptr<PoolOp> maxpool2d(const Pool2dDesc& desc) override {
    check_desc(desc);
    return cpu::make_maxpool(desc);
  }
  std::unique_ptr<DenseOp> dense(const DenseDesc& desc) override {
    check_desc(desc);
    return cpu::make_dense(desc);
  }
  std::unique_ptr<ReluOp> relu() override { return cpu::make_relu(); }
};

}  // namespace

Backend& cpu_backend() {
  static CpuBackend backend;
  return backend;
}

double measure_sgemm_gflops(int m, int n, int k, int threads, int repeats) {
  FAASDL_CHECK(m > 0 && n > 0 && k > 0 && threads > 0 && repeats > 0,
               "measure_sgemm_gflops: sizes, threads and repeats must be positive");
  FloatBuffer a(static_cast<size_t>(m) * k), b(static_cast<size_t>(k) * n), c(static_cast<size_t>(m) * n);
  for (size_t i = 0; i < a.size(); ++i) a[i] = static_cast<float>(i % 7) * 0.125f - 0.375f;
  for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<float>(i % 5) * 0.25f - 0.5f;

  const int saved = omp_get_max_threads();
  omp_set_num_threads(threads);
  auto once = [&] {
    const dnnl_status_t status = dnnl_sgemm('N', 'N', m, n, k, 1.0f, a.data(), k, b.data(), n, 0.0f, c.data(), n);
    if (status != dnnl_success) fail("dnnl_sgemm failed with status ", static_cast<int>(status));
  };
  once();
  double best = 1e30;
  for (int r = 0; r < repeats; ++r) {
    Stopwatch watch;
    once();
    best = std::min(best, watch.seconds());
  }
  omp_set_num_threads(saved);
  return 2.0 * m * n * k / best * 1e-9;
}

}  // namespace faasdl::backend
