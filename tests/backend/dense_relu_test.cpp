#include <gtest/gtest.h>

#include <ostream>

#include "backend/cpu/cpu_backend.h"
#include "backend/ref/ref_backend.h"
#include "support/grad_check.h"
#include "op_test_util.h"

namespace faasdl::backend {
namespace {

using testing::check_gradient;
using testing::close_to_ref;
using testing::dot;
using testing::random_buffer;

struct DenseCase {
  const char* name;
  DenseDesc d;
};

std::ostream& operator<<(std::ostream& os, const DenseCase& c) { return os << c.name; }

DenseDesc dense(int n, int in, int out, bool relu) {
  DenseDesc d;
  d.n = n, d.in = in, d.out = out, d.relu = relu;
  return d;
}

const DenseCase kCases[] = {
    {"batch1", dense(1, 7, 3, false)},          {"odd_relu", dense(3, 33, 17, true)},
    {"seed_dense1", dense(8, 4096, 32, true)},  {"seed_dense2", dense(32, 32, 10, false)},
    {"mnist_dense1", dense(5, 3136, 32, true)},
};

struct DenseData {
  explicit DenseData(const DenseDesc& d, uint64_t seed = 1)
      : x(random_buffer(static_cast<size_t>(d.n) * d.in, seed)),
        w(random_buffer(static_cast<size_t>(d.out) * d.in, seed + 1)),
        b(random_buffer(static_cast<size_t>(d.out), seed + 2)),
        dy(random_buffer(static_cast<size_t>(d.n) * d.out, seed + 3)),
        y(dy.size()),
        dx(x.size()),
        dw(w.size()),
        db(b.size()) {
    auto op = ref_backend().dense(d);
    op->forward(x.data(), w.data(), b.data(), y.data());
    op->backward(x.data(), w.data(), y.data(), dy.data(), dx.data(), dw.data(), db.data());
  }
  FloatBuffer x, w, b, dy, y, dx, dw, db;
};

class DenseCpuVsRef : public ::testing::TestWithParam<DenseCase> {};

TEST_P(DenseCpuVsRef, ForwardAndBackwardMatch) {
  const DenseDesc& d = GetParam().d;
  auto op = cpu_backend().dense(d);
  for (uint64_t step = 0; step < 2; ++step) {
    DenseData ref(d, 1 + 10 * step);
    FloatBuffer y(ref.y.size()), dx(ref.dx.size()), dw(ref.dw.size()), db(ref.db.size());
    op->forward(ref.x.data(), ref.w.data(), ref.b.data(), y.data());
    EXPECT_TRUE(close_to_ref(y, ref.y, "y"));
    op->backward(ref.x.data(), ref.w.data(), ref.y.data(), ref.dy.data(), dx.data(), dw.data(), db.data());
    EXPECT_TRUE(close_to_ref(dx, ref.dx, "dx"));
    EXPECT_TRUE(close_to_ref(dw, ref.dw, "dw"));
    EXPECT_TRUE(close_to_ref(db, ref.db, "db"));
    op->backward(ref.x.data(), ref.w.data(), ref.y.data(), ref.dy.data(), nullptr, dw.data(), db.data());
    EXPECT_TRUE(close_to_ref(dw, ref.dw, "dw without dx"));
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, DenseCpuVsRef, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.name); });

class DenseRefGradient : public ::testing::TestWithParam<DenseCase> {};

TEST_P(DenseRefGradient, MatchesFiniteDifferences) {
  const DenseDesc& d = GetParam().d;
  DenseData data(d, 31);
  auto op = ref_backend().dense(d);
  FloatBuffer y(data.y.size());
  auto loss = [&] {
    op->forward(data.x.data(), data.w.data(), data.b.data(), y.data());
    return dot(y, data.dy);
  };
  for (auto [name, input, grad] :
       {std::tuple{"x", &data.x, &data.dx}, std::tuple{"w", &data.w, &data.dw}, std::tuple{"b", &data.b, &data.db}}) {
    const auto res = check_gradient(*input, *grad, loss);
    EXPECT_TRUE(res.ok()) << name << ": " << res.failure;
    EXPECT_GT(res.checked, res.skipped) << name;
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, DenseRefGradient, ::testing::Values(kCases[0], kCases[1], kCases[3]),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(ReluCpuVsRef, Match) {
  for (long n : {1L, 17L, 100003L}) {
    const FloatBuffer x = random_buffer(static_cast<size_t>(n), 3), dy = random_buffer(static_cast<size_t>(n), 4);
    FloatBuffer ry(x.size()), rdx(x.size()), y(x.size()), dx(x.size());
    auto ref = ref_backend().relu();
    auto op = cpu_backend().relu();
    ref->forward(x.data(), ry.data(), n);
    ref->backward(ry.data(), dy.data(), rdx.data(), n);
    op->forward(x.data(), y.data(), n);
    op->backward(ry.data(), dy.data(), dx.data(), n);
    EXPECT_EQ(y, ry) << n;
    EXPECT_EQ(dx, rdx) << n;
  }
}

TEST(ReluRef, MatchesFiniteDifferences) {
  FloatBuffer x = random_buffer(200, 8), r = random_buffer(200, 9), y(200), dx(200);
  auto op = ref_backend().relu();
  op->forward(x.data(), y.data(), 200);
  op->backward(y.data(), r.data(), dx.data(), 200);
  auto loss = [&] {
    op->forward(x.data(), y.data(), 200);
    return dot(y, r);
  };
  testing::GradCheckOptions opt;
  opt.max_points = 200;
  const auto res = check_gradient(x, dx, loss, opt);
  EXPECT_TRUE(res.ok()) << res.failure;
  EXPECT_GT(res.checked, 150);
}

}  // namespace
}  // namespace faasdl::backend
