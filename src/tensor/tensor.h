// Tensor: a dense float32 array with a shape, row-major (NCHW for images on every API).
// Storage is 64-byte aligned so backends can use it without copies.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <span>
#include <string>
#include <vector>

namespace faasdl {

using Shape = std::vector<int64_t>;

int64_t shape_numel(const Shape& shape);
// "[32, 3, 32, 32]"
std::string shape_str(const Shape& shape);

template <typename T, size_t Align = 64>
struct AlignedAllocator {
  using value_type = T;
  AlignedAllocator() = default;
  template <typename U>
  AlignedAllocator(const AlignedAllocator<U, Align>&) {}  // NOLINT
  template <typename U>
  struct rebind {
    using other = AlignedAllocator<U, Align>;
  };
  T* allocate(size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t(Align))); }
  void deallocate(T* p, size_t) { ::operator delete(p, std::align_val_t(Align)); }
  bool operator==(const AlignedAllocator&) const { return true; }
  bool operator!=(const AlignedAllocator&) const { return false; }
};

using FloatBuffer = std::vector<float, AlignedAllocator<float>>;

class Tensor {
 public:
  Tensor() = default;
  // Zero-filled tensor of the given shape.
  explicit Tensor(Shape shape);
  Tensor(Shape shape, float fill);
  Tensor(Shape shape, std::span<const float> values);

  const Shape& shape() const { return shape_; }
  int rank() const { return static_cast<int>(shape_.size()); }
  int64_t dim(int i) const { return shape_.at(static_cast<size_t>(i < 0 ? i + rank() : i)); }
  int64_t numel() const { return static_cast<int64_t>(data_.size()); }
  size_t bytes() const { return data_.size() * sizeof(float); }
  bool empty() const { return data_.empty(); }

  float* data() { return data_.data(); }
  const float* data() const { return data_.data(); }
  std::span<float> span() { return {data_.data(), data_.size()}; }
  std::span<const float> span() const { return {data_.data(), data_.size()}; }
  float& operator[](int64_t i) { return data_[static_cast<size_t>(i)]; }
  float operator[](int64_t i) const { return data_[static_cast<size_t>(i)]; }

  // Same data, new shape with the same element count; throws Error otherwise.
  void reshape(Shape shape);
  // New shape; keeps the allocation when it is big enough. Contents are unspecified.
  void resize(Shape shape);
  void fill(float value);
  void zero() { fill(0.0f); }

 private:
  Shape shape_;
  FloatBuffer data_;
};

// Largest absolute elementwise difference; throws Error when shapes differ.
float max_abs_diff(const Tensor& a, const Tensor& b);

}  // namespace faasdl
