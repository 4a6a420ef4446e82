#include "train/run_config.h"

namespace faasdl::train {

Json to_json(const TrainOptions& o) {
  return {{"batch", o.batch},
          {"seed", o.seed},
          {"optimizer",
           {{"type", o.optimizer.type}, {"lr", o.optimizer.lr}, {"momentum", o.optimizer.momentum},
            {"nesterov", o.optimizer.nesterov}, {"weight_decay", o.optimizer.weight_decay},
            {"beta1", o.optimizer.beta1}, {"beta2", o.optimizer.beta2}, {"eps", o.optimizer.eps}}},
          {"schedule",
           {{"type", o.schedule.type}, {"step_epochs", o.schedule.step_epochs}, {"gamma", o.schedule.gamma},
            {"total_epochs", o.schedule.total_epochs}, {"min_lr", o.schedule.min_lr}}},
          {"augment", {{"pad", o.augment.pad}, {"flip", o.augment.flip}}}};
}

TrainOptions train_options_from_json(const Json& j) {
  const char* what = "training options";
  TrainOptions o;
  o.batch = json_get<int>(j, "batch", what);
  o.seed = json_get<uint64_t>(j, "seed", what);
  const Json& opt = j.at("optimizer");
  o.optimizer.type = json_get<std::string>(opt, "type", what);
  o.optimizer.lr = json_get<float>(opt, "lr", what);
  o.optimizer.momentum = json_get_or<float>(opt, "momentum", 0.0f, what);
  o.optimizer.nesterov = json_get_or<bool>(opt, "nesterov", false, what);
  o.optimizer.weight_decay = json_get_or<float>(opt, "weight_decay", 0.0f, what);
  o.optimizer.beta1 = json_get_or<float>(opt, "beta1", 0.9f, what);
  o.optimizer.beta2 = json_get_or<float>(opt, "beta2", 0.999f, what);
  o.optimizer.eps = json_get_or<float>(opt, "eps", 1e-7f, what);
  if (j.contains("schedule")) {
    const Json& s = j.at("schedule");
    o.schedule.type = json_get_or<std::string>(s, "type", "constant", what);
    o.schedule.step_epochs = json_get_or<int>(s, "step_epochs", 10, what);
    o.schedule.gamma = json_get_or<float>(s, "gamma", 0.1f, what);
    o.schedule.total_epochs = json_get_or<int>(s, "total_epochs", 1, what);
    o.schedule.min_lr = json_get_or<float>(s, "min_lr", 0.0f, what);
  }
  if (j.contains("augment")) {
    o.augment.pad = json_get_or<int>(j.at("augment"), "pad", 0, what);
    o.augment.flip = json_get_or<bool>(j.at("augment"), "flip", false, what);
  }
  return o;
}

Json to_json(const RunConfig& c) {
  return {{"model", c.model},     {"data", c.data},       {"limit", c.limit},   {"test_limit", c.test_limit},
          {"epochs", c.epochs},   {"backend", c.backend}, {"threads", c.threads}, {"shuffle", c.shuffle},
          {"out_dir", c.out_dir}, {"train", to_json(c.train)},
          {"distributed",
           {{"workers", c.dist.workers}, {"platform", c.dist.platform}, {"store", c.dist.store},
            {"s3_endpoint", c.dist.s3_endpoint}, {"sync", c.dist.sync}, {"global_shuffle", c.dist.global_shuffle},
            {"function", c.dist.function}, {"function_memory_mb", c.dist.function_memory_mb},
            {"function_timeout_s", c.dist.function_timeout_s}, {"max_retries", c.dist.max_retries},
            {"barrier_timeout_ms", c.dist.barrier_timeout_ms}, {"store_timeout_ms", c.dist.store_timeout_ms},
            {"worker_threads", c.dist.worker_threads}, {"lr_scaling", c.dist.lr_scaling}, {"inject_failure", c.dist.inject_failure},
            {"inject_delay", c.dist.inject_delay}, {"function_concurrency", c.dist.function_concurrency},
            {"run_id", c.dist.run_id}}}};
}

RunConfig run_config_from_json(const Json& j) {
  const char* what = "config.json";
  RunConfig c;
  c.model = json_get<std::string>(j, "model", what);
  c.data = json_get<std::string>(j, "data", what);
  c.limit = json_get_or<int64_t>(j, "limit", 0, what);
  c.test_limit = json_get_or<int64_t>(j, "test_limit", 0, what);
  c.epochs = json_get<int>(j, "epochs", what);
  c.backend = json_get_or<std::string>(j, "backend", "cpu", what);
  c.threads = json_get_or<int>(j, "threads", 0, what);
  c.shuffle = json_get_or<bool>(j, "shuffle", true, what);
  c.out_dir = json_get_or<std::string>(j, "out_dir", "runs/latest", what);
  FAASDL_CHECK(j.contains("train"), what, ": missing field 'train'");
  c.train = train_options_from_json(j.at("train"));
  if (j.contains("distributed")) {
    const Json& d = j.at("distributed");
    c.dist.workers = json_get_or<int>(d, "workers", 0, what);
    c.dist.platform = json_get_or<std::string>(d, "platform", "local", what);
    c.dist.store = json_get_or<std::string>(d, "store", "", what);
    c.dist.s3_endpoint = json_get_or<std::string>(d, "s3_endpoint", "", what);
    c.dist.sync = json_get_or<std::string>(d, "sync", "epoch", what);
    c.dist.global_shuffle = json_get_or<bool>(d, "global_shuffle", true, what);
    c.dist.function = json_get_or<std::string>(d, "function", "worker", what);
    c.dist.function_memory_mb = json_get_or<int>(d, "function_memory_mb", 1769, what);
    c.dist.function_timeout_s = json_get_or<int>(d, "function_timeout_s", 900, what);
    c.dist.max_retries = json_get_or<int>(d, "max_retries", 3, what);
    c.dist.barrier_timeout_ms = json_get_or<int64_t>(d, "barrier_timeout_ms", 120000, what);
    c.dist.store_timeout_ms = json_get_or<int64_t>(d, "store_timeout_ms", 30000, what);
    c.dist.worker_threads = json_get_or<int>(d, "worker_threads", 0, what);
    c.dist.lr_scaling = json_get_or<std::string>(d, "lr_scaling", "none", what);
    c.dist.inject_failure = json_get_or<std::string>(d, "inject_failure", "", what);
    c.dist.inject_delay = json_get_or<std::string>(d, "inject_delay", "", what);
    c.dist.function_concurrency = json_get_or<int>(d, "function_concurrency", 0, what);
    c.dist.run_id = json_get_or<std::string>(d, "run_id", "", what);
  }
  return c;
}

}  // namespace faasdl::train
