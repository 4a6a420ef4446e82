#include "backend/ref/ref_backend.h"

#include <vector>

#include "backend/ref/desc_check.h"

namespace faasdl::backend {
namespace {

// dy masked by a fused ReLU: the gradient flows only where the output was positive.
inline double masked(bool relu, float y, float dy) { return relu && !(y > 0.0f) ? 0.0 : static_cast<double>(dy); }

class RefConv final : public ConvOp {
 public:
  explicit RefConv(const Conv2dDesc& d) : d_(d), oh_(d.out_h()), ow_(d.out_w()) {}

  void forward(const float* x, const float* w, const float* b, float* y) override {
    for (int n = 0; n < d_.n; ++n)
      for (int o = 0; o < d_.oc; ++o)
        for (int i = 0; i < oh_; ++i)
          for (int j = 0; j < ow_; ++j) {
            double s = b[o];
            for (int c = 0; c < d_.c; ++c)
              for (int p = 0; p < d_.kh; ++p)
                for (int q = 0; q < d_.kw; ++q) {
                  const int ih = i * d_.stride_h - d_.pad_top + p, iw = j * d_.stride_w - d_.pad_left + q;
                  if (ih < 0 || ih >= d_.h || iw < 0 || iw >= d_.w) continue;
                  s += static_cast<double>(x[x_at(n, c, ih, iw)]) * w[w_at(o, c, p, q)];
                }
            y[y_at(n, o, i, j)] = static_cast<float>(d_.relu && s < 0.0 ? 0.0 : s);
          }
  }

  void backward(const float* x, const float* w, const float* y, const float* dy, float* dx, float* dw,
                float* db) override {
    std::vector<double> g(static_cast<size_t>(d_.n) * d_.oc * oh_ * ow_);
    for (size_t k = 0; k < g.size(); ++k) g[k] = masked(d_.relu, y[k], dy[k]);

    for (int o = 0; o < d_.oc; ++o) {
      double s = 0.0;
      for (int n = 0; n < d_.n; ++n)
        for (int i = 0; i < oh_; ++i)
          for (int j = 0; j < ow_; ++j) s += g[y_at(n, o, i, j)];
      db[o] = static_cast<float>(s);
    }

    for (int o = 0; o < d_.oc; ++o)
      for (int c = 0; c < d_.c; ++c)
        for (int p = 0; p < d_.kh; ++p)
          for (int q = 0; q < d_.kw; ++q) {
            double s = 0.0;
            for (int n = 0; n < d_.n; ++n)
              for (int i = 0; i < oh_; ++i)
                for (int j = 0; j < ow_; ++j) {
                  const int ih = i * d_.stride_h - d_.pad_top + p, iw = j * d_.stride_w - d_.pad_left + q;
                  if (ih < 0 || ih >= d_.h || iw < 0 || iw >= d_.w) continue;
                  s += g[y_at(n, o, i, j)] * x[x_at(n, c, ih, iw)];
                }
            dw[w_at(o, c, p, q)] = static_cast<float>(s);
          }

    if (dx == nullptr) return;
    // Gather form: each input element sums over the outputs whose window covers it.
    for (int n = 0; n < d_.n; ++n)
      for (int c = 0; c < d_.c; ++c)
        for (int ih = 0; ih < d_.h; ++ih)
          for (int iw = 0; iw < d_.w; ++iw) {
            double s = 0.0;
            for (int o = 0; o < d_.oc; ++o)
              for (int p = 0; p < d_.kh; ++p)
                for (int q = 0; q < d_.kw; ++q) {
                  const int ti = ih + d_.pad_top - p, tj = iw + d_.pad_left - q;
                  if (ti < 0 || tj < 0 || ti % d_.stride_h != 0 || tj % d_.stride_w != 0) continue;
                  const int i = ti / d_.stride_h, j = tj / d_.stride_w;
                  if (i >= oh_ || j >= ow_) continue;
                  s += g[y_at(n, o, i, j)] * w[w_at(o, c, p, q)];
                }
            dx[x_at(n, c, ih, iw)] = static_cast<float>(s);
          }
  }

 private:
  size_t x_at(int n, int c, int h, int w) const { return ((static_cast<size_t>(n) * d_.c + c) * d_.h + h) * d_.w + w; }
  size_t y_at(int n, int o, int i, int j) const { return ((static_cast<size_t>(n) * d_.oc + o) * oh_ + i) * ow_ + j; }
  size_t w_at(int o, int c, int p, int q) const {
    return ((static_cast<size_t>(o) * d_.c + c) * d_.kh + p) * d_.kw + q;
  }

  Conv2dDesc d_;
  int oh_, ow_;
};

class RefPool final : public PoolOp {
 public:
  explicit RefPool(const Pool2dDesc& d) : d_(d), oh_(d.out_h()), ow_(d.out_w()) {}

  void forward(const float* x, float* y) override {
    for (int nc = 0; nc < d_.n * d_.c; ++nc)
      for (int i = 0; i < oh_; ++i)
        for (int j = 0; j < ow_; ++j) y[(static_cast<size_t>(nc) * oh_ + i) * ow_ + j] = x[argmax(x, nc, i, j)];
  }

  void backward(const float* x, const float* /*y*/, const float* dy, float* dx) override {
    const size_t in_size = static_cast<size_t>(d_.n) * d_.c * d_.h * d_.w;
    for (size_t k = 0; k < in_size; ++k) dx[k] = 0.0f;
    for (int nc = 0; nc < d_.n * d_.c; ++nc)
      for (int i = 0; i < oh_; ++i)
        for (int j = 0; j < ow_; ++j) dx[argmax(x, nc, i, j)] += dy[(static_cast<size_t>(nc) * oh_ + i) * ow_ + j];
  }

 private:
  // Index into x of the window's maximum; the strict comparison keeps the first one in
  // row-major window order when values tie.
  size_t argmax(const float* x, int nc, int i, int j) const {
    auto at = [&](int p, int q) {
      return (static_cast<size_t>(nc) * d_.h + i * d_.stride_h + p) * d_.w + j * d_.stride_w + q;
    };
    size_t best = at(0, 0);
    for (int p = 0; p < d_.kh; ++p)
      for (int q = 0; q < d_.kw; ++q)
        if (x[at(p, q)] > x[best]) best = at(p, q);
    return best;
  }

  Pool2dDesc d_;
  int oh_, ow_;
};

class RefDense final : public DenseOp {
 public:
  explicit RefDense(const DenseDesc& d) : d_(d) {}

  void forward(const float* x, const float* w, const float* b, float* y) override {
    for (int n = 0; n < d_.n; ++n)
      for (int o = 0; o < d_.out; ++o) {
        double s = b[o];
        for (int i = 0; i < d_.in; ++i) s += static_cast<double>(x[at(n, i, d_.in)]) * w[at(o, i, d_.in)];
        y[at(n, o, d_.out)] = static_cast<float>(d_.relu && s < 0.0 ? 0.0 : s);
      }
  }

  void backward(const float* x, const float* w, const float* y, const float* dy, float* dx, float* dw,
                float* db) override {
    std::vector<double> g(static_cast<size_t>(d_.n) * d_.out);
    for (size_t k = 0; k < g.size(); ++k) g[k] = masked(d_.relu, y[k], dy[k]);
    for (int o = 0; o < d_.out; ++o) {
      double sb = 0.0;
      for (int n = 0; n < d_.n; ++n) sb += g[at(n, o, d_.out)];
      db[o] = static_cast<float>(sb);
      for (int i = 0; i < d_.in; ++i) {
        double s = 0.0;
        for (int n = 0; n < d_.n; ++n) s += g[at(n, o, d_.out)] * x[at(n, i, d_.in)];
        dw[at(o, i, d_.in)] = static_cast<float>(s);
      }
    }
    if (dx == nullptr) return;
    for (int n = 0; n < d_.n; ++n)
      for (int i = 0; i < d_.in; ++i) {
        double s = 0.0;
        for (int o = 0; o < d_.out; ++o) s += g[at(n, o, d_.out)] * w[at(o, i, d_.in)];
        dx[at(n, i, d_.in)] = static_cast<float>(s);
      }
  }

 private:
  static size_t at(int row, int col, int cols) { return static_cast<size_t>(row) * cols + col; }
  DenseDesc d_;
};

class RefRelu final : public ReluOp {
 public:
  void forward(const float* x, float* y, long n) override {
    for (long i = 0; i < n; ++i) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
  }
  void backward(const float* y, const float* dy, float* dx, long n) override {
    for (long i = 0; i < n; ++i) dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
  }
};

class RefBackend final : public Backend {
 public:
  std::string name() const override { return "ref"; }
  void set_threads(int /*threads*/) override {}
  std::unique_ptr<ConvOp> conv2d(const Conv2dDesc& desc) override {
    check_desc(desc);
    return std::make_unique<RefConv>(desc);
  }
  std::unique_ptr<PoolOp> maxpool2d(const Pool2dDesc& desc) override {
    check_desc(desc);
    return std::make_unique<RefPool>(desc);
  }
  std::unique_ptr<DenseOp> dense(const DenseDesc& desc) override {
    check_desc(desc);
    return std::make_unique<RefDense>(desc);
  }
  std::unique_ptr<ReluOp> relu() override { return std::make_unique<RefRelu>(); }
};

}  // namespace

Backend& ref_backend() {
  static RefBackend backend;
  return backend;
}

}  // namespace faasdl::backend
