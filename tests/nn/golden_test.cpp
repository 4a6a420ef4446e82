// The engine against an independent implementation: tests/golden/make_seed_cnn_golden.py
// (PyTorch) wrote seed-cnn weights, a batch, and the logits, loss, gradients and one optimizer
// step it computed. Tolerances: float32 with different summation orders, so relative 1e-4 on
// logits/loss and 2e-3 of each tensor's largest magnitude on gradients.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "nn/loss.h"
#include "nn/model.h"
#include "optim/optimizer.h"
#include "support/run_command.h"

namespace faasdl::nn {
namespace {

const TensorFile& golden() {
  static const TensorFile file = load_safetensors(FAASDL_SOURCE_DIR "/tests/golden/seed_cnn_golden.safetensors");
  return file;
}

const Tensor& get(const std::string& name) {
  const Tensor* t = golden().find(name);
  if (!t) throw Error("golden file lacks " + name);
  return *t;
}

void expect_close(const Tensor& actual, const Tensor& expected, double rel, const std::string& what) {
  ASSERT_EQ(actual.shape(), expected.shape()) << what;
  float scale = 0.0f;
  for (int64_t i = 0; i < expected.numel(); ++i) scale = std::max(scale, std::fabs(expected[i]));
  EXPECT_LE(max_abs_diff(actual, expected), rel * std::max(scale, 1e-6f)) << what;
}

class Golden : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    model_ = std::make_unique<Model>(builtin_model_spec("seed-cnn"), Shape{3, 16, 16});
    model_->set_backend(backend::get_backend(GetParam()));
    model_->load_weights(golden(), "golden");
    const Tensor& l = get("labels");
    for (int64_t i = 0; i < l.numel(); ++i) labels_.push_back(static_cast<int32_t>(l[i]));
    const Tensor& logits = model_->forward(get("input"), false);
    logits_ = logits;
    Tensor d;
    loss_ = softmax_cross_entropy(logits, labels_, &d).loss;
    model_->backward(d);
  }
  std::unique_ptr<Model> model_;
  std::vector<int32_t> labels_;
  Tensor logits_;
  double loss_ = 0;
};

TEST_P(Golden, LogitsAndLossMatchPyTorch) {
  expect_close(logits_, get("logits"), 1e-4, "logits");
  EXPECT_NEAR(loss_, get("loss")[0], 1e-5 * std::fabs(get("loss")[0]));
}

TEST_P(Golden, GradientsMatchPyTorch) {
  for (auto* p : model_->params()) expect_close(p->grad, get("grad/" + p->name), 2e-3, "grad of " + p->name);
}

TEST_P(Golden, AdamStepMatchesPyTorch) {
  optim::OptimizerOptions o;
  o.type = "adam";
  o.lr = 1e-3f;
  o.eps = 1e-7f;
  auto opt = optim::make_optimizer(o);
  // Use PyTorch's gradients so the check isolates the update rule.
  for (auto* p : model_->params()) p->grad = get("grad/" + p->name);
  opt->step(model_->params(), o.lr);
  for (auto* p : model_->params()) {
    if (golden().find("adam/" + p->name)) expect_close(p->value, get("adam/" + p->name), 1e-5, "adam " + p->name);
  }
}

TEST_P(Golden, NesterovSgdStepMatchesPyTorch) {
  optim::OptimizerOptions o;
  o.type = "sgd";
  o.lr = 0.1f;
  o.momentum = 0.9f;
  o.nesterov = true;
  o.weight_decay = 1e-4f;
  auto opt = optim::make_optimizer(o);
  for (auto* p : model_->params()) p->grad = get("grad/" + p->name);
  opt->step(model_->params(), o.lr);
  for (auto* p : model_->params()) {
    if (golden().find("sgd/" + p->name)) expect_close(p->value, get("sgd/" + p->name), 1e-5, "sgd " + p->name);
  }
}

// The other direction: weights written by faasdl load into PyTorch's model (strict state dict)
// and give the golden logits there.
TEST(GoldenInterop, WeightsWrittenByFaasdlLoadInPyTorch) {
  Model model(builtin_model_spec("seed-cnn"), {3, 16, 16});
  model.load_weights(golden(), "golden");
  const std::string path = ::testing::TempDir() + "faasdl_weights_for_pytorch.safetensors";
  save_safetensors(path, model.named_weights(), {{"model", "seed-cnn"}});
  const std::string cmd = std::string("/usr/bin/python3 ") + FAASDL_SOURCE_DIR + "/tests/golden/load_in_pytorch.py " +
                          path + " " + FAASDL_SOURCE_DIR + "/tests/golden/seed_cnn_golden.safetensors";
  const auto r = faasdl::testing::run_command(cmd);
  EXPECT_EQ(r.exit_code, 0) << r.output << "(needs Debian's python3-torch: run scripts/setup.sh)";
}

INSTANTIATE_TEST_SUITE_P(Backends, Golden, ::testing::Values("ref", "cpu"));

}  // namespace
}  // namespace faasdl::nn
