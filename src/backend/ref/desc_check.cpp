#include "backend/ref/desc_check.h"

#include "core/status.h"

namespace faasdl::backend {

void check_desc(const Conv2dDesc& d) {
  FAASDL_CHECK(d.n > 0 && d.c > 0 && d.h > 0 && d.w > 0, "conv2d: input sizes must be positive, got n=", d.n,
               " c=", d.c, " h=", d.h, " w=", d.w);
  FAASDL_CHECK(d.oc > 0 && d.kh > 0 && d.kw > 0, "conv2d: filter sizes must be positive, got oc=", d.oc, " kh=", d.kh,
               " kw=", d.kw);
  FAASDL_CHECK(d.stride_h > 0 && d.stride_w > 0, "conv2d: strides must be positive, got ", d.stride_h, "x", d.stride_w);
  FAASDL_CHECK(d.pad_top >= 0 && d.pad_left >= 0 && d.pad_bottom >= 0 && d.pad_right >= 0,
               "conv2d: padding must not be negative");
  // A window lying entirely in the padding would see no input at all.
  FAASDL_CHECK(d.pad_top < d.kh && d.pad_bottom < d.kh && d.pad_left < d.kw && d.pad_right < d.kw,
               "conv2d: padding must be smaller than the kernel (", d.kh, "x", d.kw, ")");
  FAASDL_CHECK(d.h + d.pad_top + d.pad_bottom >= d.kh && d.w + d.pad_left + d.pad_right >= d.kw, "conv2d: kernel ",
               d.kh, "x", d.kw, " is larger than the padded input ", d.h, "x", d.w);
}

void check_desc(const Pool2dDesc& d) {
  FAASDL_CHECK(d.n > 0 && d.c > 0 && d.h > 0 && d.w > 0, "maxpool2d: input sizes must be positive, got n=", d.n,
               " c=", d.c, " h=", d.h, " w=", d.w);
  FAASDL_CHECK(d.kh > 0 && d.kw > 0 && d.stride_h > 0 && d.stride_w > 0,
               "maxpool2d: kernel and stride must be positive");
  FAASDL_CHECK(d.h >= d.kh && d.w >= d.kw, "maxpool2d: window ", d.kh, "x", d.kw, " is larger than the input ", d.h,
               "x", d.w);
}

void check_desc(const DenseDesc& d) {
  FAASDL_CHECK(d.n > 0 && d.in > 0 && d.out > 0, "dense: sizes must be positive, got n=", d.n, " in=", d.in,
               " out=", d.out);
}

}  // namespace faasdl::backend
