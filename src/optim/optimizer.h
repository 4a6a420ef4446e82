// Optimizers (SGD with momentum / Nesterov / weight decay, Adam) and learning-rate schedules.
// Update rules follow PyTorch's torch.optim.SGD and torch.optim.Adam.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "nn/layer.h"
#include "tensor/safetensors.h"

namespace faasdl::optim {

struct OptimizerOptions {
  std::string type = "adam";  // "sgd" or "adam"
  float lr = 0.001f;          // base learning rate
  float momentum = 0.0f;      // SGD momentum
  bool nesterov = false;      // SGD Nesterov momentum (needs momentum > 0)
  float weight_decay = 0.0f;  // L2 penalty added to the gradient (both optimizers)
  float beta1 = 0.9f;         // Adam
  float beta2 = 0.999f;       // Adam
  float eps = 1e-7f;          // Adam; Keras' default (PyTorch uses 1e-8)
};

// Throws Error naming the bad field (negative lr, nesterov without momentum, ...).
void validate(const OptimizerOptions& options);

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  // Applies one update to every parameter from its grad, with learning rate lr.
  virtual void step(const std::vector<nn::Param*>& params, float lr) = 0;
  // Number of steps taken (Adam's bias correction uses it).
  int64_t steps() const { return steps_; }

  // State tensors ("<param>.m", "<param>.v", "<param>.momentum") plus the step counter, for
  // checkpoints and for shipping between functions. Created lazily on the first step.
  virtual NamedTensorRefs state() = 0;
  // Restores state saved by state(); tensors must match the parameters.
  virtual void load_state(const TensorFile& file, const std::vector<nn::Param*>& params, int64_t steps) = 0;
  // Forgets all state (steps = 0).
  virtual void reset() = 0;

 protected:
  int64_t steps_ = 0;
};

std::unique_ptr<Optimizer> make_optimizer(const OptimizerOptions& options);

struct ScheduleOptions {
  std::string type = "constant";  // "constant", "step", "cosine"
  int step_epochs = 10;           // step: multiply by gamma every step_epochs epochs
  float gamma = 0.1f;             // step
  int total_epochs = 1;           // cosine: length of the half cosine
  float min_lr = 0.0f;            // cosine: final learning rate
};

void validate(const ScheduleOptions& options);

// Learning rate for an epoch (0-based), continuous within the epoch for cosine:
// progress = epoch + fraction of the epoch done.
float learning_rate(const ScheduleOptions& schedule, float base_lr, double progress);

}  // namespace faasdl::optim
