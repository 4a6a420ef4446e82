// Max pooling, NCHW in and out. Forward keeps the argmax of each window (oneDNN's workspace or
// our own index buffer) for the backward of the same x.
#include <string>
#include <vector>

#include "backend/cpu/cpu_ops.h"
#include "backend/cpu/dnnl_util.h"
#include "backend/cpu/pool_nchw.h"

namespace faasdl::backend::cpu {
namespace {

using dnnl::algorithm;
using dnnl::prop_kind;

class CpuPool final : public PoolOp {
 public:
  CpuPool(const Pool2dDesc& d, const PoolTuning& t) : d_(d), tuning_(t) {
    ensure_built();  // an unsupported shape fails here rather than in the first step
  }

  void forward(const float* x, float* y) override {
    ensure_built();
    if (use_loops_) {
      maxpool_forward_nchw(d_, x, y, argmax_.data());
      return;
    }
    x_.set_data_handle(const_cast<float*>(x));
    y_.set_data_handle(y);
    fwd_.run(strm_);
  }

  void backward(const float* /*x*/, const float* /*y*/, const float* dy, float* dx) override {
    ensure_built();
    if (use_loops_) {
      maxpool_backward_nchw(d_, argmax_.data(), dy, dx);
      return;
    }
    dy_.set_data_handle(const_cast<float*>(dy));
    dx_.set_data_handle(dx);
    bwd_.run(strm_);
  }

 private:
  // Called first in every entry point.
  void ensure_built() {
    built_for_.ensure("maxpool2d", [this] { build(); });
    if (!use_loops_) scratch_.attach();
  }

  void build() {
    const memory::desc x_plain({d_.n, d_.c, d_.h, d_.w}, kF32, Tag::nchw),
        y_plain({d_.n, d_.c, d_.out_h(), d_.out_w()}, kF32, Tag::nchw);
    const memory::dims strides{d_.stride_h, d_.stride_w}, kernel{d_.kh, d_.kw}, pad{0, 0};
    const dnnl::primitive_attr attr = user_scratchpad_attr();
    dnnl::pooling_forward::primitive_desc fpd(
        {prop_kind::forward_training, algorithm::pooling_max, x_plain, y_plain, strides, kernel, pad, pad}, attr,
        engine());
    use_loops_ = tuning_.loops || std::string(fpd.impl_info_str()).rfind("jit", 0) != 0;
    if (use_loops_) {
      argmax_.assign(y_plain.get_size() / sizeof(float), 0);
      return;
    }
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
  PoolTuning tuning_;
  BuiltFor built_for_;
  bool use_loops_ = false;
  std::vector<int32_t> argmax_;  // the loops' workspace
  dnnl::stream strm_{engine()};
  Scratchpad scratch_;
  memory x_, y_, dx_, dy_, workspace_;
  Bound fwd_, bwd_;
};

}  // namespace

std::unique_ptr<PoolOp> make_maxpool(const Pool2dDesc& desc, const PoolTuning& tuning) {
  return std::make_unique<CpuPool>(desc, tuning);
}

}  // namespace faasdl::backend::cpu
