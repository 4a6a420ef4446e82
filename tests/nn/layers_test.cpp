#include <gtest/gtest.h>

#include "layer_grad_check.h"
#include "nn/layers.h"

namespace faasdl::nn {
namespace {

using testing::check_layer_gradients;

Tensor random_input(Shape shape, uint64_t seed) {
  Tensor x(std::move(shape));
  Rng rng(seed);
  for (int64_t i = 0; i < x.numel(); ++i) x[i] = rng.uniform(-1.0f, 1.0f);
  return x;
}

class LayerGradients : public ::testing::TestWithParam<std::string> {
 protected:
  void prepare(Layer& layer, const Shape& sample) {
    layer.set_name("layer");
    layer.build(sample);
    Rng rng(5);
    layer.init(rng);
    // Non-zero biases so their effect shows.
    for (auto* p : layer.params())
      if (p->value.rank() == 1)
        for (int64_t i = 0; i < p->value.numel(); ++i) p->value[i] = rng.uniform(-0.1f, 0.1f);
    layer.set_backend(&backend::get_backend(GetParam()));
  }
};

TEST_P(LayerGradients, Conv2DSameRelu) {
  Conv2D layer(4, 3, 1, Padding::kSame, true);
  prepare(layer, {3, 6, 5});
  check_layer_gradients(layer, random_input({2, 3, 6, 5}, 1));
}

TEST_P(LayerGradients, Conv2DValidStride2Linear) {
  Conv2D layer(3, 3, 2, Padding::kValid, false);
  prepare(layer, {2, 7, 7});
  check_layer_gradients(layer, random_input({2, 2, 7, 7}, 2));
}

TEST_P(LayerGradients, Conv2DSameStride2AsymmetricPadding) {
  Conv2D layer(2, 3, 2, Padding::kSame, false);  // 6 -> 3 needs 1 pixel of padding, bottom/right
  prepare(layer, {1, 6, 6});
  check_layer_gradients(layer, random_input({3, 1, 6, 6}, 3));
}

TEST_P(LayerGradients, MaxPool2D) {
  MaxPool2D layer(2, 2);
  prepare(layer, {3, 4, 6});
  check_layer_gradients(layer, random_input({2, 3, 4, 6}, 4));
}

TEST_P(LayerGradients, DenseRelu) {
  Dense layer(5, true);
  prepare(layer, {7});
  check_layer_gradients(layer, random_input({3, 7}, 5));
}

TEST_P(LayerGradients, DenseLinear) {
  Dense layer(4, false);
  prepare(layer, {6});
  check_layer_gradients(layer, random_input({2, 6}, 6));
}

TEST_P(LayerGradients, ReLU) {
  ReLU layer;
  prepare(layer, {10});
  check_layer_gradients(layer, random_input({3, 10}, 7));
}

TEST_P(LayerGradients, Flatten) {
  Flatten layer;
  prepare(layer, {2, 3, 2});
  check_layer_gradients(layer, random_input({2, 2, 3, 2}, 8));
}

INSTANTIATE_TEST_SUITE_P(Backends, LayerGradients, ::testing::Values("ref", "cpu"));

TEST(Dropout, ScalesKeptUnitsAndMasksGradient) {
  Dropout layer(0.5f);
  layer.set_name("dropout");
  layer.build({1000});
  layer.reseed(9);
  Tensor x({1, 1000}, 1.0f), y, dx;
  layer.forward(x, y, true);
  int kept = 0;
  for (int64_t i = 0; i < y.numel(); ++i) {
    ASSERT_TRUE(y[i] == 0.0f || y[i] == 2.0f);
    kept += y[i] != 0.0f;
  }
  EXPECT_NEAR(kept, 500, 60);
  Tensor dy({1, 1000}, 1.0f);
  layer.backward(x, y, dy, &dx);
  for (int64_t i = 0; i < y.numel(); ++i) EXPECT_EQ(dx[i], y[i]);
  layer.forward(x, y, false);  // inference: identity
  for (int64_t i = 0; i < y.numel(); ++i) EXPECT_EQ(y[i], 1.0f);
}

TEST(Dropout, RejectsRateOutOfRange) {
  EXPECT_THROW(Dropout(1.0f), Error);
  EXPECT_THROW(Dropout(-0.1f), Error);
}

TEST(MakeLayer, RejectsBadSpecs) {
  EXPECT_THROW(make_layer({{"type", "conv3d"}}, "l"), Error);
  EXPECT_THROW(make_layer({{"type", "conv2d"}}, "l"), Error);  // filters missing
  EXPECT_THROW(make_layer({{"type", "conv2d"}, {"filters", 4}, {"padding", "full"}}, "l"), Error);
  EXPECT_THROW(make_layer({{"type", "dense"}, {"units", "ten"}}, "l"), Error);
  EXPECT_THROW(make_layer({{"type", "dense"}, {"units", 4}, {"activation", "tanh"}}, "l"), Error);
}

}  // namespace
}  // namespace faasdl::nn
