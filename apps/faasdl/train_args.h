// Fills training options from command-line flags (shared by train and bench).
#pragma once

#include "cli.h"
#include "train/run_config.h"

namespace faasdl::cli {

// Reads --batch --seed --optimizer --lr --momentum --nesterov --weight-decay --adam-eps
// --lr-schedule --lr-step-epochs --lr-gamma --lr-min --augment into options.
void read_train_options(Args& args, train::TrainOptions& options);

}  // namespace faasdl::cli
