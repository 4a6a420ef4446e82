#include "tensor/tensor.h"

#include <algorithm>
#include <cmath>

#include "core/status.h"

namespace faasdl {

int64_t shape_numel(const Shape& shape) {
  int64_t n = 1;
  for (auto d : shape) {
    FAASDL_CHECK(d >= 0, "negative dimension in shape ", shape_str(shape));
    n *= d;
  }
  return n;
}

std::string shape_str(const Shape& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

Tensor::Tensor(Shape shape) : shape_(std::move(shape)), data_(static_cast<size_t>(shape_numel(shape_)), 0.0f) {}

Tensor::Tensor(Shape shape, float fill) : shape_(std::move(shape)), data_(static_cast<size_t>(shape_numel(shape_)), fill) {}

Tensor::Tensor(Shape shape, std::span<const float> values) : shape_(std::move(shape)) {
  FAASDL_CHECK(static_cast<int64_t>(values.size()) == shape_numel(shape_), "tensor of shape ", shape_str(shape_),
               " needs ", shape_numel(shape_), " values, got ", values.size());
  data_.assign(values.begin(), values.end());
}

void Tensor::reshape(Shape shape) {
  FAASDL_CHECK(shape_numel(shape) == numel(), "cannot reshape ", shape_str(shape_), " to ", shape_str(shape));
  shape_ = std::move(shape);
}

void Tensor::resize(Shape shape) {
  data_.resize(static_cast<size_t>(shape_numel(shape)));
  shape_ = std::move(shape);
}

void Tensor::fill(float value) { std::fill(data_.begin(), data_.end(), value); }

float max_abs_diff(const Tensor& a, const Tensor& b) {
  FAASDL_CHECK(a.shape() == b.shape(), "shape mismatch ", shape_str(a.shape()), " vs ", shape_str(b.shape()));
  float m = 0.0f;
  for (int64_t i = 0; i < a.numel(); ++i) m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

}  // namespace faasdl
