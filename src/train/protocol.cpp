#include "train/protocol.h"

#include "core/status.h"
#include "core/strings.h"
#include "train/run_config.h"

namespace faasdl::train {

SyncSpec parse_sync(const std::string& text) {
  if (text == "epoch") return {SyncMode::kEpoch, 0};
  if (text == "grad") return {SyncMode::kGrad, 0};
  if (starts_with(text, "steps:")) {
    const int64_t k = parse_int(text.substr(6), "--sync steps:K");
    FAASDL_CHECK(k >= 1, "--sync steps:K needs K >= 1, got ", k);
    return {SyncMode::kSteps, static_cast<int>(k)};
  }
  fail("--sync must be epoch, steps:K or grad, got '", text, "'");
}

std::string to_string(const SyncSpec& s) {
  switch (s.mode) {
    case SyncMode::kEpoch: return "epoch";
    case SyncMode::kSteps: return "steps:" + std::to_string(s.steps);
    case SyncMode::kGrad: return "grad";
  }
  return "?";
}

Json WorkerTask::to_json() const {
  return {{"run", run},
          {"store", store_uri},
          {"s3_endpoint", s3_endpoint},
          {"store_timeout_ms", store_timeout_ms},
          {"sync", train::to_string(sync)},
          {"round", round},
          {"epoch", epoch},
          {"worker", worker},
          {"workers", workers},
          {"model_key", model_key},
          {"shard_key", shard_key},
          {"offset", offset},
          {"count", count},
          {"shard_samples", shard_samples},
          {"result_key", result_key},
          {"grad_prefix", grad_prefix},
          {"barrier_timeout_ms", barrier_timeout_ms},
          {"model", model_spec},
          {"input", input},
          {"norm", {{"mean", norm.mean}, {"std", norm.std}}},
          {"train", train::to_json(train)},
          {"threads", threads},
          {"fail_after_write", fail_after_write},
          {"delay_ms", delay_ms}};
}

WorkerTask WorkerTask::from_json(const Json& j) {
  const char* what = "worker task";
  FAASDL_CHECK(j.is_object(), what, ": payload must be a JSON object");
  WorkerTask t;
  t.run = json_get<std::string>(j, "run", what);
  t.store_uri = json_get<std::string>(j, "store", what);
  t.s3_endpoint = json_get_or<std::string>(j, "s3_endpoint", "", what);
  t.store_timeout_ms = json_get_or<int64_t>(j, "store_timeout_ms", 30000, what);
  t.sync = parse_sync(json_get<std::string>(j, "sync", what));
  t.round = json_get<int>(j, "round", what);
  t.epoch = json_get<int>(j, "epoch", what);
  t.worker = json_get<int>(j, "worker", what);
  t.workers = json_get<int>(j, "workers", what);
  FAASDL_CHECK(t.workers >= 1 && t.worker >= 0 && t.worker < t.workers, what, ": worker ", t.worker, " of ",
               t.workers, " is out of range");
  t.model_key = json_get<std::string>(j, "model_key", what);
  t.shard_key = json_get<std::string>(j, "shard_key", what);
  t.offset = json_get<int64_t>(j, "offset", what);
  t.count = json_get<int64_t>(j, "count", what);
  t.shard_samples = json_get<int64_t>(j, "shard_samples", what);
  FAASDL_CHECK(t.offset >= 0 && t.count >= 0, what, ": offset and count must be >= 0");
  t.result_key = json_get<std::string>(j, "result_key", what);
  t.grad_prefix = json_get_or<std::string>(j, "grad_prefix", "", what);
  t.barrier_timeout_ms = json_get_or<int64_t>(j, "barrier_timeout_ms", 60000, what);
  FAASDL_CHECK(j.contains("model"), what, ": missing field 'model'");
  t.model_spec = j.at("model");
  t.input = json_get<Shape>(j, "input", what);
  FAASDL_CHECK(j.contains("norm"), what, ": missing field 'norm'");
  t.norm.mean = json_get<std::vector<float>>(j.at("norm"), "mean", what);
  t.norm.std = json_get<std::vector<float>>(j.at("norm"), "std", what);
  FAASDL_CHECK(j.contains("train"), what, ": missing field 'train'");
  t.train = train_options_from_json(j.at("train"));
  t.threads = json_get_or<int>(j, "threads", 0, what);
  t.fail_after_write = json_get_or<bool>(j, "fail_after_write", false, what);
  t.delay_ms = json_get_or<int64_t>(j, "delay_ms", 0, what);
  FAASDL_CHECK(t.delay_ms >= 0, what, ": delay_ms must be >= 0");
  return t;
}

Json WorkerReport::to_json() const {
  return {{"worker", worker},
          {"round", round},
          {"loss_sum", totals.loss_sum},
          {"correct", totals.correct},
          {"samples", totals.samples},
          {"steps", totals.steps},
          {"optimizer_steps", optimizer_steps},
          {"init_ms", init_ms},
          {"load_ms", load_ms},
          {"compute_ms", compute_ms},
          {"store_ms", store_ms},
          {"bytes_read", bytes_read},
          {"bytes_written", bytes_written},
          {"shard_bytes", shard_bytes},
          {"model_bytes", model_bytes},
          {"shard_cached", shard_cached},
          {"warm", warm},
          {"result_key", result_key}};
}

WorkerReport WorkerReport::from_json(const Json& j) {
  const char* what = "worker report";
  WorkerReport r;
  r.worker = json_get<int>(j, "worker", what);
  r.round = json_get<int>(j, "round", what);
  r.totals.loss_sum = json_get<double>(j, "loss_sum", what);
  r.totals.correct = json_get<int64_t>(j, "correct", what);
  r.totals.samples = json_get<int64_t>(j, "samples", what);
  r.totals.steps = json_get<int64_t>(j, "steps", what);
  r.optimizer_steps = json_get<int64_t>(j, "optimizer_steps", what);
  r.init_ms = json_get_or<double>(j, "init_ms", 0, what);
  r.load_ms = json_get_or<double>(j, "load_ms", 0, what);
  r.compute_ms = json_get_or<double>(j, "compute_ms", 0, what);
  r.store_ms = json_get_or<double>(j, "store_ms", 0, what);
  r.bytes_read = json_get_or<int64_t>(j, "bytes_read", 0, what);
  r.bytes_written = json_get_or<int64_t>(j, "bytes_written", 0, what);
  r.shard_bytes = json_get_or<int64_t>(j, "shard_bytes", 0, what);
  r.model_bytes = json_get_or<int64_t>(j, "model_bytes", 0, what);
  r.shard_cached = json_get_or<bool>(j, "shard_cached", false, what);
  r.warm = json_get_or<bool>(j, "warm", false, what);
  r.result_key = json_get_or<std::string>(j, "result_key", "", what);
  return r;
}

}  // namespace faasdl::train
