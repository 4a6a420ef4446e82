// The reference backend: plain loops written for clarity, with double accumulation. It is the
// oracle every other backend is tested against, not a backend to train with.
#pragma once

#include "backend/backend.h"

namespace faasdl::backend {

// Process-wide instance. Its ops hold no state between calls and ignore set_threads.
Backend& ref_backend();

}  // namespace faasdl::backend
