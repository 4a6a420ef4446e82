// Convolution through oneDNN: forward (bias and ReLU fused), backward data, backward weights.
#include "backend/cpu/cpu_ops.h"
#include "backend/cpu/dnnl_util.h"

namespace faasdl::backend::cpu {
namespace {

using dnnl::algorithm;
using dnnl::prop_kind;
using Dir = LayoutArg::Dir;

// Builds a primitive descriptor with Winograd when asked and oneDNN has it for this machine's
// ISA and shape, else with direct convolution.
template <typename MakePd>
auto with_fallback(bool winograd, MakePd make) -> decltype(make(algorithm::convolution_direct)) {
  if (winograd) {
    try {
      return make(algorithm::convolution_winograd);
    } catch (const dnnl::error&) {
    }
  }
  return make(algorithm::convolution_direct);
}

class CpuConv final : public ConvOp {
 public:
  CpuConv(const Conv2dDesc& d, const ConvTuning& t) : d_(d), tuning_(t) {
    if (d_.relu) masked_dy_.resize(static_cast<size_t>(d_.n) * d_.oc * d_.out_h() * d_.out_w());
    ensure_built();  // an unsupported shape fails here rather than in the first step
  }

  void forward(const float* x, const float* w, const float* b, float* y) override {
    ensure_built();
    fx_.load(x, strm_);
    last_x_ = x;
    fw_.load(w, strm_);
    fb_.set_data_handle(const_cast<float*>(b));
    fy_.target(y);
    fwd_.run(strm_);
    fy_.store(strm_);
  }

  void backward(const float* x, const float* w, const float* y, const float* dy, float* dx, float* dw,
                float* db) override {
    ensure_built();
    const float* g = dy;
    if (d_.relu) {
      relu_mask(y, dy, masked_dy_.data(), static_cast<long>(masked_dy_.size()));
      g = masked_dy_.data();
    }
    if (dx != nullptr || share_dy_) bdy_.load(g, strm_);
    if (dx != nullptr) {
      bw_.load(w, strm_);
      bdx_.target(dx);
      bwd_data_.run(strm_);
      bdx_.store(strm_);
    }
    // The layout copies made by forward and by backward data are reused when the
    // primitives agree on the layout.
    if (!share_dy_) wdy_.load(g, strm_);
    if (!share_x_) {
      wx_.load(x, strm_);
    } else if (x != last_x_ || !fx_.reorders()) {
      fx_.load(x, strm_);
      last_x_ = x;
    }
    wdw_.target(dw);
    wdb_.set_data_handle(db);
    bwd_weights_.run(strm_);
    wdw_.store(strm_);
  }

 private:
  // Called first in every entry point.
  void ensure_built() {
    built_for_.ensure("conv2d", [this] { build(); });
    scratch_.attach();
  }

  void build() {
    const memory::dims xd{d_.n, d_.c, d_.h, d_.w}, wd{d_.oc, d_.c, d_.kh, d_.kw}, bd{d_.oc},
        yd{d_.n, d_.oc, d_.out_h(), d_.out_w()};
    const memory::dims strides{d_.stride_h, d_.stride_w}, pad_l{d_.pad_top, d_.pad_left},
        pad_r{d_.pad_bottom, d_.pad_right};
    const memory::desc x_plain(xd, kF32, Tag::nchw), w_plain(wd, kF32, Tag::oihw), b_plain(bd, kF32, Tag::x),
        y_plain(yd, kF32, Tag::nchw);
    const Tag act = tuning_.any_activation_layout ? Tag::any : Tag::nchw;
    const memory::desc x_any(xd, kF32, act), y_any(yd, kF32, act), w_any(wd, kF32, Tag::any);
    const bool wino_shape = d_.kh == 3 && d_.kw == 3 && d_.stride_h == 1 && d_.stride_w == 1;

    dnnl::primitive_attr attr = user_scratchpad_attr();
    if (d_.relu) {
      dnnl::post_ops ops;
      ops.append_eltwise(1.0f, algorithm::eltwise_relu, 0.0f, 0.0f);
      attr.set_post_ops(ops);
    }
    const dnnl::primitive_attr plain_attr = user_scratchpad_attr();

    const auto fpd = with_fallback(wino_shape && tuning_.winograd_forward, [&](algorithm alg) {
      return dnnl::convolution_forward::primitive_desc(
          {prop_kind::forward_training, alg, x_any, w_any, b_plain, y_any, strides, pad_l, pad_r}, attr, engine());
    });
    const auto bpd = with_fallback(wino_shape && tuning_.winograd_backward_data, [&](algorithm alg) {
      return dnnl::convolution_backward_data::primitive_desc({alg, x_any, w_any, y_any, strides, pad_l, pad_r},
                                                             plain_attr, engine(), fpd);
    });
    const auto wpd = with_fallback(wino_shape && tuning_.winograd_backward_weights, [&](algorithm alg) {
      return dnnl::convolution_backward_weights::primitive_desc(
          {alg, x_any, w_any, b_plain, y_any, strides, pad_l, pad_r}, plain_attr, engine(), fpd);
    });

    fx_.init(x_plain, fpd.src_desc(), Dir::kIn);
    fw_.init(w_plain, fpd.weights_desc(), Dir::kIn);
    fy_.init(y_plain, fpd.dst_desc(), Dir::kOut);
    fb_ = memory(b_plain, engine(), DNNL_MEMORY_NONE);
    bdy_.init(y_plain, bpd.diff_dst_desc(), Dir::kIn);
    bw_.init(w_plain, bpd.weights_desc(), Dir::kIn);
    bdx_.init(x_plain, bpd.diff_src_desc(), Dir::kOut);
    share_x_ = wpd.src_desc() == fpd.src_desc();
    share_dy_ = wpd.diff_dst_desc() == bpd.diff_dst_desc();
    if (!share_x_) wx_.init(x_plain, wpd.src_desc(), Dir::kIn);
    if (!share_dy_) wdy_.init(y_plain, wpd.diff_dst_desc(), Dir::kIn);
    wdw_.init(w_plain, wpd.diff_weights_desc(), Dir::kOut);
    wdb_ = memory(b_plain, engine(), DNNL_MEMORY_NONE);
    last_x_ = nullptr;

    scratch_.reset();
    scratch_.reserve(fpd);
    scratch_.reserve(bpd);
    scratch_.reserve(wpd);
    scratch_.finish();
    const memory& sp = scratch_.mem();
    fwd_ = Bound(dnnl::convolution_forward(fpd), {{DNNL_ARG_SRC, fx_.held()},
                                                  {DNNL_ARG_WEIGHTS, fw_.held()},
                                                  {DNNL_ARG_BIAS, fb_},
                                                  {DNNL_ARG_DST, fy_.held()},
                                                  {DNNL_ARG_SCRATCHPAD, sp}});
    bwd_data_ = Bound(dnnl::convolution_backward_data(bpd), {{DNNL_ARG_DIFF_DST, bdy_.held()},
                                                             {DNNL_ARG_WEIGHTS, bw_.held()},
                                                             {DNNL_ARG_DIFF_SRC, bdx_.held()},
                                                             {DNNL_ARG_SCRATCHPAD, sp}});
    bwd_weights_ =
        Bound(dnnl::convolution_backward_weights(wpd), {{DNNL_ARG_SRC, share_x_ ? fx_.held() : wx_.held()},
                                                        {DNNL_ARG_DIFF_DST, share_dy_ ? bdy_.held() : wdy_.held()},
                                                        {DNNL_ARG_DIFF_WEIGHTS, wdw_.held()},
                                                        {DNNL_ARG_DIFF_BIAS, wdb_},
                                                        {DNNL_ARG_SCRATCHPAD, sp}});
  }

  Conv2dDesc d_;
  ConvTuning tuning_;
  BuiltFor built_for_;
  dnnl::stream strm_{engine()};
  Scratchpad scratch_;
  FloatBuffer masked_dy_;
  const float* last_x_ = nullptr;  // x whose layout copy fx_ holds
  bool share_x_ = false, share_dy_ = false;

  LayoutArg fx_, fw_, fy_;
  memory fb_;
  Bound fwd_;
  LayoutArg bdy_, bw_, bdx_;
  Bound bwd_data_;
  LayoutArg wx_, wdy_, wdw_;
  memory wdb_;
  Bound bwd_weights_;
};

}  // namespace

// Winograd (oneDNN's F(4x4, 3x3), AVX-512 only; direct elsewhere) for all three passes of
// layers with at least 16 channels in and out. Seed CNN, batch 32, 2 threads, ms forward /
// backward, direct vs Winograd: conv 32->32 at 32x32 3.0/6.4 vs 2.1/4.5, conv 32->64 at
// 16x16 1.4/2.9 vs 0.8/1.9, conv 64->64 at 16x16 2.7/5.6 vs 1.4/3.3. With 3 input channels
// Winograd is slower (forward 1.9 vs 0.4 ms). Results differ from direct by about 1e-6
// relative to the largest value.
ConvTuning default_conv_tuning(const Conv2dDesc& desc) {
  ConvTuning t;
  const bool wide = desc.c >= 16 && desc.oc >= 16;
  t.winograd_forward = t.winograd_backward_data = t.winograd_backward_weights = wide;
  return t;
}

std::unique_ptr<ConvOp> make_conv(const Conv2dDesc& desc, const ConvTuning& tuning) {
  return std::make_unique<CpuConv>(desc, tuning);
}

}  // namespace faasdl::backend::cpu
