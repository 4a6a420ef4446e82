// The concrete layer types.
#pragma once

#include <map>

#include "nn/layer.h"

namespace faasdl::nn {

enum class Padding { kSame, kValid };

class Conv2D : public Layer {
 public:
  Conv2D(int filters, int kernel, int stride, Padding padding, bool relu);
  std::string type() const override { return "Conv2D"; }
  Shape build(const Shape& input) override;
  void init(Rng& rng) override;
  std::vector<Param*> params() override { return {&weight_, &bias_}; }
  void forward(const Tensor& x, Tensor& y, bool training) override;
  void backward(const Tensor& x, const Tensor& y, const Tensor& dy, Tensor* dx) override;
  Json to_json() const override;

 protected:
  void reset_ops() override { ops_.clear(); }

 private:
  backend::ConvOp& op(int n);
  int filters_, kernel_, stride_;
  Padding padding_;
  bool relu_;
  backend::Conv2dDesc desc_;  // n filled per batch
  Param weight_, bias_;
  std::map<int, std::unique_ptr<backend::ConvOp>> ops_;
};

class MaxPool2D : public Layer {
 public:
  MaxPool2D(int pool, int stride);
  std::string type() const override { return "MaxPooling2D"; }
  Shape build(const Shape& input) override;
  void forward(const Tensor& x, Tensor& y, bool training) override;
  void backward(const Tensor& x, const Tensor& y, const Tensor& dy, Tensor* dx) override;
  Json to_json() const override;

 protected:
  void reset_ops() override { ops_.clear(); }

 private:
  backend::PoolOp& op(int n);
  int pool_, stride_;
  backend::Pool2dDesc desc_;
  std::map<int, std::unique_ptr<backend::PoolOp>> ops_;
};

class Dense : public Layer {
 public:
  Dense(int units, bool relu);
  std::string type() const override { return "Dense"; }
  Shape build(const Shape& input) override;
  void init(Rng& rng) override;
  std::vector<Param*> params() override { return {&weight_, &bias_}; }
  void forward(const Tensor& x, Tensor& y, bool training) override;
  void backward(const Tensor& x, const Tensor& y, const Tensor& dy, Tensor* dx) override;
  Json to_json() const override;

 protected:
  void reset_ops() override { ops_.clear(); }

 private:
  backend::DenseOp& op(int n);
  int units_, in_ = 0;
  bool relu_;
  Param weight_, bias_;
  std::map<int, std::unique_ptr<backend::DenseOp>> ops_;
};

class ReLU : public Layer {
 public:
  std::string type() const override { return "ReLU"; }
  Shape build(const Shape& input) override { return input; }
  void forward(const Tensor& x, Tensor& y, bool training) override;
  void backward(const Tensor& x, const Tensor& y, const Tensor& dy, Tensor* dx) override;
  Json to_json() const override { return {{"type", "relu"}}; }

 protected:
  void reset_ops() override { op_.reset(); }

 private:
  std::unique_ptr<backend::ReluOp> op_;
};

class Flatten : public Layer {
 public:
  std::string type() const override { return "Flatten"; }
  Shape build(const Shape& input) override;
  void forward(const Tensor& x, Tensor& y, bool training) override;
  void backward(const Tensor& x, const Tensor& y, const Tensor& dy, Tensor* dx) override;
  Json to_json() const override { return {{"type", "flatten"}}; }

 private:
  int64_t features_ = 0;
};

class Dropout : public Layer {
 public:
  explicit Dropout(float rate);
  std::string type() const override { return "Dropout"; }
  Shape build(const Shape& input) override { return input; }
  // The mask stream is reseeded by the model each step so training stays deterministic.
  void reseed(uint64_t seed) { rng_ = Rng(seed); }
  void forward(const Tensor& x, Tensor& y, bool training) override;
  void backward(const Tensor& x, const Tensor& y, const Tensor& dy, Tensor* dx) override;
  Json to_json() const override { return {{"type", "dropout"}, {"rate", rate_}}; }

 private:
  float rate_;
  Rng rng_{0};
  Tensor mask_;  // 0 or 1/(1-rate) per element of the last training forward
};

}  // namespace faasdl::nn
