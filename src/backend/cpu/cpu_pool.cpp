// Max pooling through oneDNN, NCHW in and out. Forward keeps the workspace (the argmax of each
// window) for the backward of the same x.
#include "backend/cpu/cpu_ops.h"
#include "backend/cpu/dnnl_util.h"

namespace faasdl::backend::cpu {
namespace {

using dnnl::algorithm;
using dnnl::prop_kind;

class CpuPool final : public PoolOp {
 public:
  explicit CpuPool(const Pool2dDesc& d) : d_(d) {
    ensure_built();  // an unsupported shape fails here rather than in the first step
  }

  void forward(const float* x, float* y) override {
    ensure_built();
    x_.set_data_handle(const_cast<float*>(x));
    y_.set_data_handle(y);
    fwd_.run(strm_);
  }

  void backward(const float* /*x*/, const float* /*y*/, const float* dy, float* dx) override {
    ensure_built();
    dy_.set_data_handle(const_cast<float*>(dy));
    dx_.set_data_handle(dx);
    bwd_.run(strm_);
  }

 private:
  void ensure_built() {
    built_for_.ensure("maxpool2d", [this] { build(); });
  }

  void build() {
    const memory::desc x_plain({d_.n, d_.c, d_.h, d_.w}, kF32, Tag::nchw),
        y_plain({d_.n, d_.c, d_.out_h(), d_.out_w()}, kF32, Tag::nchw);
    const memory::dims strides{d_.stride_h, d_.stride_w}, kernel{d_.kh, d_.kw}, pad{0, 0};
    const dnnl::primitive_attr attr = user_scratchpad_attr();
    dnnl::pooling_forward::primitive_desc fpd(
        {prop_kind::forward_training, algorithm::pooling_max, x_plain, y_plain, strides, kernel, pad, pad}, attr,
        engine());
    dnnl::pooling_backward::primitive_desc bpd({algorithm::pooling_max, x_plain, y_plain, strides, kernel, pad, pad},
                                               attr, engine(), fpd);
    x_ = memory(x_plain, engine(), DNNL_MEMORY_NONE);
    y_ = memory(y_plain, engine(), DNNL_MEMORY_NONE);
    dx_ = memory(x_plain, engine(), DNNL_MEMORY_NONE);
    dy_ = memory(y_plain, engine(), DNNL_MEMORY_NONE);
    workspace_ = memory(fpd.workspace_desc(), engine());
    scratch_.reset();
    scratch_.reserve(fpd);
    scratch_.reserve(bpd);
    scratch_.finish();
    fwd_ = Bound(dnnl::pooling_forward(fpd), {{DNNL_ARG_SRC, x_},
                                              {DNNL_ARG_DST, y_},
                                              {DNNL_ARG_WORKSPACE, workspace_},
                                              {DNNL_ARG_SCRATCHPAD, scratch_.mem()}});
    bwd_ = Bound(dnnl::pooling_backward(bpd), {{DNNL_ARG_DIFF_DST, dy_},
                                               {DNNL_ARG_DIFF_SRC, dx_},
                                               {DNNL_ARG_WORKSPACE, workspace_},
                                               {DNNL_ARG_SCRATCHPAD, scratch_.mem()}});
  }

  Pool2dDesc d_;
  BuiltFor built_for_;
  dnnl::stream strm_{engine()};
  Scratchpad scratch_;
  memory x_, y_, dx_, dy_, workspace_;
  Bound fwd_, bwd_;
};

}  // namespace

std::unique_ptr<PoolOp> make_maxpool(const Pool2dDesc& desc) { return std::make_unique<CpuPool>(desc); }

}  // namespace faasdl::backend::cpu
