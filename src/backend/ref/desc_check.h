// Shape checks shared by every backend: a bad layer spec fails with a message naming the
// offending sizes instead of reading out of bounds inside a kernel.
#pragma once

#include "backend/backend.h"

namespace faasdl::backend {

void check_desc(const Conv2dDesc& d);
void check_desc(const Pool2dDesc& d);
void check_desc(const DenseDesc& d);

}  // namespace faasdl::backend
