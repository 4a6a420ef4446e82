// faasdl train: one machine, or distributed over serverless functions with --workers.
#include <cstdio>

#include "cli.h"
#include "core/status.h"
#include "report/html_report.h"
#include "train/coordinator.h"
#include "train/local_run.h"
#include "train/protocol.h"
#include "train_args.h"

namespace faasdl::cli {
namespace {

void usage() {
  std::printf(
      "usage: faasdl train --model seed-cnn --data fashion-mnist|cifar10:DIR|imagefolder:DIR\n"
      "                    [--epochs 1] [--batch 32] [--optimizer adam|sgd] [--lr 0.001] [--momentum 0]\n"
      "                    [--nesterov] [--weight-decay 0] [--lr-schedule constant|step|cosine]\n"
      "                    [--limit N] [--test-limit N] [--augment crop:4,flip] [--no-shuffle]\n"
      "                    [--threads T] [--backend cpu|ref] [--seed 1] [--out runs/x]\n"
      "  distributed on serverless functions:\n"
      "                    --workers N [--platform local|lambda:URL|http:URL]\n"
      "                    [--store dir:PATH|redis://HOST:PORT/DB|s3://BUCKET/PREFIX] [--s3-endpoint URL]\n"
      "                    [--sync epoch|steps:K|grad] [--shuffle global|none] [--function worker]\n"
      "                    [--function-memory 1769] [--function-timeout 900] [--max-retries 3]\n"
      "                    [--function-concurrency C]\n"
      "                    [--worker-threads T] [--barrier-timeout-ms 120000] [--lr-scaling none|sqrt|linear]\n"
      "       faasdl train --resume runs/x [--epochs N]\n");
}

int train_cmd(Args& args) {
  if (args.flag("help")) {
    usage();
    return 0;
  }
  train::RunConfig config;
  const bool resume = args.has("resume");
  if (resume) {
    const std::string dir = args.require("resume");
    config = train::load_run_config(dir);
    config.out_dir = dir;
    config.epochs = static_cast<int>(args.integer("epochs", config.epochs));
    // A fault injected into the first attempt stays in the past.
    config.dist.inject_failure = args.str("inject-failure", "");
    config.dist.inject_delay = args.str("inject-delay", "");
    config.dist.max_retries = static_cast<int>(args.integer("max-retries", config.dist.max_retries));
  } else {
    config.model = args.str("model", config.model);
    config.data = args.str("data", config.data);
    config.limit = args.integer("limit", 0);
    config.test_limit = args.integer("test-limit", 0);
    config.epochs = static_cast<int>(args.integer("epochs", 1));
    config.backend = args.str("backend", config.backend);
    config.shuffle = !args.flag("no-shuffle");
    config.out_dir = args.str("out", "runs/latest");
    read_train_options(args, config.train);
    auto& d = config.dist;
    d.workers = static_cast<int>(args.integer("workers", 0));
    FAASDL_CHECK(d.workers >= 0, "--workers must be >= 1, got ", d.workers);
    if (args.has("workers") && d.workers == 0) fail("--workers must be >= 1, got 0");
    d.platform = args.str("platform", d.platform);
    d.store = args.str("store", d.store);
    d.s3_endpoint = args.str("s3-endpoint", d.s3_endpoint);
    d.sync = args.str("sync", d.sync);
    const std::string shuffle = args.str("shuffle", "global");
    FAASDL_CHECK(shuffle == "global" || shuffle == "none", "--shuffle must be global or none, got '", shuffle, "'");
    d.global_shuffle = shuffle == "global";
    d.function = args.str("function", d.function);
    d.function_memory_mb = static_cast<int>(args.integer("function-memory", d.function_memory_mb));
    d.function_timeout_s = static_cast<int>(args.integer("function-timeout", d.function_timeout_s));
    d.max_retries = static_cast<int>(args.integer("max-retries", d.max_retries));
    d.worker_threads = static_cast<int>(args.integer("worker-threads", d.worker_threads));
    d.barrier_timeout_ms = args.integer("barrier-timeout-ms", d.barrier_timeout_ms);
    d.inject_failure = args.str("inject-failure", "");
    d.inject_delay = args.str("inject-delay", "");
    d.function_concurrency = static_cast<int>(args.integer("function-concurrency", 0));
    d.lr_scaling = args.str("lr-scaling", d.lr_scaling);
    train::parse_sync(d.sync);  // refuse a bad mode before loading anything
  }
  config.threads = static_cast<int>(args.integer("threads", config.threads));
  config.progress = !args.flag("no-progress");
  args.finish();
  const auto result =
      config.dist.workers > 0 ? train::run_distributed(config, resume) : train::run_local(config, resume);
  const std::string report_path = report::write_html_report(result.out_dir);
  std::printf("run saved in %s (config.json, metrics.jsonl, weights.safetensors)\nreport: %s\n",
              result.out_dir.c_str(), report_path.c_str());
  return 0;
}

const CommandRegistrar reg("train", "train a model on one machine or on serverless functions", &train_cmd);

}  // namespace
}  // namespace faasdl::cli
