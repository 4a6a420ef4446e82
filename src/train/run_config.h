// Everything that defines a training run; saved as <out>/config.json so `--resume` can continue
// the same run, and sent (in part) to serverless workers.
#pragma once

#include <string>

#include "core/json.h"
#include "train/trainer.h"

namespace faasdl::train {

struct RunConfig {
  std::string model = "seed-cnn";     // built-in name or path to a JSON spec
  std::string data = "fashion-mnist"; // fashion-mnist | cifar10:DIR | imagefolder:DIR | idx:DIR
  int64_t limit = 0;                  // first N training samples (0 = all)
  int64_t test_limit = 0;             // first N test samples (0 = all)
  int epochs = 1;                     // total epochs of the run
  std::string backend = "cpu";        // ref | cpu
  int threads = 0;                    // compute threads (0 = all cores)
  bool shuffle = true;                // reshuffle the sample order every epoch
  std::string out_dir = "runs/latest";
  bool progress = true;               // progress bar on a TTY
  TrainOptions train;                 // batch, seed, optimizer, schedule, augmentation
};

Json to_json(const RunConfig& config);
// Throws Error naming the field on a malformed config.json.
RunConfig run_config_from_json(const Json& j);

Json to_json(const TrainOptions& options);
TrainOptions train_options_from_json(const Json& j);

}  // namespace faasdl::train
