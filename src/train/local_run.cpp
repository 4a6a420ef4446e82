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

RunResult run_local(const RunConfig& config, bool resume) {
  FAASDL_CHECK(config.epochs >= 1, "--epochs must be >= 1, got ", config.epochs);
  FAASDL_CHECK(config.limit >= 0, "--limit must be >= 0");
  data::LoadOptions load;
  load.limit = config.limit;
  load.test_limit = config.test_limit;
  load.seed = config.train.seed;
  Stopwatch load_clock;
  const data::DataSplits splits = data::load_dataset(config.data, load);
  log_info("loaded ", config.data, ": ", splits.train.n, " train / ", splits.test.n, " test images of ",
           splits.train.c, "x", splits.train.h, "x", splits.train.w, " in ", load_clock.seconds(), " s");
  const data::Normalizer norm = data::compute_normalizer(splits.train);

  auto& backend = backend::get_backend(config.backend);
  backend.set_threads(resolve_threads(config.threads));
  nn::Model model(nn::resolve_model_spec(config.model), {splits.train.c, splits.train.h, splits.train.w});
  FAASDL_CHECK(model.num_classes() >= splits.train.num_classes, "model '", config.model, "' outputs ",
               model.num_classes(), " classes but the data has ", splits.train.num_classes);
  model.set_backend(backend);
  model.init(config.train.seed);
  auto optimizer = optim::make_optimizer(config.train.optimizer);
  TrainOptions topts = config.train;
  if (topts.schedule.type == "cosine" && topts.schedule.total_epochs <= 1) topts.schedule.total_epochs = config.epochs;
  Trainer trainer(model, *optimizer, topts);

  make_dirs(config.out_dir);
  int start_epoch = 0;
  if (resume) {
    start_epoch = load_checkpoint(config.out_dir, model, *optimizer).epochs_done;
    log_info("resuming ", config.out_dir, " after epoch ", start_epoch);
  }
  write_file_atomic(config.out_dir + "/config.json", to_json(config).dump(2) + "\n");
  report::MetricsLog metrics(config.out_dir + "/metrics.jsonl");
  metrics.truncate_after_epoch(start_epoch);

  RunResult result{{}, config.out_dir};
  for (int epoch = start_epoch; epoch < config.epochs; ++epoch) {
    const auto order = data::epoch_order(splits.train.n, config.train.seed, epoch, config.shuffle);
    report::ProgressBar bar(str_cat("epoch ", epoch + 1, "/", config.epochs), splits.train.n, config.progress);
    const StepTotals t = trainer.train(
        splits.train, order, norm, EpochSlice{epoch, 0, splits.train.n, 0}, {},
        [&](const StepTotals& s, int64_t) {
          char extra[96];
          std::snprintf(extra, sizeof extra, "loss %.4f acc %.4f %.0f img/s", s.loss(), s.accuracy(),
                        static_cast<double>(s.samples) / std::max(s.seconds, 1e-9));
          bar.update(s.samples, extra);
        });
    bar.finish();
    const StepTotals v = trainer.evaluate(splits.test, norm);
    const double wall = t.seconds + v.seconds;
    Json rec = {{"epoch", epoch + 1},
                {"loss", t.loss()},
                {"accuracy", t.accuracy()},
                {"val_loss", v.loss()},
                {"val_accuracy", v.accuracy()},
                {"train_s", t.seconds},
                {"eval_s", v.seconds},
                {"wall_s", wall},
                {"images_per_s", static_cast<double>(t.samples) / std::max(t.seconds, 1e-9)},
                {"samples", t.samples},
                {"steps", t.steps},
                {"workers", 0}};
    std::printf("epoch %d/%d  loss %.4f  accuracy %.4f  val_loss %.4f  val_accuracy %.4f  %.1f s  %.0f images/s\n",
                epoch + 1, config.epochs, t.loss(), t.accuracy(), v.loss(), v.accuracy(), wall,
                rec["images_per_s"].get<double>());
    std::fflush(stdout);
    save_checkpoint(config.out_dir, model, *optimizer, {epoch + 1, optimizer->steps()});
    metrics.append(rec);
    result.last_epoch = rec;
  }
  return result;
}

}  // namespace faasdl::train
