#include <gtest/gtest.h>

#include <cmath>

#include "core/status.h"
#include "optim/optimizer.h"

namespace faasdl::optim {
namespace {

nn::Param make_param(std::vector<float> w, std::vector<float> g) {
  nn::Param p;
  p.name = "p";
  const int64_t n = static_cast<int64_t>(w.size());
  p.value = Tensor({n}, w);
  p.grad = Tensor({n}, g);
  return p;
}

TEST(Sgd, PlainStep) {
  auto p = make_param({1.0f, -2.0f}, {0.5f, 1.0f});
  OptimizerOptions o;
  o.type = "sgd";
  o.lr = 0.1f;
  auto opt = make_optimizer(o);
  opt->step({&p}, 0.1f);
  EXPECT_FLOAT_EQ(p.value[0], 0.95f);
  EXPECT_FLOAT_EQ(p.value[1], -2.1f);
}

TEST(Sgd, MomentumAccumulatesLikePyTorch) {
  auto p = make_param({0.0f}, {1.0f});
  OptimizerOptions o;
  o.type = "sgd";
  o.momentum = 0.9f;
  auto opt = make_optimizer(o);
  opt->step({&p}, 1.0f);  // v = 1, w = -1
  opt->step({&p}, 1.0f);  // v = 1.9, w = -2.9
  EXPECT_FLOAT_EQ(p.value[0], -2.9f);
}

TEST(Adam, FirstStepMovesByLearningRate) {
  // With bias correction the first Adam step is lr * g / (|g| + eps') = lr * sign(g).
  auto p = make_param({1.0f, 1.0f}, {3.0f, -0.5f});
  OptimizerOptions o;
  auto opt = make_optimizer(o);
  opt->step({&p}, 0.01f);
  EXPECT_NEAR(p.value[0], 0.99f, 1e-6);
  EXPECT_NEAR(p.value[1], 1.01f, 1e-6);
  EXPECT_EQ(opt->steps(), 1);
  EXPECT_EQ(opt->state().size(), 2u);  // m and v
}

TEST(Adam, StateRoundTrip) {
  auto p = make_param({1.0f, 2.0f}, {0.3f, -0.7f});
  auto q = p;
  OptimizerOptions o;
  auto a = make_optimizer(o), b = make_optimizer(o);
  a->step({&p}, 0.01f);
  b->step({&q}, 0.01f);
  TensorFile saved;
  for (const auto& [n, t] : a->state()) saved.tensors.emplace_back(n, *t);
  auto c = make_optimizer(o);
  c->load_state(saved, {&p}, a->steps());
  auto r = q;
  c->step({&p}, 0.01f);
  b->step({&r}, 0.01f);
  EXPECT_EQ(max_abs_diff(p.value, r.value), 0.0f);
}

TEST(Options, ImpossibleValuesAreRefused) {
  OptimizerOptions o;
  o.lr = -1;
  EXPECT_THROW(validate(o), Error);
  o = {};
  o.type = "rmsprop";
  EXPECT_THROW(validate(o), Error);
  o = {};
  o.type = "sgd";
  o.nesterov = true;
  EXPECT_THROW(validate(o), Error);
  ScheduleOptions s;
  s.type = "exponential";
  EXPECT_THROW(validate(s), Error);
}

TEST(Schedule, StepAndCosine) {
  ScheduleOptions s;
  EXPECT_FLOAT_EQ(learning_rate(s, 0.1f, 5.5), 0.1f);
  s.type = "step";
  s.step_epochs = 2;
  s.gamma = 0.5f;
  EXPECT_FLOAT_EQ(learning_rate(s, 0.1f, 1.9), 0.1f);
  EXPECT_FLOAT_EQ(learning_rate(s, 0.1f, 2.0), 0.05f);
  EXPECT_FLOAT_EQ(learning_rate(s, 0.1f, 4.5), 0.025f);
  s.type = "cosine";
  s.total_epochs = 10;
  s.min_lr = 0.0f;
  EXPECT_FLOAT_EQ(learning_rate(s, 0.1f, 0.0), 0.1f);
  EXPECT_NEAR(learning_rate(s, 0.1f, 5.0), 0.05f, 1e-6);
  EXPECT_NEAR(learning_rate(s, 0.1f, 10.0), 0.0f, 1e-7);
}

}  // namespace
}  // namespace faasdl::optim
