// faasdl train: one machine, or distributed over serverless functions with --workers.
#include <cstdio>

#include "cli.h"
#include "core/status.h"
#include "train/local_run.h"
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
  }
  config.threads = static_cast<int>(args.integer("threads", config.threads));
  config.progress = !args.flag("no-progress");
  args.finish();
  const auto result = train::run_local(config, resume);
  std::printf("run saved in %s (config.json, metrics.jsonl, weights.safetensors)\n", result.out_dir.c_str());
  return 0;
}

const CommandRegistrar reg("train", "train a model on one machine or on serverless functions", &train_cmd);

}  // namespace
}  // namespace faasdl::cli
