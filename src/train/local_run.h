// Single-machine training: the "CPU machine" row of every comparison.
#pragma once

#include <string>

#include "core/json.h"
#include "train/run_config.h"

namespace faasdl::train {

struct RunResult {
  Json last_epoch;        // the final metrics.jsonl record
  std::string out_dir;
};

// Loads the data, builds the model, trains config.epochs epochs (continuing from the run's
// checkpoint when resume is true), evaluates after each epoch, and writes config.json,
// metrics.jsonl, weights.safetensors and checkpoint.safetensors under config.out_dir.
RunResult run_local(const RunConfig& config, bool resume);

// The RunConfig saved in <dir>/config.json, for --resume.
RunConfig load_run_config(const std::string& dir);

// Threads to use: the requested count, or every core when 0.
int resolve_threads(int requested);

}  // namespace faasdl::train
