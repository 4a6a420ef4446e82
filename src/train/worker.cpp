#include "train/worker.h"

#include <cstdlib>
#include <map>
#include <memory>
#include <numeric>
#include <thread>

#include "core/clock.h"
#include "core/log.h"
#include "core/status.h"
#include "core/strings.h"
#include "data/shard.h"
#include "store/store.h"
#include "train/checkpoint.h"
#include "train/grad_sync.h"
#include "train/protocol.h"

namespace faasdl::train {
namespace {

// What survives between invocations of a warm sandbox.
struct WarmState {
  std::map<std::string, std::unique_ptr<Store>> stores;
  std::string model_signature;
  std::unique_ptr<nn::Model> model;
  std::string shard_key;
  data::ImageSet shard;
  int64_t shard_bytes = 0;
  int invocations = 0;
};

WarmState& warm_state() {
  static WarmState state;
  return state;
}

Store& open_cached_store(WarmState& w, const WorkerTask& task) {
  const std::string id = task.store_uri + "|" + task.s3_endpoint;
  auto& slot = w.stores[id];
  if (!slot) {
    StoreOptions options;
    options.s3_endpoint = task.s3_endpoint;
    options.default_timeout_ms = task.store_timeout_ms;
    slot = open_store(task.store_uri, options);
  }
  return *slot;
}

int threads_for(const WorkerTask& task) {
  if (task.threads > 0) return task.threads;
  if (const char* env = std::getenv("FAASDL_THREADS"); env && *env) {
    return static_cast<int>(std::max<int64_t>(1, parse_int(env, "FAASDL_THREADS")));
  }
  return 1;
}

WorkerReport run_task(const WorkerTask& task) {
  WarmState& w = warm_state();
  WorkerReport report;
  report.worker = task.worker;
  report.round = task.round;
  report.warm = w.invocations++ > 0;
  report.result_key = task.result_key;

  Stopwatch phase;
  Store& store = open_cached_store(w, task);
  const StoreStats before = store.stats();
  const std::string signature = task.model_spec.dump() + shape_str(task.input);
  if (!w.model || w.model_signature != signature) {
    w.model = std::make_unique<nn::Model>(task.model_spec, task.input);
    w.model_signature = signature;
  }
  auto& backend = backend::get_backend("cpu");
  backend.set_threads(threads_for(task));
  w.model->set_backend(backend);
  auto optimizer = optim::make_optimizer(task.train.optimizer);
  report.init_ms = phase.ms();

  phase.reset();
  const std::string model_blob = get_or_throw(store, task.model_key, task.store_timeout_ms);
  report.model_bytes = static_cast<int64_t>(model_blob.size());
  decode_checkpoint(model_blob, task.model_key, *w.model, *optimizer);
  if (w.shard_key != task.shard_key) {
    const std::string blob = get_or_throw(store, task.shard_key, task.store_timeout_ms);
    w.shard = data::decode_shard(blob, task.shard_key);
    w.shard_key = task.shard_key;
    w.shard_bytes = static_cast<int64_t>(blob.size());
  } else {
    report.shard_cached = true;
  }
  report.shard_bytes = w.shard_bytes;
  FAASDL_CHECK(task.offset + task.count <= w.shard.n, "task asks for samples [", task.offset, ", ",
               task.offset + task.count, ") of shard ", task.shard_key, " which holds ", w.shard.n);
  report.load_ms = phase.ms();

  // The shard is already in this epoch's order: train on positions [offset, offset + count).
  std::vector<int64_t> order(static_cast<size_t>(task.count));
  std::iota(order.begin(), order.end(), task.offset);
  Trainer trainer(*w.model, *optimizer, task.train);
  std::unique_ptr<StoreAllReduce> allreduce;
  GradientHook hook;
  if (task.sync.mode == SyncMode::kGrad) {
    allreduce = std::make_unique<StoreAllReduce>(store, task.grad_prefix, task.worker, task.workers,
                                                 task.barrier_timeout_ms, task.store_timeout_ms);
    hook = [&](const std::vector<nn::Param*>& params, int64_t step) {
      const int64_t start = step * task.train.batch;
      const int64_t samples = std::min<int64_t>(task.train.batch, task.count - start);
      allreduce->allreduce(params, step, static_cast<double>(samples));
    };
  }
  phase.reset();
  const double store_ms_before_training = store.stats().total_ms;
  report.totals = trainer.train(w.shard, order, task.norm,
                                EpochSlice{task.epoch, task.offset, task.shard_samples, static_cast<uint64_t>(task.worker)},
                                hook);
  report.optimizer_steps = optimizer->steps();
  const double exchange_ms = store.stats().total_ms - store_ms_before_training;  // grad: peer exchange
  report.compute_ms = phase.ms() - exchange_ms;

  // In grad mode every worker holds identical weights; worker 0 writes them.
  if (task.sync.mode != SyncMode::kGrad || task.worker == 0) {
    const std::string blob = encode_checkpoint(*w.model, *optimizer, {task.epoch, optimizer->steps()});
    put_or_throw(store, task.result_key, blob, task.store_timeout_ms);
  } else {
    report.result_key.clear();
  }
  const StoreStats after = store.stats();
  report.store_ms = after.total_ms - before.total_ms;
  report.bytes_read = after.bytes_read - before.bytes_read;
  report.bytes_written = after.bytes_written - before.bytes_written;
  return report;
}

}  // namespace

faas::InvocationResponse worker_handler(const faas::InvocationRequest& request) {
  WorkerTask task;
  try {
    task = WorkerTask::from_json(parse_json(request.payload, "worker payload"));
  } catch (const Error& e) {
    return faas::InvocationResponse::failure("Faasdl.InvalidTask", e.what());
  }
  try {
    if (task.delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(task.delay_ms));
    const WorkerReport report = run_task(task);
    if (task.fail_after_write) {
      return faas::InvocationResponse::failure("Faasdl.InjectedFailure",
                                               str_cat("injected failure after writing ", task.result_key));
    }
    return faas::InvocationResponse::ok(report.to_json().dump());
  } catch (const Error& e) {
    log_error("worker ", task.worker, " round ", task.round, ": ", e.what());
    return faas::InvocationResponse::failure("Faasdl.TrainingError", e.what());
  }
}

}  // namespace faasdl::train
