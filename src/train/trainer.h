// Trainer: the one training loop. Single-machine training and every serverless worker call
// this same code, so a worker trains exactly as one process would.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "data/batch.h"
#include "data/dataset.h"
#include "nn/model.h"
#include "optim/optimizer.h"

namespace faasdl::train {

struct TrainOptions {
  int batch = 32;                      // samples per step (per function when distributed)
  uint64_t seed = 1;                   // weights, shuffling, augmentation and dropout
  optim::OptimizerOptions optimizer;   // adam, lr 0.001
  optim::ScheduleOptions schedule;     // constant
  data::Augment augment;               // none
};

struct StepTotals {
  double loss_sum = 0.0;  // sum over samples of the per-sample loss
  int64_t correct = 0;
  int64_t samples = 0;
  int64_t steps = 0;
  double seconds = 0.0;
  double loss() const { return samples ? loss_sum / static_cast<double>(samples) : 0.0; }
  double accuracy() const { return samples ? static_cast<double>(correct) / static_cast<double>(samples) : 0.0; }
  void add(const StepTotals& o);
};

// Where a call to Trainer::train sits inside an epoch, so learning-rate schedules, augmentation
// and dropout streams depend only on the sample's position, not on who trains it.
struct EpochSlice {
  int epoch = 0;             // 0-based
  int64_t offset = 0;        // position of order[0] within the epoch's sample order
  int64_t epoch_samples = 0; // samples in the whole epoch (for schedule progress)
  uint64_t stream = 0;       // distinguishes parallel trainers (worker index) in seeds
};

// Called after each backward pass, before the optimizer step; may rewrite the gradients
// (gradient averaging across functions). Throws to abort training.
using GradientHook = std::function<void(const std::vector<nn::Param*>& params, int64_t step)>;
// Called after each step with the totals so far.
using ProgressHook = std::function<void(const StepTotals& so_far, int64_t total_samples)>;

class Trainer {
 public:
  Trainer(nn::Model& model, optim::Optimizer& optimizer, TrainOptions options);

  // Trains on set[order[i]] for all i, in batches of options.batch (the last may be smaller).
  StepTotals train(const data::ImageSet& set, std::span<const int64_t> order, const data::Normalizer& norm,
                   const EpochSlice& slice, const GradientHook& on_gradients = {},
                   const ProgressHook& on_progress = {});

  // Loss and accuracy over a whole set, no updates.
  StepTotals evaluate(const data::ImageSet& set, const data::Normalizer& norm, int batch = 250);

  nn::Model& model() { return model_; }
  optim::Optimizer& optimizer() { return optimizer_; }
  const TrainOptions& options() const { return options_; }

 private:
  nn::Model& model_;
  optim::Optimizer& optimizer_;
  TrainOptions options_;
  Tensor x_, dlogits_;
  std::vector<int32_t> y_;
};

}  // namespace faasdl::train
