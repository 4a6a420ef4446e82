// What single-machine and distributed runs share: loading the data, building the model and
// optimizer, resuming from the run directory, and recording each finished epoch.
#pragma once

#include <memory>
#include <string>

#include "data/batch.h"
#include "data/dataset.h"
#include "nn/model.h"
#include "optim/optimizer.h"
#include "report/metrics_log.h"
#include "train/run_config.h"

namespace faasdl::train {

struct RunContext {
  RunConfig config;
  data::DataSplits splits;
  data::Normalizer norm;
  std::unique_ptr<nn::Model> model;
  std::unique_ptr<optim::Optimizer> optimizer;
  TrainOptions train;  // config.train with the schedule length filled in
  int start_epoch = 0; // epochs already done (resume)
  std::unique_ptr<report::MetricsLog> metrics;
};

// Validates the config, loads the data, builds and initialises the model, restores the
// checkpoint when resuming, and writes config.json. Throws Error on anything impossible.
RunContext open_run(const RunConfig& config, bool resume);

// Saves the checkpoint of a finished epoch and appends its record to metrics.jsonl, in that
// order, so a crash in between repeats the epoch rather than losing it.
void finish_epoch(RunContext& run, int epochs_done, const Json& record);

}  // namespace faasdl::train
