// Everything that defines a training run; saved as <out>/config.json so `--resume` can continue
// the same run, and sent (in part) to serverless workers.
#pragma once

#include <string>

#include "core/json.h"
#include "train/trainer.h"

namespace faasdl::train {

// Distributed training on serverless functions (workers >= 1).
struct DistributedOptions {
  int workers = 0;                  // functions per round; 0 = train on this machine
  std::string platform = "local";   // local | lambda:https://lambda.REGION.amazonaws.com | http:URL
  std::string store;                // dir:PATH | redis://HOST:PORT/DB | s3://BUCKET/PREFIX | mem:;
                                    // "" = dir:<out>/store
  std::string s3_endpoint;          // S3-compatible endpoint for s3:// stores ("" = AWS)
  std::string sync = "epoch";       // epoch | steps:K | grad
  bool global_shuffle = true;       // reshuffle and re-shard every epoch (false: fixed shards)
  std::string function = "worker";  // function to invoke
  int function_memory_mb = 1769;    // memory of the local platform's worker function (1,769 MB = 1 vCPU)
  int function_timeout_s = 900;     // timeout of the local platform's worker function
  int max_retries = 3;              // retries of a failed, timed-out or throttled invocation
  int64_t barrier_timeout_ms = 120000;  // grad: longest wait for a peer at one step
  int64_t store_timeout_ms = 30000;     // deadline of each store call
  int worker_threads = 0;           // compute threads per function; 0 = the platform's vCPU share
  std::string lr_scaling = "none";  // none | sqrt | linear: multiply the learning rate by 1, sqrt(N)
                                    // or N, for `grad` whose global batch is N x batch
  std::string inject_failure;       // "ROUND:WORKER": that invocation fails once after writing its
                                    // result (tests retries and idempotency)
  std::string inject_delay;         // "ROUND:WORKER:MS": that invocation sleeps MS before training,
                                    // once (tests timeouts and their retries)
  int function_concurrency = 0;     // reserved concurrency of the local worker function (0 = none);
                                    // below --workers, invocations are throttled (429) and retried
  std::string run_id;               // prefix of the run's store keys; "" = chosen at start
};

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
  DistributedOptions dist;            // workers = 0: single machine
};

Json to_json(const RunConfig& config);
// Throws Error naming the field on a malformed config.json.
RunConfig run_config_from_json(const Json& j);

Json to_json(const TrainOptions& options);
TrainOptions train_options_from_json(const Json& j);

}  // namespace faasdl::train
