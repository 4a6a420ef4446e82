#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "core/status.h"
#include "nn/loss.h"
#include "nn/model.h"

namespace faasdl::nn {
namespace {

TEST(Model, SeedCnnHas197002Parameters) {
  Model model(builtin_model_spec("seed-cnn"), {3, 32, 32});
  EXPECT_EQ(model.num_params(), 197002);
  const std::string s = model.summary();
  EXPECT_NE(s.find("Total params: 197,002"), std::string::npos) << s;
  EXPECT_NE(s.find("conv2d_3 (Conv2D)"), std::string::npos) << s;
  EXPECT_NE(s.find("(None, 4096)"), std::string::npos) << s;
  // 49.2 MFLOP per image forward, as the speed targets assume.
  EXPECT_NEAR(model.forward_flops_per_sample() / 1e6, 49.2, 0.2);
}

TEST(Model, WideCnnWeighsMoreThanSixMegabytes) {
  Model model(builtin_model_spec("wide-cnn"), {3, 32, 32});
  EXPECT_GT(model.num_params() * 4, 6 * 1024 * 1024);
}

TEST(Model, RejectsImpossibleShapes) {
  // Three 2x2 pools do not fit a 4x4 input.
  Json spec = {{"layers",
                {{{"type", "maxpool2d"}}, {{"type", "maxpool2d"}}, {{"type", "maxpool2d"}}, {{"type", "flatten"}},
                 {{"type", "dense"}, {"units", 2}}}}};
  EXPECT_THROW(Model(spec, {1, 4, 4}), Error);
  // Dense straight on an image needs a flatten.
  EXPECT_THROW(Model({{"layers", {{{"type", "dense"}, {"units", 2}}}}}, {1, 4, 4}), Error);
  EXPECT_THROW(Model({{"layers", Json::array()}}, {1, 4, 4}), Error);
  EXPECT_THROW(builtin_model_spec("resnet-9000"), Error);
}

TEST(Model, ForwardRejectsWrongInputShape) {
  Model model(builtin_model_spec("mlp"), {1, 28, 28});
  Tensor x({2, 3, 28, 28});
  EXPECT_THROW(model.forward(x, false), Error);
}

TEST(Model, SameSeedSameWeights) {
  Model a(builtin_model_spec("seed-cnn"), {3, 32, 32}), b(builtin_model_spec("seed-cnn"), {3, 32, 32});
  a.init(7);
  b.init(7);
  auto pa = a.params(), pb = b.params();
  for (size_t i = 0; i < pa.size(); ++i) EXPECT_EQ(max_abs_diff(pa[i]->value, pb[i]->value), 0.0f);
  b.init(8);
  EXPECT_GT(max_abs_diff(pa[0]->value, b.params()[0]->value), 0.0f);
}

TEST(Model, GlorotUniformBounds) {
  Model model(builtin_model_spec("seed-cnn"), {3, 32, 32});
  model.init(1);
  auto* w = model.params()[0];  // conv2d.weight [32, 3, 3, 3]
  const float limit = std::sqrt(6.0f / (27 + 288));
  float mx = 0;
  for (int64_t i = 0; i < w->value.numel(); ++i) mx = std::max(mx, std::fabs(w->value[i]));
  EXPECT_LE(mx, limit);
  EXPECT_GT(mx, 0.9f * limit);
  EXPECT_EQ(model.params()[1]->value[0], 0.0f);  // zero bias
}

TEST(Model, WeightsRoundTripThroughSafetensors) {
  Model a(builtin_model_spec("seed-cnn"), {3, 32, 32}), b(builtin_model_spec("seed-cnn"), {3, 32, 32});
  a.init(3);
  const std::string path = (std::filesystem::temp_directory_path() / "faasdl_model_rt.safetensors").string();
  save_safetensors(path, a.named_weights());
  b.load_weights(load_safetensors(path), path);
  auto pa = a.params(), pb = b.params();
  for (size_t i = 0; i < pa.size(); ++i) EXPECT_EQ(max_abs_diff(pa[i]->value, pb[i]->value), 0.0f);
  Model other(builtin_model_spec("mlp"), {3, 32, 32});
  EXPECT_THROW(other.load_weights(load_safetensors(path), path), Error);  // names/shapes differ
  std::filesystem::remove(path);
}

TEST(Loss, MatchesHandComputedValues) {
  Tensor logits({2, 3}, std::vector<float>{1, 2, 3, 0, 0, 0});
  std::vector<int32_t> labels{2, 1};
  Tensor d;
  auto r = softmax_cross_entropy(logits, labels, &d);
  const double l0 = std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0)) - 3.0, l1 = std::log(3.0);
  EXPECT_NEAR(r.loss, (l0 + l1) / 2, 1e-6);
  EXPECT_EQ(r.correct, 1);  // row 1 ties: argmax picks class 0
  EXPECT_NEAR(d[2], (std::exp(3.0) / (std::exp(1.0) + std::exp(2.0) + std::exp(3.0)) - 1) / 2, 1e-6);
  std::vector<int32_t> bad{3, 0};
  EXPECT_THROW(softmax_cross_entropy(logits, bad, nullptr), Error);
}

}  // namespace
}  // namespace faasdl::nn
