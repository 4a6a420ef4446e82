#include "backend/cpu/dnnl_util.h"

#include <omp.h>

#include <atomic>

#include "core/status.h"

namespace faasdl::backend::cpu {
namespace {

std::atomic<int> g_requested_threads{0};

int default_threads() {
  static const int threads = omp_get_max_threads();
  return threads;
}

}  // namespace

dnnl::engine& engine() {
  // Never destroyed: ops held in static storage may outlive any static engine.
  static auto* eng = new dnnl::engine(dnnl::engine::kind::cpu, 0);
  return *eng;
}

void request_threads(int threads) {
  FAASDL_CHECK(threads >= 0, "cpu backend: thread count must not be negative, got ", threads);
  default_threads();  // remember the default before the first change
  g_requested_threads.store(threads);
  apply_threads();
}

int apply_threads() {
  const int requested = g_requested_threads.load(std::memory_order_relaxed);
  const int want = requested > 0 ? requested : default_threads();
  if (omp_get_max_threads() != want) omp_set_num_threads(want);
  return want;
}

dnnl::primitive_attr user_scratchpad_attr() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

Bound::Bound(dnnl::primitive prim, std::vector<std::pair<int, memory>> args) : prim_(std::move(prim)) {
  keep_.reserve(args.size());
  args_.reserve(args.size());
  for (auto& [arg, mem] : args) {
    keep_.push_back(mem);
    args_.push_back({arg, mem.get()});
  }
}

void Bound::run(dnnl::stream& s) const {
  const dnnl_status_t status =
      dnnl_primitive_execute(prim_.get(), s.get(), static_cast<int>(args_.size()), args_.data());
  if (status != dnnl_success) fail("cpu backend: oneDNN primitive failed with status ", static_cast<int>(status));
}

void LayoutArg::init(const memory::desc& plain, const memory::desc& wanted, Dir dir) {
  wanted_ = wanted;
  user_ = memory(plain, engine(), DNNL_MEMORY_NONE);
  reorders_ = plain != wanted;
  if (!reorders_) return;
  held_ = memory(wanted, engine());
  if (dir == Dir::kIn) {
    reorder_ = Bound(dnnl::reorder(user_, held_), {{DNNL_ARG_FROM, user_}, {DNNL_ARG_TO, held_}});
  } else {
    reorder_ = Bound(dnnl::reorder(held_, user_), {{DNNL_ARG_FROM, held_}, {DNNL_ARG_TO, user_}});
  }
}

const memory& LayoutArg::load(const float* data, dnnl::stream& s) {
  user_.set_data_handle(const_cast<float*>(data));  // oneDNN reads inputs only
  if (!reorders_) return user_;
  reorder_.run(s);
  return held_;
}

const memory& LayoutArg::target(float* data) {
  user_.set_data_handle(data);
  return reorders_ ? held_ : user_;
}

void LayoutArg::store(dnnl::stream& s) {
  if (reorders_) reorder_.run(s);
}

void Scratchpad::reserve(const dnnl::primitive_desc_base& pd) {
  size_ = std::max(size_, pd.scratchpad_desc().get_size());
}

void Scratchpad::finish() {
  size_ = std::max<size_t>(size_, 64);
  mem_ = memory(memory::desc({static_cast<memory::dim>(size_)}, memory::data_type::u8, Tag::x), engine(),
                DNNL_MEMORY_NONE);
}

void Scratchpad::attach() {
  thread_local FloatBuffer buffer;
  const size_t floats = (size_ + sizeof(float) - 1) / sizeof(float);
  if (buffer.size() < floats) buffer.resize(floats);
  mem_.set_data_handle(buffer.data());
}

void relu_mask(const float* y, const float* dy, float* out, long n) {
#pragma omp parallel for simd schedule(static) if (n > 32768)
  for (long i = 0; i < n; ++i) {
    const float g = dy[i];  // loaded unconditionally so the select vectorises
    out[i] = y[i] > 0.0f ? g : 0.0f;
  }
}

}  // namespace faasdl::backend::cpu
