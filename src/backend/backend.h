// The one dispatch point between layers and compute kernels.
//
// A Backend makes op objects, one per layer and input shape, created once and reused every
// step (the cpu backend builds its oneDNN primitives there). Virtual dispatch happens once per
// op call, never inside a loop. All tensors at this interface are plain float32, row-major,
// NCHW for images; weights use PyTorch's layouts (conv [OC, IC, KH, KW], dense [OUT, IN]).
// Gradient outputs (dw, db, dx) are overwritten, not accumulated.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace faasdl::backend {

struct Conv2dDesc {
  int n = 1, c = 1, h = 1, w = 1;  // input
  int oc = 1, kh = 3, kw = 3;      // filters
  int stride_h = 1, stride_w = 1;
  int pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  bool relu = false;  // y = max(0, conv(x) + b); backward masks dy by y > 0
  int out_h() const { return (h + pad_top + pad_bottom - kh) / stride_h + 1; }
  int out_w() const { return (w + pad_left + pad_right - kw) / stride_w + 1; }
};

struct Pool2dDesc {  // max pooling, no padding
  int n = 1, c = 1, h = 1, w = 1;
  int kh = 2, kw = 2, stride_h = 2, stride_w = 2;
  int out_h() const { return (h - kh) / stride_h + 1; }
  int out_w() const { return (w - kw) / stride_w + 1; }
};

struct DenseDesc {
  int n = 1, in = 1, out = 1;
  bool relu = false;  // y = max(0, x W^T + b)
};

class ConvOp {
 public:
  virtual ~ConvOp() = default;
  // x [n,c,h,w], w [oc,c,kh,kw], b [oc] -> y [n,oc,oh,ow]
  virtual void forward(const float* x, const float* w, const float* b, float* y) = 0;
  // y is forward's output (needed for a fused ReLU). dx may be null (first layer).
  virtual void backward(const float* x, const float* w, const float* y, const float* dy, float* dx, float* dw,
                        float* db) = 0;
};

class PoolOp {
 public:
  virtual ~PoolOp() = default;
  virtual void forward(const float* x, float* y) = 0;
  // Called after forward on the same x; ties go to the first maximum in row-major order.
  virtual void backward(const float* x, const float* y, const float* dy, float* dx) = 0;
};

class DenseOp {
 public:
  virtual ~DenseOp() = default;
  // x [n,in], w [out,in], b [out] -> y [n,out]
  virtual void forward(const float* x, const float* w, const float* b, float* y) = 0;
  virtual void backward(const float* x, const float* w, const float* y, const float* dy, float* dx, float* dw,
                        float* db) = 0;
};

class ReluOp {
 public:
  virtual ~ReluOp() = default;
  virtual void forward(const float* x, float* y, long n) = 0;
  // dx = dy where y > 0, else 0.
  virtual void backward(const float* y, const float* dy, float* dx, long n) = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;
  // Threads used by this backend's kernels (0 = library default).
  virtual void set_threads(int threads) = 0;
  virtual std::unique_ptr<ConvOp> conv2d(const Conv2dDesc& desc) = 0;
  virtual std::unique_ptr<PoolOp> maxpool2d(const Pool2dDesc& desc) = 0;
  virtual std::unique_ptr<DenseOp> dense(const DenseDesc& desc) = 0;
  virtual std::unique_ptr<ReluOp> relu() = 0;
};

// "ref" or "cpu" (and "cuda" when built with it). Throws Error naming the choices otherwise.
// Backends are process-wide singletons.
Backend& get_backend(const std::string& name);
std::vector<std::string> backend_names();

}  // namespace faasdl::backend
