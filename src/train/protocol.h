// What a coordinator and a worker function say to each other. The invoke payload carries keys,
// the round, hyper-parameters and the seed; every tensor (model, shard, result, gradients)
// travels through the Store, so model size is not bounded by the 6 MB invoke limit.
//
// Store keys of a run (all under "<run>/"):
//   data/e<epoch>/shard-<i>         encoded shard (data/shard.h); e0 only when not reshuffling
//   model/e<epoch>-r<round>         checkpoint blob (weights + optimizer state) a round starts from
//   round/e<epoch>-r<round>/worker-<i>   result of worker i in that round (same format)
//   round/e<epoch>-r<round>/grad/...     gradient exchange of the `grad` strategy
//   checkpoint/e<epochs done>       the model after the last finished epoch
// Round keys are removed once the round is combined; older shards and checkpoints once newer
// ones exist.
// Keys are versioned by round and worker, so a retried invocation rewrites the same key with the
// same bytes: retries are idempotent and the run stays deterministic.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/json.h"
#include "data/batch.h"
#include "tensor/tensor.h"
#include "train/trainer.h"

namespace faasdl::train {

enum class SyncMode {
  kEpoch,  // each function trains a whole pass over its shard; weighted model average per epoch
  kSteps,  // model averaging every K local steps (several rounds per epoch)
  kGrad,   // synchronous gradient averaging every step through the store (scatter-reduce)
};

struct SyncSpec {
  SyncMode mode = SyncMode::kEpoch;
  int steps = 0;  // K for kSteps
};

// "epoch", "steps:K", "grad"; throws Error on anything else.
SyncSpec parse_sync(const std::string& text);
std::string to_string(const SyncSpec& sync);

// One function invocation's task.
struct WorkerTask {
  std::string run;            // run id, the prefix of every key
  std::string store_uri;      // where the keys live
  std::string s3_endpoint;    // for s3:// stores on S3-compatible servers ("" = AWS)
  int64_t store_timeout_ms = 30000;  // deadline of each store call
  SyncSpec sync;
  int round = 0;              // global round number (0-based)
  int epoch = 0;              // 0-based
  int worker = 0;             // this function's index, 0..workers-1
  int workers = 1;
  std::string model_key;      // checkpoint to start from
  std::string shard_key;      // this worker's shard
  int64_t offset = 0;         // first sample of the shard to train on
  int64_t count = 0;          // samples to train on (from offset)
  int64_t shard_samples = 0;  // samples in the whole shard (schedule progress)
  std::string result_key;     // where to put the trained checkpoint (grad: only worker 0 writes)
  std::string grad_prefix;    // grad: keys of this round's gradient exchange
  int64_t barrier_timeout_ms = 60000;  // grad: longest wait for the peers at each step
  Json model_spec;            // the model
  Shape input;                // [C, H, W]
  data::Normalizer norm;      // per-channel normalisation of the whole training set
  TrainOptions train;         // batch, seed, optimizer, schedule, augmentation
  int threads = 0;            // compute threads; 0 = $FAASDL_THREADS, else the vCPU share
  bool fail_after_write = false;  // fault injection: fail after the result is written
  int64_t delay_ms = 0;           // fault injection: sleep this long before training

  Json to_json() const;
  static WorkerTask from_json(const Json& j);  // throws Error naming the bad field
};

// A worker's answer (the invoke response body).
struct WorkerReport {
  int worker = 0;
  int round = 0;
  StepTotals totals;          // loss_sum, correct, samples, steps over the trained samples
  int64_t optimizer_steps = 0;
  double init_ms = 0;         // building the model (first use in this process) and opening the store
  double load_ms = 0;         // reading and decoding model and shard
  double compute_ms = 0;      // forward, backward, optimizer
  double store_ms = 0;        // time inside store calls (reads, writes, gradient exchange)
  int64_t bytes_read = 0;     // store bytes read by this invocation
  int64_t bytes_written = 0;
  int64_t shard_bytes = 0;    // size of this worker's shard blob
  int64_t model_bytes = 0;    // size of the model blob
  bool shard_cached = false;  // the shard was already in this warm sandbox's memory
  bool warm = false;          // this process had served an invocation before
  std::string result_key;

  Json to_json() const;
  static WorkerReport from_json(const Json& j);
};

}  // namespace faasdl::train
