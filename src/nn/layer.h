// Layers of a sequential model. Shapes at this interface are NCHW (images) or [N, F].
//
// A layer owns its parameters and their gradients, and one backend op per batch size, created
// on first use and reused every step.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "core/json.h"
#include "core/rng.h"
#include "tensor/tensor.h"

namespace faasdl::nn {

struct Param {
  std::string name;  // "conv2d.weight"
  Tensor value;
  Tensor grad;
};

class Layer {
 public:
  virtual ~Layer() = default;

  // Keras-style class name ("Conv2D") and instance name ("conv2d_1").
  virtual std::string type() const = 0;
  const std::string& name() const { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }

  // Fixes the per-sample input shape (e.g. {C, H, W}); returns the per-sample output shape.
  // Throws Error when the input shape does not suit the layer.
  virtual Shape build(const Shape& input) = 0;
  // Draws initial parameter values (Glorot uniform weights, zero biases, as Keras does).
  virtual void init(Rng& /*rng*/) {}
  virtual std::vector<Param*> params() { return {}; }

  // y is resized to [N, output...]. `training` enables dropout.
  virtual void forward(const Tensor& x, Tensor& y, bool training) = 0;
  // Needs the forward x and y; writes parameter gradients and, when dx is not null, dx.
  virtual void backward(const Tensor& x, const Tensor& y, const Tensor& dy, Tensor* dx) = 0;

  virtual Json to_json() const = 0;
  void set_backend(backend::Backend* b) { backend_ = b; reset_ops(); }

 protected:
  // Drops cached ops (backend changed).
  virtual void reset_ops() {}
  backend::Backend* backend_ = nullptr;
  std::string name_;
};

// Builds one layer from its JSON spec, e.g. {"type": "conv2d", "filters": 32, "kernel": 3,
// "padding": "same", "activation": "relu"}. Throws Error naming the bad field.
std::unique_ptr<Layer> make_layer(const Json& spec, const std::string& what);

}  // namespace faasdl::nn
