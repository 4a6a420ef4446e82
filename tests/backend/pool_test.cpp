#include <gtest/gtest.h>

#include <ostream>

#include "backend/cpu/cpu_backend.h"
#include "backend/cpu/cpu_ops.h"
#include "backend/ref/ref_backend.h"
#include "support/grad_check.h"
#include "op_test_util.h"

namespace faasdl::backend {
namespace {

using testing::check_gradient;
using testing::close_to_ref;
using testing::dot;
using testing::random_buffer;

struct PoolCase {
  const char* name;
  Pool2dDesc d;
  int levels;  // > 0: values on a coarse grid, so windows hold ties
};

std::ostream& operator<<(std::ostream& os, const PoolCase& c) { return os << c.name; }

Pool2dDesc pool(int n, int c, int h, int w, int k, int stride) {
  Pool2dDesc d;
  d.n = n, d.c = c, d.h = h, d.w = w, d.kh = d.kw = k, d.stride_h = d.stride_w = stride;
  return d;
}

const PoolCase kCases[] = {
    {"k2s2", pool(2, 3, 8, 8, 2, 2), 0},
    {"k2s2_batch1_c1", pool(1, 1, 6, 10, 2, 2), 0},
    {"k2s2_odd_size", pool(3, 5, 7, 9, 2, 2), 0},
    {"k3s2_overlap", pool(2, 4, 9, 9, 3, 2), 0},
    {"k3s1", pool(1, 2, 6, 6, 3, 1), 0},
    {"k2s2_ties", pool(2, 3, 8, 8, 2, 2), 2},
    {"k3s2_overlap_ties", pool(2, 4, 9, 9, 3, 2), 1},
    {"seed_pool1", pool(4, 32, 32, 32, 2, 2), 0},
    {"seed_pool2", pool(5, 64, 16, 16, 2, 2), 3},
    {"mnist_pool2", pool(2, 64, 14, 14, 2, 2), 0},
};

size_t x_size(const Pool2dDesc& d) { return static_cast<size_t>(d.n) * d.c * d.h * d.w; }
size_t y_size(const Pool2dDesc& d) { return static_cast<size_t>(d.n) * d.c * d.out_h() * d.out_w(); }

class PoolCpuVsRef : public ::testing::TestWithParam<PoolCase> {};

TEST_P(PoolCpuVsRef, ForwardAndBackwardMatch) {
  const PoolCase& pc = GetParam();
  const Pool2dDesc& d = pc.d;
  FloatBuffer x = random_buffer(x_size(d), 1, pc.levels), dy = random_buffer(y_size(d), 2);
  FloatBuffer ry(y_size(d)), rdx(x_size(d)), y(y_size(d)), dx(x_size(d), 123.0f);
  auto ref = ref_backend().maxpool2d(d);
  ref->forward(x.data(), ry.data());
  ref->backward(x.data(), ry.data(), dy.data(), rdx.data());
  cpu::PoolTuning loops, primitive;
  primitive.loops = false;
  for (const auto& tuning : {loops, primitive}) {
    auto op = cpu::make_maxpool(d, tuning);
    for (int step = 0; step < 2; ++step) {  // the second pass checks reuse of the op's state
      op->forward(x.data(), y.data());
      EXPECT_EQ(y, ry) << "loops " << tuning.loops << " step " << step;
      op->backward(x.data(), y.data(), dy.data(), dx.data());
      // A gradient routed to another element of a tied window is off by a whole dy; only the
      // order of additions where windows overlap may differ.
      EXPECT_TRUE(close_to_ref(dx, rdx, "dx")) << "loops " << tuning.loops << " step " << step;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, PoolCpuVsRef, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(PoolRef, TiesGoToFirstMaximum) {
  const Pool2dDesc d = pool(1, 1, 2, 2, 2, 2);
  const FloatBuffer x{0.5f, 0.5f, 0.5f, 0.5f}, dy{1.0f};
  FloatBuffer y(1), dx(4);
  for (Backend* be : {&ref_backend(), &cpu_backend()}) {
    auto op = be->maxpool2d(d);
    op->forward(x.data(), y.data());
    op->backward(x.data(), y.data(), dy.data(), dx.data());
    EXPECT_EQ(dx, (FloatBuffer{1.0f, 0.0f, 0.0f, 0.0f})) << be->name();
  }
}

TEST(PoolCpu, RejectsWindowLargerThanInput) { EXPECT_THROW(cpu_backend().maxpool2d(pool(1, 1, 2, 2, 3, 1)), Error); }

class PoolRefGradient : public ::testing::TestWithParam<PoolCase> {};

TEST_P(PoolRefGradient, MatchesFiniteDifferences) {
  const Pool2dDesc& d = GetParam().d;
  FloatBuffer x = random_buffer(x_size(d), 5), r = random_buffer(y_size(d), 6);
  FloatBuffer y(y_size(d)), dx(x_size(d));
  auto op = ref_backend().maxpool2d(d);
  op->forward(x.data(), y.data());
  op->backward(x.data(), y.data(), r.data(), dx.data());
  auto loss = [&] {
    op->forward(x.data(), y.data());
    return dot(y, r);
  };
  testing::GradCheckOptions opt;
  opt.eps = 1e-3;  // smaller than most gaps between window values, so few points switch argmax
  const auto res = check_gradient(x, dx, loss, opt);
  EXPECT_TRUE(res.ok()) << res.failure;
  EXPECT_GT(res.checked, res.skipped);
}

INSTANTIATE_TEST_SUITE_P(Shapes, PoolRefGradient, ::testing::Values(kCases[0], kCases[2], kCases[3], kCases[4]),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace faasdl::backend
