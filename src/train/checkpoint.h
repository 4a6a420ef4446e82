// Checkpoints: model weights plus optimizer state in one safetensors file, written atomically.
// <dir>/weights.safetensors holds the weights alone (for PyTorch or `faasdl eval`);
// <dir>/checkpoint.safetensors holds weights, optimizer state ("optim/<param>.m", ...) and
// metadata (epoch completed, optimizer steps).
#pragma once

#include <string>

#include "nn/model.h"
#include "optim/optimizer.h"

namespace faasdl::train {

struct CheckpointInfo {
  int epochs_done = 0;          // epochs completed when it was written
  int64_t optimizer_steps = 0;  // optimizer's step counter
};

// Serialises weights + optimizer state (+ info) to bytes, and back.
std::string encode_checkpoint(nn::Model& model, optim::Optimizer& optimizer, const CheckpointInfo& info);
CheckpointInfo decode_checkpoint(std::string_view bytes, const std::string& what, nn::Model& model,
                                 optim::Optimizer& optimizer);

void save_checkpoint(const std::string& dir, nn::Model& model, optim::Optimizer& optimizer, const CheckpointInfo& info);
// Throws Error when the file is missing or does not fit the model.
CheckpointInfo load_checkpoint(const std::string& dir, nn::Model& model, optim::Optimizer& optimizer);

}  // namespace faasdl::train
