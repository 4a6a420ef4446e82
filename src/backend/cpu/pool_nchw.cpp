#include "backend/cpu/pool_nchw.h"

#include <cstring>
#include <vector>

namespace faasdl::backend::cpu {
namespace {

// Folds one window position into a row of running maxima. A compile-time stride lets the
// compiler vectorise the strided loads; kStride 0 means the runtime stride `sw`.
template <int kStride>
void fold_row(const float* __restrict xr, int sw, int ow, int32_t k, float* __restrict yr, int32_t* __restrict ar) {
  const long stride = kStride > 0 ? kStride : sw;
  for (int j = 0; j < ow; ++j) {
    const float v = xr[j * stride];
    const float m = yr[j];
    const int32_t a = ar[j];
    const int32_t greater = v > m;  // strictly: ties keep the earlier position
    yr[j] = m < v ? v : m;
    ar[j] = a + greater * (k - a);  // arithmetic rather than a select, which GCC vectorises
  }
}

template <int kStride>
void forward_planes(const Pool2dDesc& d, const float* x, float* y, int32_t* arg) {
  const int h = d.h, w = d.w, kh = d.kh, kw = d.kw, sh = d.stride_h, sw = d.stride_w;
  const int oh = d.out_h(), ow = d.out_w();
  const long planes = static_cast<long>(d.n) * d.c;
#pragma omp parallel for schedule(static)
  for (long plane = 0; plane < planes; ++plane) {
    const float* xp = x + plane * h * w;
    for (int i = 0; i < oh; ++i) {
      float* yr = y + (plane * oh + i) * ow;
      int32_t* ar = arg + (plane * oh + i) * ow;
      const float* top = xp + static_cast<long>(i) * sh * w;
      for (int j = 0; j < ow; ++j) {
        yr[j] = top[static_cast<long>(j) * sw];
        ar[j] = 0;
      }
      for (int p = 0; p < kh; ++p)
        for (int q = p == 0 ? 1 : 0; q < kw; ++q) fold_row<kStride>(top + p * w + q, sw, ow, p * kw + q, yr, ar);
    }
  }
}

}  // namespace

void maxpool_forward_nchw(const Pool2dDesc& d, const float* x, float* y, int32_t* arg) {
  if (d.stride_w == 2) {
    forward_planes<2>(d, x, y, arg);
  } else if (d.stride_w == 1) {
    forward_planes<1>(d, x, y, arg);
  } else {
    forward_planes<0>(d, x, y, arg);
  }
}

void maxpool_backward_nchw(const Pool2dDesc& d, const int32_t* arg, const float* dy, float* dx) {
  const int h = d.h, w = d.w, sh = d.stride_h, sw = d.stride_w, oh = d.out_h(), ow = d.out_w();
  const long planes = static_cast<long>(d.n) * d.c;
  std::vector<long> offset(static_cast<size_t>(d.kh) * d.kw);  // window index -> offset in the plane
  for (int p = 0; p < d.kh; ++p)
    for (int q = 0; q < d.kw; ++q) offset[static_cast<size_t>(p * d.kw + q)] = static_cast<long>(p) * w + q;
  const long* off = offset.data();
#pragma omp parallel for schedule(static)
  for (long plane = 0; plane < planes; ++plane) {
    float* dxp = dx + plane * h * w;
    std::memset(dxp, 0, sizeof(float) * h * w);
    for (int i = 0; i < oh; ++i) {
      const float* gr = dy + (plane * oh + i) * ow;
      const int32_t* ar = arg + (plane * oh + i) * ow;
      float* top = dxp + static_cast<long>(i) * sh * w;
      for (int j = 0; j < ow; ++j) top[static_cast<long>(j) * sw + off[ar[j]]] += gr[j];
    }
  }
}

}  // namespace faasdl::backend::cpu
