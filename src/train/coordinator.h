// The parameter server: data-parallel training on N serverless functions.
//
// Each epoch the coordinator cuts the training set into N class-stratified shards (reshuffled
// and re-sharded every epoch with global shuffling) and writes them to the Store once. Each
// round it writes the current model, invokes the N functions in parallel through the Invoke
// API, and combines their results in worker order:
//   epoch    one round per epoch; every function trains one pass over its shard from the
//            current model; the new model is the sample-weighted average of the N results.
//   steps:K  a round every K local steps (several rounds per epoch), same averaging.
//   grad     one round per epoch; the N functions run together and average their gradients
//            every step through the Store (train/grad_sync.h), so all hold the same weights.
// Optimizer state (Adam's moments, SGD's momentum) travels with the weights and is averaged
// with the same weights; its step counter is the largest of the N.
#pragma once

#include "train/local_run.h"
#include "train/run_config.h"

namespace faasdl::train {

// Trains config.epochs epochs on config.dist.workers functions; writes the same run directory
// as run_local (config.json, metrics.jsonl with billing and per-function records, checkpoint).
// A function that fails, times out or is throttled is retried up to dist.max_retries times with
// backoff; after that the run stops with an Error and a checkpoint that --resume continues.
RunResult run_distributed(const RunConfig& config, bool resume);

}  // namespace faasdl::train
