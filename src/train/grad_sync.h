// Synchronous gradient averaging among the N functions of a round, through the Store.
//
// Scatter-reduce then all-gather: the flat gradient (every parameter, in order) is cut into N
// contiguous chunks. At step s worker i writes chunk j of its weighted gradient to
// "<prefix>/s<s>/part-<j>/from-<i>" for every j != i, reads the N-1 parts of chunk i, sums
// them in worker order (so the result does not depend on timing), writes the reduced chunk to
// "<prefix>/s<s>/reduced-<i>", and reads the other N-1 reduced chunks. Each worker thus writes
// one gradient's worth of bytes and reads about two per step, whatever N is.
// Every wait has the barrier deadline: a missing peer fails the step (and the round) with a
// clear error instead of hanging it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "nn/layer.h"
#include "store/store.h"

namespace faasdl::train {

class StoreAllReduce {
 public:
  StoreAllReduce(Store& store, std::string prefix, int worker, int workers, int64_t barrier_timeout_ms,
                 int64_t call_timeout_ms);

  // Replaces every grad by sum_k(weight_k * grad_k) / sum_k(weight_k) over the N workers;
  // weight is the number of samples behind this worker's gradient. Throws Error when a peer
  // does not show up within the barrier deadline or the store fails.
  void allreduce(const std::vector<nn::Param*>& params, int64_t step, double weight);

  // Time spent waiting for peers (polling the store), in ms.
  double wait_ms() const { return wait_ms_; }

 private:
  std::string wait_get(const std::string& key, Deadline barrier);
  void put(const std::string& key, std::string_view bytes);

  Store& store_;
  std::string prefix_;
  int worker_, workers_;
  int64_t barrier_timeout_ms_, call_timeout_ms_;
  double wait_ms_ = 0;
  std::vector<double> acc_;   // reduction accumulator of this worker's chunk
  std::vector<float> flat_;   // weighted flat gradient
};

}  // namespace faasdl::train
