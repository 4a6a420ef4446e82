// A sequential model built from a Keras-like JSON spec:
//   {"name": "seed-cnn", "layers": [{"type": "conv2d", "filters": 32, "kernel": 3,
//    "padding": "same", "activation": "relu"}, ..., {"type": "dense", "units": 10,
//    "activation": "softmax"}]}
// The final softmax is folded into the loss (softmax cross-entropy on the logits).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "core/json.h"
#include "nn/layer.h"
#include "tensor/safetensors.h"

namespace faasdl::nn {

// Specs of the built-in models: "seed-cnn" (the study's Keras CNN, 197,002 parameters on
// 32x32x3), "mlp" (a small dense net for tests), "wide-cnn" (seed-cnn with a Dense 1024, more
// than 6 MB of weights). Throws Error for an unknown name.
Json builtin_model_spec(const std::string& name);
std::vector<std::string> builtin_model_names();
// A built-in name, or a path to a JSON spec file.
Json resolve_model_spec(const std::string& name_or_path);

class Model {
 public:
  // input: per-sample shape [C, H, W]. Throws Error on a bad spec or impossible shapes.
  Model(const Json& spec, const Shape& input);
  Model(Model&&) = default;
  Model& operator=(Model&&) = default;

  const std::string& name() const { return name_; }
  const Shape& input_shape() const { return input_; }
  const Shape& output_shape() const { return shapes_.back(); }
  int num_classes() const { return static_cast<int>(shapes_.back()[0]); }
  Json spec() const { return spec_; }

  void set_backend(backend::Backend& backend);
  backend::Backend& backend() const { return *backend_; }
  // Glorot-uniform weights, zero biases; the same seed gives the same weights.
  void init(uint64_t seed);

  // x [N, C, H, W] -> logits [N, K] (a reference into the model's activation buffers).
  const Tensor& forward(const Tensor& x, bool training);
  // Backpropagates dlogits through the last forward; fills every Param::grad.
  void backward(const Tensor& dlogits);
  // Reseeds the dropout masks (called once per step by the trainer).
  void reseed_dropout(uint64_t seed);

  std::vector<Param*> params();
  int64_t num_params() const;
  // FLOPs of one forward pass for one sample (multiply-add = 2).
  double forward_flops_per_sample() const;

  // Keras-style table: layer (type), output shape, params; ends with Total params.
  std::string summary() const;

  // Per-layer timing of forward and backward passes (off by default; costs two clock reads per
  // layer and pass when on).
  struct LayerTiming {
    std::string name, type;
    double forward_ms = 0, backward_ms = 0;
    int64_t calls = 0;
  };
  void set_profiling(bool on);
  const std::vector<LayerTiming>& layer_timings() const { return timings_; }

  NamedTensorRefs named_weights();
  // Copies values from a file; every parameter must be present with the same shape.
  void load_weights(const TensorFile& file, const std::string& what);

 private:
  std::string name_;
  Json spec_;
  Shape input_;
  std::vector<std::unique_ptr<Layer>> layers_;
  std::vector<Shape> shapes_;  // per-sample output shape of each layer
  std::vector<Tensor> acts_;   // acts_[i] = output of layer i in the last forward
  std::vector<Tensor> grads_;  // grads_[i] = d loss / d output of layer i
  const Tensor* last_input_ = nullptr;
  bool profiling_ = false;
  std::vector<LayerTiming> timings_;
  backend::Backend* backend_ = nullptr;
};

}  // namespace faasdl::nn
