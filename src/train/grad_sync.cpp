#include "train/grad_sync.h"

#include <cstring>
#include <thread>

#include "core/clock.h"
#include "core/status.h"

namespace faasdl::train {
namespace {

// A chunk on the wire: the summed sample weight (float64) followed by float32 values.
std::string pack(double weight, const float* values, size_t n) {
  std::string out(sizeof(double) + n * sizeof(float), '\0');
  std::memcpy(out.data(), &weight, sizeof(double));
  std::memcpy(out.data() + sizeof(double), values, n * sizeof(float));
  return out;
}

double unpack(const std::string& bytes, size_t n, const std::string& key, const float** values) {
  FAASDL_CHECK(bytes.size() == sizeof(double) + n * sizeof(float), "gradient exchange: ", key, " holds ",
               bytes.size(), " bytes, expected ", sizeof(double) + n * sizeof(float));
  double weight;
  std::memcpy(&weight, bytes.data(), sizeof(double));
  *values = reinterpret_cast<const float*>(bytes.data() + sizeof(double));
  return weight;
}

}  // namespace

StoreAllReduce::StoreAllReduce(Store& store, std::string prefix, int worker, int workers, int64_t barrier_timeout_ms,
                               int64_t call_timeout_ms)
    : store_(store),
      prefix_(std::move(prefix)),
      worker_(worker),
      workers_(workers),
      barrier_timeout_ms_(barrier_timeout_ms),
      call_timeout_ms_(call_timeout_ms) {}

void StoreAllReduce::put(const std::string& key, std::string_view bytes) {
  const Status s = store_.put(key, bytes, Deadline::after_ms(call_timeout_ms_));
  if (!s.ok()) fail("gradient exchange: writing ", key, " failed: ", s.to_string());
}

std::string StoreAllReduce::wait_get(const std::string& key, Deadline barrier) {
  Stopwatch clock;
  int64_t pause_us = 200;
  for (;;) {
    const Deadline call = Deadline::after_ms(std::min(call_timeout_ms_, std::max<int64_t>(barrier.remaining_ms(), 1)));
    auto r = store_.get(key, call);
    if (r.ok()) {
      wait_ms_ += clock.ms();
      return std::move(r).value();
    }
    if (r.status().code() != Code::kNotFound && !r.status().retryable())
      fail("gradient exchange: reading ", key, " failed: ", r.status().to_string());
    if (barrier.expired())
      fail("gradient exchange: worker ", worker_, " waited ", barrier_timeout_ms_, " ms for ", key,
           ": a peer function is missing or too slow (barrier deadline)");
    std::this_thread::sleep_for(std::chrono::microseconds(pause_us));
    pause_us = std::min<int64_t>(pause_us * 2, 20000);
  }
}

void StoreAllReduce::allreduce(const std::vector<nn::Param*>& params, int64_t step, double weight) {
  if (workers_ == 1) return;  // the mean over one worker is its own gradient
  size_t total = 0;
  for (auto* p : params) total += static_cast<size_t>(p->grad.numel());
  flat_.resize(total);
  size_t at = 0;
  for (auto* p : params) {
    for (int64_t i = 0; i < p->grad.numel(); ++i) flat_[at++] = static_cast<float>(p->grad[i] * weight);
  }
  {
    const Deadline barrier = Deadline::after_ms(barrier_timeout_ms_);
    const std::string base = prefix_ + "/s" + std::to_string(step);
    auto chunk_begin = [&](int j) { return total * static_cast<size_t>(j) / static_cast<size_t>(workers_); };
    // Scatter: send every other worker its chunk of our gradient.
    for (int j = 0; j < workers_; ++j) {
      if (j == worker_) continue;
      const size_t b = chunk_begin(j), e = chunk_begin(j + 1);
      put(base + "/part-" + std::to_string(j) + "/from-" + std::to_string(worker_), pack(weight, flat_.data() + b, e - b));
    }
    // Reduce our chunk in worker order.
    const size_t b = chunk_begin(worker_), e = chunk_begin(worker_ + 1), n = e - b;
    acc_.assign(n, 0.0);
    double weight_sum = 0;
    for (int k = 0; k < workers_; ++k) {
      const float* values = flat_.data() + b;
      double w = weight;
      std::string bytes;
      if (k != worker_) {
        const std::string key = base + "/part-" + std::to_string(worker_) + "/from-" + std::to_string(k);
        bytes = wait_get(key, barrier);
        w = unpack(bytes, n, key, &values);
      }
      weight_sum += w;
      for (size_t i = 0; i < n; ++i) acc_[i] += values[i];
    }
    for (size_t i = 0; i < n; ++i) flat_[b + i] = static_cast<float>(acc_[i]);
    put(base + "/reduced-" + std::to_string(worker_), pack(weight_sum, flat_.data() + b, n));
    // Gather the other reduced chunks.
    for (int j = 0; j < workers_; ++j) {
      if (j == worker_) continue;
      const size_t jb = chunk_begin(j), je = chunk_begin(j + 1);
      const std::string key = base + "/reduced-" + std::to_string(j);
      const std::string bytes = wait_get(key, barrier);
      const float* values = nullptr;
      const double w = unpack(bytes, je - jb, key, &values);
      FAASDL_CHECK(std::abs(w - weight_sum) <= 1e-9 * std::max(1.0, weight_sum), "gradient exchange: ", key,
                   " summed weight ", w, " differs from ", weight_sum, " (workers out of step)");
      std::memcpy(flat_.data() + jb, values, (je - jb) * sizeof(float));
    }
    weight = weight_sum;
  }
  // Back into the parameters as the weighted mean.
  at = 0;
  const double inv = 1.0 / weight;
  for (auto* p : params) {
    for (int64_t i = 0; i < p->grad.numel(); ++i) p->grad[i] = static_cast<float>(flat_[at++] * inv);
  }
}

}  // namespace faasdl::train
