// Dense layers through oneDNN inner-product primitives: W is [out, in] (PyTorch's layout),
// bias and ReLU fused into the forward.
#include "backend/cpu/cpu_ops.h"
#include "backend/cpu/dnnl_util.h"

namespace faasdl::backend::cpu {
namespace {

using dnnl::algorithm;
using dnnl::prop_kind;
using Dir = LayoutArg::Dir;

class CpuDense final : public DenseOp {
 public:
  explicit CpuDense(const DenseDesc& d) : d_(d) {
    if (d_.relu) masked_dy_.resize(static_cast<size_t>(d_.n) * d_.out);
    ensure_built();  // an unsupported shape fails here rather than in the first step
  }

  void forward(const float* x, const float* w, const float* b, float* y) override {
    ensure_built();
    fx_.load(x, strm_);
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
    if (dx != nullptr) {
      bdy_.load(g, strm_);
      bw_.load(w, strm_);
      bdx_.target(dx);
      bwd_data_.run(strm_);
      bdx_.store(strm_);
    }
    wx_.load(x, strm_);
    wdy_.load(g, strm_);
    wdw_.target(dw);
    wdb_.set_data_handle(db);
    bwd_weights_.run(strm_);
    wdw_.store(strm_);
  }

 private:
  // Called first in every entry point.
  void ensure_built() {
    built_for_.ensure("dense", [this] { build(); });
    scratch_.attach();
  }

  void build() {
    const memory::dims xd{d_.n, d_.in}, wd{d_.out, d_.in}, bd{d_.out}, yd{d_.n, d_.out};
    const memory::desc x_plain(xd, kF32, Tag::nc), w_plain(wd, kF32, Tag::oi), b_plain(bd, kF32, Tag::x),
        y_plain(yd, kF32, Tag::nc);
    const memory::desc x_any(xd, kF32, Tag::any), w_any(wd, kF32, Tag::any), y_any(yd, kF32, Tag::any);

    dnnl::primitive_attr attr = user_scratchpad_attr();
    if (d_.relu) {
      dnnl::post_ops ops;
      ops.append_eltwise(1.0f, algorithm::eltwise_relu, 0.0f, 0.0f);
      attr.set_post_ops(ops);
    }
    const dnnl::primitive_attr plain_attr = user_scratchpad_attr();
    dnnl::inner_product_forward::primitive_desc fpd({prop_kind::forward_training, x_any, w_any, b_plain, y_any}, attr,
                                                    engine());
    dnnl::inner_product_backward_data::primitive_desc bpd({x_any, w_any, y_any}, plain_attr, engine(), fpd);
    dnnl::inner_product_backward_weights::primitive_desc wpd({x_any, w_any, b_plain, y_any}, plain_attr, engine(), fpd);
    fx_.init(x_plain, fpd.src_desc(), Dir::kIn);
    fw_.init(w_plain, fpd.weights_desc(), Dir::kIn);
    fy_.init(y_plain, fpd.dst_desc(), Dir::kOut);
    fb_ = memory(b_plain, engine(), DNNL_MEMORY_NONE);
    bdy_.init(y_plain, bpd.diff_dst_desc(), Dir::kIn);
    bw_.init(w_plain, bpd.weights_desc(), Dir::kIn);
    bdx_.init(x_plain, bpd.diff_src_desc(), Dir::kOut);
    wx_.init(x_plain, wpd.src_desc(), Dir::kIn);
    wdy_.init(y_plain, wpd.diff_dst_desc(), Dir::kIn);
    wdw_.init(w_plain, wpd.diff_weights_desc(), Dir::kOut);
    wdb_ = memory(b_plain, engine(), DNNL_MEMORY_NONE);

    scratch_.reset();
    scratch_.reserve(fpd);
    scratch_.reserve(bpd);
    scratch_.reserve(wpd);
    scratch_.finish();
    const memory& sp = scratch_.mem();
    fwd_ = Bound(dnnl::inner_product_forward(fpd), {{DNNL_ARG_SRC, fx_.held()},
                                                    {DNNL_ARG_WEIGHTS, fw_.held()},
                                                    {DNNL_ARG_BIAS, fb_},
                                                    {DNNL_ARG_DST, fy_.held()},
                                                    {DNNL_ARG_SCRATCHPAD, sp}});
    bwd_data_ = Bound(dnnl::inner_product_backward_data(bpd), {{DNNL_ARG_DIFF_DST, bdy_.held()},
                                                               {DNNL_ARG_WEIGHTS, bw_.held()},
                                                               {DNNL_ARG_DIFF_SRC, bdx_.held()},
                                                               {DNNL_ARG_SCRATCHPAD, sp}});
    bwd_weights_ = Bound(dnnl::inner_product_backward_weights(wpd), {{DNNL_ARG_SRC, wx_.held()},
                                                                     {DNNL_ARG_DIFF_DST, wdy_.held()},
                                                                     {DNNL_ARG_DIFF_WEIGHTS, wdw_.held()},
                                                                     {DNNL_ARG_DIFF_BIAS, wdb_},
                                                                     {DNNL_ARG_SCRATCHPAD, sp}});
  }

  DenseDesc d_;
  BuiltFor built_for_;
  dnnl::stream strm_{engine()};
  Scratchpad scratch_;
  FloatBuffer masked_dy_;

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

std::unique_ptr<DenseOp> make_dense(const DenseDesc& desc) { return std::make_unique<CpuDense>(desc); }

}  // namespace faasdl::backend::cpu
