#include "train/local_run.h"

#include <cstdio>
#include <thread>

#include "core/fs.h"
#include "core/log.h"
#include "core/status.h"
#include "data/dataset.h"
#include "report/metrics_log.h"
#include "report/progress.h"
#include "train/checkpoint.h"
#include "train/run_context.h"

namespace faasdl::train {

int resolve_threads(int requested) {
  FAASDL_CHECK(requested >= 0, "--threads must be >= 0, got ", requested);
  if (requested > 0) return requested;
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

RunConfig load_run_config(const std::string& dir) {
  const std::string path = dir + "/config.json";
  FAASDL_CHECK(file_exists(path), path, ": not found (is ", dir, " a faasdl run directory?)");
  return run_config_from_json(parse_json(read_file(path), path));
}

RunContext open_run(const RunConfig& config, bool resume) {
  FAASDL_CHECK(config.epochs >= 1, "--epochs must be >= 1, got ", config.epochs);
  FAASDL_CHECK(config.limit >= 0, "--limit must be >= 0");
  RunContext run;
  run.config = config;
  data::LoadOptions load;
  load.limit = config.limit;
  load.test_limit = config.test_limit;
  load.seed = config.train.seed;
  Stopwatch load_clock;
  run.splits = data::load_dataset(config.data, load);
  log_info("loaded ", config.data, ": ", run.splits.train.n, " train / ", run.splits.test.n, " test images of ",
           run.splits.train.c, "x", run.splits.train.h, "x", run.splits.train.w, " in ", load_clock.seconds(), " s");
  run.norm = data::compute_normalizer(run.splits.train);

  auto& backend = backend::get_backend(config.backend);
  backend.set_threads(resolve_threads(config.threads));
  run.model = std::make_unique<nn::Model>(nn::resolve_model_spec(config.model),
                                          Shape{run.splits.train.c, run.splits.train.h, run.splits.train.w});
  FAASDL_CHECK(run.model->num_classes() >= run.splits.train.num_classes, "model '", config.model, "' outputs ",
               run.model->num_classes(), " classes but the data has ", run.splits.train.num_classes);
  run.model->set_backend(backend);
  run.model->init(config.train.seed);
  run.optimizer = optim::make_optimizer(config.train.optimizer);
  run.train = config.train;
  if (run.train.schedule.type == "cosine" && run.train.schedule.total_epochs <= 1)
    run.train.schedule.total_epochs = config.epochs;

  make_dirs(config.out_dir);
  if (resume) {
    run.start_epoch = load_checkpoint(config.out_dir, *run.model, *run.optimizer).epochs_done;
    log_info("resuming ", config.out_dir, " after epoch ", run.start_epoch);
  }
  write_file_atomic(config.out_dir + "/config.json", to_json(config).dump(2) + "\n");
  run.metrics = std::make_unique<report::MetricsLog>(config.out_dir + "/metrics.jsonl");
  run.metrics->truncate_after_epoch(run.start_epoch);
  return run;
}

void finish_epoch(RunContext& run, int epochs_done, const Json& record) {
  save_checkpoint(run.config.out_dir, *run.model, *run.optimizer, {epochs_done, run.optimizer->steps()});
  run.metrics->append(record);
}

RunResult run_local(const RunConfig& config, bool resume) {
  RunContext run = open_run(config, resume);
  Trainer trainer(*run.model, *run.optimizer, run.train);
  const data::ImageSet& train_set = run.splits.train;
  RunResult result{{}, config.out_dir};
  for (int epoch = run.start_epoch; epoch < config.epochs; ++epoch) {
    const auto order = data::epoch_order(train_set.n, config.train.seed, epoch, config.shuffle);
    report::ProgressBar bar(str_cat("epoch ", epoch + 1, "/", config.epochs), train_set.n, config.progress);
    const StepTotals t = trainer.train(
        train_set, order, run.norm, EpochSlice{epoch, 0, train_set.n, 0}, {},
        [&](const StepTotals& s, int64_t) {
          char extra[96];
          std::snprintf(extra, sizeof extra, "loss %.4f acc %.4f %.0f img/s", s.loss(), s.accuracy(),
                        static_cast<double>(s.samples) / std::max(s.seconds, 1e-9));
          bar.update(s.samples, extra);
        });
    bar.finish();
    const StepTotals v = trainer.evaluate(run.splits.test, run.norm);
    const double wall = t.seconds + v.seconds;
    Json rec = {{"epoch", epoch + 1},
                {"workers", 0},
                {"loss", t.loss()},
                {"accuracy", t.accuracy()},
                {"val_loss", v.loss()},
                {"val_accuracy", v.accuracy()},
                {"train_s", t.seconds},
                {"eval_s", v.seconds},
                {"wall_s", wall},
                {"images_per_s", static_cast<double>(t.samples) / std::max(t.seconds, 1e-9)},
                {"samples", t.samples},
                {"steps", t.steps}};
    std::printf("epoch %d/%d  loss %.4f  accuracy %.4f  val_loss %.4f  val_accuracy %.4f  %.1f s  %.0f images/s\n",
                epoch + 1, config.epochs, t.loss(), t.accuracy(), v.loss(), v.accuracy(), wall,
                rec["images_per_s"].get<double>());
    std::fflush(stdout);
    finish_epoch(run, epoch + 1, rec);
    result.last_epoch = rec;
  }
  return result;
}

}  // namespace faasdl::train
