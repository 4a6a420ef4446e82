#include "nn/layers.h"

#include <algorithm>
#include <cmath>

#include "core/status.h"
#include "core/strings.h"

namespace faasdl::nn {
namespace {

void glorot_uniform(Tensor& w, int64_t fan_in, int64_t fan_out, Rng& rng) {
  const float limit = std::sqrt(6.0f / static_cast<float>(fan_in + fan_out));
  for (int64_t i = 0; i < w.numel(); ++i) w[i] = rng.uniform(-limit, limit);
}

void init_param(Param& p, std::string name, Shape shape) {
  p.name = std::move(name);
  p.value = Tensor(shape);
  p.grad = Tensor(std::move(shape));
}

}  // namespace

// ---- Conv2D -------------------------------------------------------------------------------

Conv2D::Conv2D(int filters, int kernel, int stride, Padding padding, bool relu)
    : filters_(filters), kernel_(kernel), stride_(stride), padding_(padding), relu_(relu) {
  FAASDL_CHECK(filters >= 1 && kernel >= 1 && stride >= 1, "Conv2D: filters, kernel and stride must be >= 1");
}

Shape Conv2D::build(const Shape& input) {
  FAASDL_CHECK(input.size() == 3, name_, ": Conv2D needs a [C, H, W] input, got ", shape_str(input));
  desc_ = {};
  desc_.c = static_cast<int>(input[0]);
  desc_.h = static_cast<int>(input[1]);
  desc_.w = static_cast<int>(input[2]);
  desc_.oc = filters_;
  desc_.kh = desc_.kw = kernel_;
  desc_.stride_h = desc_.stride_w = stride_;
  desc_.relu = relu_;
  if (padding_ == Padding::kSame) {
    // TensorFlow's rule: output = ceil(in / stride), the odd pixel of padding goes bottom/right.
    auto pads = [&](int in, int& lo, int& hi) {
      const int out = (in + stride_ - 1) / stride_;
      const int total = std::max((out - 1) * stride_ + kernel_ - in, 0);
      lo = total / 2;
      hi = total - lo;
    };
    pads(desc_.h, desc_.pad_top, desc_.pad_bottom);
    pads(desc_.w, desc_.pad_left, desc_.pad_right);
  }
  FAASDL_CHECK(desc_.h + desc_.pad_top + desc_.pad_bottom >= kernel_ && desc_.w + desc_.pad_left + desc_.pad_right >= kernel_,
               name_, ": kernel ", kernel_, " is larger than the input ", shape_str(input));
  init_param(weight_, name_ + ".weight", {filters_, desc_.c, kernel_, kernel_});
  init_param(bias_, name_ + ".bias", {filters_});
  ops_.clear();
  return {filters_, desc_.out_h(), desc_.out_w()};
}

void Conv2D::init(Rng& rng) {
  glorot_uniform(weight_.value, int64_t{desc_.c} * kernel_ * kernel_, int64_t{filters_} * kernel_ * kernel_, rng);
  bias_.value.zero();
}

backend::ConvOp& Conv2D::op(int n) {
  auto& slot = ops_[n];
  if (!slot) {
    auto d = desc_;
    d.n = n;
    slot = backend_->conv2d(d);
  }
  return *slot;
}

void Conv2D::forward(const Tensor& x, Tensor& y, bool /*training*/) {
  const int n = static_cast<int>(x.dim(0));
  y.resize({n, filters_, desc_.out_h(), desc_.out_w()});
  op(n).forward(x.data(), weight_.value.data(), bias_.value.data(), y.data());
}

void Conv2D::backward(const Tensor& x, const Tensor& y, const Tensor& dy, Tensor* dx) {
  const int n = static_cast<int>(x.dim(0));
  if (dx) dx->resize(x.shape());
  op(n).backward(x.data(), weight_.value.data(), y.data(), dy.data(), dx ? dx->data() : nullptr,
                 weight_.grad.data(), bias_.grad.data());
}

Json Conv2D::to_json() const {
  return {{"type", "conv2d"}, {"filters", filters_}, {"kernel", kernel_}, {"stride", stride_},
          {"padding", padding_ == Padding::kSame ? "same" : "valid"}, {"activation", relu_ ? "relu" : "linear"}};
}

// ---- MaxPool2D ----------------------------------------------------------------------------

MaxPool2D::MaxPool2D(int pool, int stride) : pool_(pool), stride_(stride) {
  FAASDL_CHECK(pool >= 1 && stride >= 1, "MaxPool2D: pool and stride must be >= 1");
}

Shape MaxPool2D::build(const Shape& input) {
  FAASDL_CHECK(input.size() == 3, name_, ": MaxPool2D needs a [C, H, W] input, got ", shape_str(input));
  FAASDL_CHECK(input[1] >= pool_ && input[2] >= pool_, name_, ": pool ", pool_, " is larger than the input ",
               shape_str(input));
  desc_ = {};
  desc_.c = static_cast<int>(input[0]);
  desc_.h = static_cast<int>(input[1]);
  desc_.w = static_cast<int>(input[2]);
  desc_.kh = desc_.kw = pool_;
  desc_.stride_h = desc_.stride_w = stride_;
  ops_.clear();
  return {desc_.c, desc_.out_h(), desc_.out_w()};
}

backend::PoolOp& MaxPool2D::op(int n) {
  auto& slot = ops_[n];
  if (!slot) {
    auto d = desc_;
    d.n = n;
    slot = backend_->maxpool2d(d);
  }
  return *slot;
}

void MaxPool2D::forward(const Tensor& x, Tensor& y, bool /*training*/) {
  const int n = static_cast<int>(x.dim(0));
  y.resize({n, desc_.c, desc_.out_h(), desc_.out_w()});
  op(n).forward(x.data(), y.data());
}

void MaxPool2D::backward(const Tensor& x, const Tensor& y, const Tensor& dy, Tensor* dx) {
  if (!dx) return;
  dx->resize(x.shape());
  op(static_cast<int>(x.dim(0))).backward(x.data(), y.data(), dy.data(), dx->data());
}

Json MaxPool2D::to_json() const { return {{"type", "maxpool2d"}, {"pool", pool_}, {"stride", stride_}}; }

// ---- Dense --------------------------------------------------------------------------------

Dense::Dense(int units, bool relu) : units_(units), relu_(relu) {
  FAASDL_CHECK(units >= 1, "Dense: units must be >= 1");
}

Shape Dense::build(const Shape& input) {
  FAASDL_CHECK(input.size() == 1, name_, ": Dense needs a flat [F] input (add a flatten layer), got ",
               shape_str(input));
  in_ = static_cast<int>(input[0]);
  init_param(weight_, name_ + ".weight", {units_, in_});
  init_param(bias_, name_ + ".bias", {units_});
  ops_.clear();
  return {units_};
}

void Dense::init(Rng& rng) {
  glorot_uniform(weight_.value, in_, units_, rng);
  bias_.value.zero();
}

backend::DenseOp& Dense::op(int n) {
  auto& slot = ops_[n];
  if (!slot) slot = backend_->dense({n, in_, units_, relu_});
  return *slot;
}

void Dense::forward(const Tensor& x, Tensor& y, bool /*training*/) {
  const int n = static_cast<int>(x.dim(0));
  y.resize({n, units_});
  op(n).forward(x.data(), weight_.value.data(), bias_.value.data(), y.data());
}

void Dense::backward(const Tensor& x, const Tensor& y, const Tensor& dy, Tensor* dx) {
  const int n = static_cast<int>(x.dim(0));
  if (dx) dx->resize(x.shape());
  op(n).backward(x.data(), weight_.value.data(), y.data(), dy.data(), dx ? dx->data() : nullptr,
                 weight_.grad.data(), bias_.grad.data());
}

Json Dense::to_json() const {
  return {{"type", "dense"}, {"units", units_}, {"activation", relu_ ? "relu" : "linear"}};
}

// ---- ReLU, Flatten, Dropout ---------------------------------------------------------------

void ReLU::forward(const Tensor& x, Tensor& y, bool /*training*/) {
  if (!op_) op_ = backend_->relu();
  y.resize(x.shape());
  op_->forward(x.data(), y.data(), static_cast<long>(x.numel()));
}

void ReLU::backward(const Tensor& x, const Tensor& y, const Tensor& dy, Tensor* dx) {
  if (!dx) return;
  if (!op_) op_ = backend_->relu();
  dx->resize(x.shape());
  op_->backward(y.data(), dy.data(), dx->data(), static_cast<long>(x.numel()));
}

Shape Flatten::build(const Shape& input) {
  features_ = shape_numel(input);
  return {features_};
}

void Flatten::forward(const Tensor& x, Tensor& y, bool /*training*/) {
  y.resize({x.dim(0), features_});
  std::copy(x.data(), x.data() + x.numel(), y.data());
}

void Flatten::backward(const Tensor& x, const Tensor& /*y*/, const Tensor& dy, Tensor* dx) {
  if (!dx) return;
  dx->resize(x.shape());
  std::copy(dy.data(), dy.data() + dy.numel(), dx->data());
}

Dropout::Dropout(float rate) : rate_(rate) {
  FAASDL_CHECK(rate >= 0.0f && rate < 1.0f, "Dropout: rate must be in [0, 1), got ", rate);
}

void Dropout::forward(const Tensor& x, Tensor& y, bool training) {
  y.resize(x.shape());
  if (!training || rate_ == 0.0f) {
    std::copy(x.data(), x.data() + x.numel(), y.data());
    mask_ = Tensor();
    return;
  }
  mask_.resize(x.shape());
  const float keep_scale = 1.0f / (1.0f - rate_);
  for (int64_t i = 0; i < x.numel(); ++i) {
    mask_[i] = rng_.uniform() < rate_ ? 0.0f : keep_scale;
    y[i] = x[i] * mask_[i];
  }
}

void Dropout::backward(const Tensor& x, const Tensor& /*y*/, const Tensor& dy, Tensor* dx) {
  if (!dx) return;
  dx->resize(x.shape());
  if (mask_.empty()) {
    std::copy(dy.data(), dy.data() + dy.numel(), dx->data());
    return;
  }
  for (int64_t i = 0; i < x.numel(); ++i) (*dx)[i] = dy[i] * mask_[i];
}

// ---- factory ------------------------------------------------------------------------------

std::unique_ptr<Layer> make_layer(const Json& spec, const std::string& what) {
  const auto type = to_lower(json_get<std::string>(spec, "type", what));
  auto activation = [&]() {
    const auto a = to_lower(json_get_or<std::string>(spec, "activation", "linear", what));
    FAASDL_CHECK(a == "relu" || a == "linear" || a == "softmax", what, ": activation '", a,
                 "' is not supported (relu, linear; softmax only on the last layer)");
    return a == "relu";
  };
  if (type == "conv2d") {
    const auto pad = to_lower(json_get_or<std::string>(spec, "padding", "valid", what));
    FAASDL_CHECK(pad == "same" || pad == "valid", what, ": padding must be same or valid, got '", pad, "'");
    return std::make_unique<Conv2D>(json_get<int>(spec, "filters", what), json_get_or<int>(spec, "kernel", 3, what),
                                    json_get_or<int>(spec, "stride", 1, what),
                                    pad == "same" ? Padding::kSame : Padding::kValid, activation());
  }
  if (type == "maxpool2d" || type == "maxpooling2d") {
    const int pool = json_get_or<int>(spec, "pool", 2, what);
    return std::make_unique<MaxPool2D>(pool, json_get_or<int>(spec, "stride", pool, what));
  }
  if (type == "dense") return std::make_unique<Dense>(json_get<int>(spec, "units", what), activation());
  if (type == "relu") return std::make_unique<ReLU>();
  if (type == "flatten") return std::make_unique<Flatten>();
  if (type == "dropout") return std::make_unique<Dropout>(json_get<float>(spec, "rate", what));
  fail(what, ": unknown layer type '", type, "' (conv2d, maxpool2d, dense, relu, flatten, dropout)");
}

}  // namespace faasdl::nn
