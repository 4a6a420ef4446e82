#include <gtest/gtest.h>

#include <ostream>
#include <thread>

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

struct ConvCase {
  const char* name;
  Conv2dDesc d;
};

std::ostream& operator<<(std::ostream& os, const ConvCase& c) { return os << c.name; }

Conv2dDesc conv(int n, int c, int h, int w, int oc, int k, int stride, int pad_t, int pad_l, int pad_b, int pad_r,
                bool relu, int kw = 0) {
  Conv2dDesc d;
  d.n = n, d.c = c, d.h = h, d.w = w, d.oc = oc, d.kh = k, d.kw = kw > 0 ? kw : k;
  d.stride_h = d.stride_w = stride;
  d.pad_top = pad_t, d.pad_left = pad_l, d.pad_bottom = pad_b, d.pad_right = pad_r;
  d.relu = relu;
  return d;
}

const ConvCase kCases[] = {
    {"same_relu_c3", conv(2, 3, 8, 8, 4, 3, 1, 1, 1, 1, 1, true)},
    {"valid_c1_batch1", conv(1, 1, 7, 9, 5, 3, 1, 0, 0, 0, 0, false)},
    {"stride2_pad1", conv(3, 3, 9, 9, 4, 3, 2, 1, 1, 1, 1, true)},
    {"stride2_asym_pad", conv(2, 2, 8, 8, 3, 3, 2, 0, 0, 1, 1, false)},
    {"asym_pad_relu", conv(1, 3, 6, 7, 6, 3, 1, 0, 1, 1, 0, true)},
    {"rect_kernel", conv(2, 2, 9, 6, 3, 5, 1, 2, 1, 2, 1, false, 3)},
    {"one_by_one", conv(3, 5, 5, 5, 7, 1, 1, 0, 0, 0, 0, true)},
    {"odd_channels", conv(3, 5, 11, 11, 10, 3, 1, 1, 1, 1, 1, true)},
    {"seed_conv1", conv(2, 3, 32, 32, 32, 3, 1, 1, 1, 1, 1, true)},
    {"seed_conv2", conv(2, 32, 32, 32, 32, 3, 1, 1, 1, 1, 1, true)},
    {"seed_conv4", conv(3, 64, 16, 16, 64, 3, 1, 1, 1, 1, 1, true)},
    {"mnist_conv1", conv(2, 1, 28, 28, 32, 3, 1, 1, 1, 1, 1, true)},
    {"wide_stride2", conv(2, 32, 16, 16, 48, 3, 2, 0, 0, 1, 1, true)},
};

size_t x_size(const Conv2dDesc& d) { return static_cast<size_t>(d.n) * d.c * d.h * d.w; }
size_t y_size(const Conv2dDesc& d) { return static_cast<size_t>(d.n) * d.oc * d.out_h() * d.out_w(); }
size_t w_size(const Conv2dDesc& d) { return static_cast<size_t>(d.oc) * d.c * d.kh * d.kw; }

// Inputs and the reference results for one case.
struct ConvData {
  explicit ConvData(const Conv2dDesc& d, uint64_t seed = 1)
      : x(random_buffer(x_size(d), seed)),
        w(random_buffer(w_size(d), seed + 1)),
        b(random_buffer(static_cast<size_t>(d.oc), seed + 2)),
        dy(random_buffer(y_size(d), seed + 3)),
        y(y_size(d)),
        dx(x_size(d)),
        dw(w_size(d)),
        db(static_cast<size_t>(d.oc)) {
    auto op = ref_backend().conv2d(d);
    op->forward(x.data(), w.data(), b.data(), y.data());
    op->backward(x.data(), w.data(), y.data(), dy.data(), dx.data(), dw.data(), db.data());
  }
  FloatBuffer x, w, b, dy, y, dx, dw, db;
};

class ConvCpuVsRef : public ::testing::TestWithParam<ConvCase> {};

TEST_P(ConvCpuVsRef, ForwardAndBackwardMatch) {
  const Conv2dDesc& d = GetParam().d;
  ConvData ref(d);
  auto op = cpu_backend().conv2d(d);
  FloatBuffer y(y_size(d)), dx(x_size(d)), dw(w_size(d)), db(static_cast<size_t>(d.oc));
  op->forward(ref.x.data(), ref.w.data(), ref.b.data(), y.data());
  EXPECT_TRUE(close_to_ref(y, ref.y, "y"));
  // Backward gets the reference y so that both mask the same elements.
  op->backward(ref.x.data(), ref.w.data(), ref.y.data(), ref.dy.data(), dx.data(), dw.data(), db.data());
  EXPECT_TRUE(close_to_ref(dx, ref.dx, "dx"));
  EXPECT_TRUE(close_to_ref(dw, ref.dw, "dw"));
  EXPECT_TRUE(close_to_ref(db, ref.db, "db"));
}

TEST_P(ConvCpuVsRef, BackwardWithoutDx) {
  const Conv2dDesc& d = GetParam().d;
  ConvData ref(d, 11);
  auto op = cpu_backend().conv2d(d);
  FloatBuffer y(y_size(d)), dw(w_size(d)), db(static_cast<size_t>(d.oc));
  op->forward(ref.x.data(), ref.w.data(), ref.b.data(), y.data());
  op->backward(ref.x.data(), ref.w.data(), ref.y.data(), ref.dy.data(), nullptr, dw.data(), db.data());
  EXPECT_TRUE(close_to_ref(dw, ref.dw, "dw"));
  EXPECT_TRUE(close_to_ref(db, ref.db, "db"));
}

INSTANTIATE_TEST_SUITE_P(Shapes, ConvCpuVsRef, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.name); });

// Every layout and algorithm choice the backend can make, on shapes where each applies and
// where Winograd does not (stride 2, 1x1) and must fall back to direct convolution.
TEST(ConvCpu, AllTuningsMatchRef) {
  cpu::ConvTuning direct, plain, winograd, winograd_forward_only;
  plain.any_activation_layout = false;
  winograd.winograd_forward = winograd.winograd_backward_data = winograd.winograd_backward_weights = true;
  winograd_forward_only.winograd_forward = true;
  const std::pair<const char*, cpu::ConvTuning> tunings[] = {
      {"direct", direct}, {"plain", plain}, {"winograd", winograd}, {"winograd_forward", winograd_forward_only}};
  for (const Conv2dDesc& d : {kCases[9].d, kCases[0].d, kCases[2].d, kCases[6].d, kCases[12].d}) {
    ConvData ref(d, 41);
    for (const auto& [name, tuning] : tunings) {
      auto op = cpu::make_conv(d, tuning);
      FloatBuffer y(y_size(d)), dx(x_size(d)), dw(w_size(d)), db(static_cast<size_t>(d.oc));
      op->forward(ref.x.data(), ref.w.data(), ref.b.data(), y.data());
      op->backward(ref.x.data(), ref.w.data(), ref.y.data(), ref.dy.data(), dx.data(), dw.data(), db.data());
      const std::string what =
          std::string(name) + " c=" + std::to_string(d.c) + " stride " + std::to_string(d.stride_h);
      EXPECT_TRUE(close_to_ref(y, ref.y, what + " y"));
      EXPECT_TRUE(close_to_ref(dx, ref.dx, what + " dx"));
      EXPECT_TRUE(close_to_ref(dw, ref.dw, what + " dw"));
      EXPECT_TRUE(close_to_ref(db, ref.db, what + " db"));
    }
  }
}

// Training reuses one op and one input buffer with new contents every step, and may hand
// backward an x at another address than forward's.
TEST(ConvCpu, ReusedAcrossStepsWithNewData) {
  const Conv2dDesc d = conv(2, 16, 12, 12, 16, 3, 1, 1, 1, 1, 1, true);
  auto op = cpu_backend().conv2d(d);
  FloatBuffer x(x_size(d)), y(y_size(d)), dx(x_size(d)), dw(w_size(d)), db(static_cast<size_t>(d.oc));
  for (uint64_t step = 0; step < 3; ++step) {
    ConvData ref(d, 100 + step * 10);
    x = ref.x;  // same buffer, new contents
    op->forward(x.data(), ref.w.data(), ref.b.data(), y.data());
    EXPECT_TRUE(close_to_ref(y, ref.y, "y"));
    const float* bx = step == 2 ? ref.x.data() : x.data();
    op->backward(bx, ref.w.data(), ref.y.data(), ref.dy.data(), dx.data(), dw.data(), db.data());
    EXPECT_TRUE(close_to_ref(dx, ref.dx, "dx")) << "step " << step;
    EXPECT_TRUE(close_to_ref(dw, ref.dw, "dw")) << "step " << step;
    EXPECT_TRUE(close_to_ref(db, ref.db, "db")) << "step " << step;
  }
}

TEST(ConvCpu, ThreadCountChangeRebuilds) {
  const Conv2dDesc d = conv(4, 8, 10, 10, 16, 3, 1, 1, 1, 1, 1, false);
  ConvData ref(d);
  auto op = cpu_backend().conv2d(d);
  FloatBuffer y(y_size(d)), dx(x_size(d)), dw(w_size(d)), db(static_cast<size_t>(d.oc));
  for (int threads : {1, 2, 0}) {
    cpu_backend().set_threads(threads);
    op->forward(ref.x.data(), ref.w.data(), ref.b.data(), y.data());
    op->backward(ref.x.data(), ref.w.data(), ref.y.data(), ref.dy.data(), dx.data(), dw.data(), db.data());
    EXPECT_TRUE(close_to_ref(y, ref.y, "y")) << threads << " threads";
    EXPECT_TRUE(close_to_ref(dw, ref.dw, "dw")) << threads << " threads";
  }
}

// Separate op objects may run in separate threads at once; each thread has its own
// scratchpad and OpenMP team size.
TEST(ConvCpu, OpsInConcurrentThreads) {
  const Conv2dDesc d = conv(3, 32, 12, 12, 32, 3, 1, 1, 1, 1, 1, true);
  ConvData ref(d, 61);
  bool ok[2] = {false, false};
  auto run = [&](int t) {
    auto op = cpu_backend().conv2d(d);
    FloatBuffer y(y_size(d)), dx(x_size(d)), dw(w_size(d)), db(static_cast<size_t>(d.oc));
    bool good = true;
    for (int step = 0; step < 3; ++step) {
      op->forward(ref.x.data(), ref.w.data(), ref.b.data(), y.data());
      op->backward(ref.x.data(), ref.w.data(), ref.y.data(), ref.dy.data(), dx.data(), dw.data(), db.data());
      good = good && close_to_ref(y, ref.y, "y") && close_to_ref(dx, ref.dx, "dx") && close_to_ref(dw, ref.dw, "dw");
    }
    ok[t] = good;
  };
  std::thread a(run, 0), b(run, 1);
  a.join();
  b.join();
  EXPECT_TRUE(ok[0]);
  EXPECT_TRUE(ok[1]);
}

TEST(ConvCpu, RejectsBadShapes) {
  EXPECT_THROW(cpu_backend().conv2d(conv(1, 1, 2, 2, 1, 3, 1, 0, 0, 0, 0, false)), Error);
  EXPECT_THROW(cpu_backend().conv2d(conv(1, 1, 8, 8, 1, 3, 0, 0, 0, 0, 0, false)), Error);
  EXPECT_THROW(ref_backend().conv2d(conv(1, 1, 8, 8, 1, 3, 1, 3, 0, 0, 0, false)), Error);
}

// The oracle itself, against central differences.
class ConvRefGradient : public ::testing::TestWithParam<ConvCase> {};

TEST_P(ConvRefGradient, MatchesFiniteDifferences) {
  const Conv2dDesc& d = GetParam().d;
  ConvData data(d, 21);  // dy plays the role of r in L = sum y * r
  auto op = ref_backend().conv2d(d);
  FloatBuffer y(y_size(d));
  auto loss = [&] {
    op->forward(data.x.data(), data.w.data(), data.b.data(), y.data());
    return dot(y, data.dy);
  };
  for (auto [name, input, grad] : {std::tuple{"x", &data.x, &data.dx}, std::tuple{"w", &data.w, &data.dw}}) {
    const auto res = check_gradient(*input, *grad, loss);
    EXPECT_TRUE(res.ok()) << name << ": " << res.failure;
    EXPECT_GT(res.checked, res.skipped) << name;
  }
  // A bias moves every output of its channel, so a fused ReLU puts a kink near almost any
  // step: take small steps and accept a looser bound for the sums of many rounded outputs.
  testing::GradCheckOptions opt;
  opt.eps = 1e-3;
  opt.tol = 1e-2;
  const auto res = check_gradient(data.b, data.db, loss, opt);
  EXPECT_TRUE(res.ok()) << "b: " << res.failure;
  EXPECT_GT(res.checked, 0) << "b";
}

INSTANTIATE_TEST_SUITE_P(Shapes, ConvRefGradient,
                         ::testing::Values(kCases[0], kCases[1], kCases[2], kCases[3], kCases[4], kCases[5], kCases[6],
                                           kCases[7]),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace faasdl::backend
