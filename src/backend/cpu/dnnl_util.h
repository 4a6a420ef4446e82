// oneDNN plumbing shared by the cpu ops: engine, thread count, layout conversion of arguments
// and the scratchpad.
#pragma once

#include <dnnl.hpp>
#include <vector>

#include "core/status.h"
#include "tensor/tensor.h"

namespace faasdl::backend::cpu {

using dnnl::memory;
using Tag = memory::format_tag;
constexpr auto kF32 = memory::data_type::f32;

dnnl::engine& engine();

// Thread count requested through set_threads; 0 means the OpenMP default seen at start-up.
void request_threads(int threads);
// Sets the calling thread's OpenMP team size to the requested count (OpenMP keeps it per
// thread) and returns it.
int apply_threads();

// Primitives partition their work for the thread count they were created with, so an op
// rebuilds them when set_threads has changed it since.
class BuiltFor {
 public:
  // `what` names the op in the error raised when oneDNN cannot build it.
  template <typename Build>
  void ensure(const char* what, Build&& build) {
    const int threads = apply_threads();
    if (threads == threads_) return;
    try {
      build();
    } catch (const dnnl::error& e) {
      fail("cpu backend: cannot build ", what, ": oneDNN: ", e.what());
    }
    threads_ = threads;
  }

 private:
  int threads_ = 0;
};

// Attributes every compute primitive is created with: the caller supplies the scratchpad
// (see Scratchpad) instead of oneDNN allocating one.
dnnl::primitive_attr user_scratchpad_attr();

// A primitive with its arguments bound once. Arguments are memory objects whose data handles
// are re-pointed each call, so running it builds no argument map and allocates nothing.
class Bound {
 public:
  Bound() = default;
  Bound(dnnl::primitive prim, std::vector<std::pair<int, memory>> args);
  explicit operator bool() const { return static_cast<bool>(prim_); }
  void run(dnnl::stream& s) const;

 private:
  dnnl::primitive prim_;
  std::vector<memory> keep_;  // holds the memory objects the C arguments point at
  std::vector<dnnl_exec_arg_t> args_;
};

// One tensor argument of a primitive. Callers hold plain buffers; the primitive may prefer
// another layout (blocked channels, transposed weights). When the layouts differ this owns a
// buffer in the wanted layout and the reorder into or out of it, both created once.
class LayoutArg {
 public:
  enum class Dir { kIn, kOut };
  void init(const memory::desc& plain, const memory::desc& wanted, Dir dir);
  bool reorders() const { return reorders_; }
  const memory::desc& wanted() const { return wanted_; }
  // Input: the primitive's view of `data`, reordered into the owned buffer when needed.
  const memory& load(const float* data, dnnl::stream& s);
  // Output: the memory the primitive should write; store() then moves it to `data`.
  const memory& target(float* data);
  void store(dnnl::stream& s);
  // What the primitive is bound to: the owned buffer when the layouts differ, else a view of
  // the caller's buffer that load/target re-point.
  const memory& held() const { return reorders_ ? held_ : user_; }

 private:
  memory::desc wanted_;
  memory user_, held_;
  Bound reorder_;
  bool reorders_ = false;
};

// The scratchpad of an op's primitives. The buffer behind it belongs to the calling thread
// and is shared by every op that thread runs (ops run one at a time per thread), so a model
// holds one scratchpad per thread, sized for its largest primitive, instead of one per op.
class Scratchpad {
 public:
  void reset() { size_ = 0; }
  void reserve(const dnnl::primitive_desc_base& pd);
  // Creates the memory object the primitives are bound to, once the sizes are known.
  void finish();
  const memory& mem() const { return mem_; }
  // Points the memory at this thread's buffer, growing it when needed; call before running.
  void attach();

 private:
  size_t size_ = 0;
  memory mem_;
};

// out[i] = dy[i] where y[i] > 0, else 0: the backward of a ReLU fused into the forward.
void relu_mask(const float* y, const float* dy, float* out, long n);

}  // namespace faasdl::backend::cpu
