#include "train/trainer.h"

#include <algorithm>
#include <numeric>

#include "core/clock.h"
#include "core/rng.h"
#include "core/status.h"
#include "nn/loss.h"

namespace faasdl::train {

void StepTotals::add(const StepTotals& o) {
  loss_sum += o.loss_sum;
  correct += o.correct;
  samples += o.samples;
  steps += o.steps;
  seconds += o.seconds;
}

Trainer::Trainer(nn::Model& model, optim::Optimizer& optimizer, TrainOptions options)
    : model_(model), optimizer_(optimizer), options_(std::move(options)) {
  FAASDL_CHECK(options_.batch >= 1, "--batch must be >= 1, got ", options_.batch);
  optim::validate(options_.optimizer);
  optim::validate(options_.schedule);
}

StepTotals Trainer::train(const data::ImageSet& set, std::span<const int64_t> order, const data::Normalizer& norm,
                          const EpochSlice& slice, const GradientHook& on_gradients, const ProgressHook& on_progress) {
  FAASDL_CHECK(set.c == model_.input_shape()[0] && set.h == model_.input_shape()[1] && set.w == model_.input_shape()[2],
               "data images are ", set.c, "x", set.h, "x", set.w, " but the model expects ",
               shape_str(model_.input_shape()));
  FAASDL_CHECK(set.num_classes <= model_.num_classes(), "data has ", set.num_classes,
               " classes but the model outputs ", model_.num_classes());
  StepTotals totals;
  Stopwatch clock;
  const int64_t total = static_cast<int64_t>(order.size());
  const int64_t epoch_samples = std::max<int64_t>(slice.epoch_samples, total);
  auto params = model_.params();
  for (int64_t start = 0; start < total; start += options_.batch) {
    const int64_t count = std::min<int64_t>(options_.batch, total - start);
    const int64_t position = slice.offset + start;  // within the epoch
    const uint64_t step_seed = mix_seed(options_.seed, (static_cast<uint64_t>(slice.epoch) << 40) ^ slice.stream,
                                        static_cast<uint64_t>(position));
    Rng aug_rng(step_seed);
    data::fill_batch(set, order.subspan(static_cast<size_t>(start), static_cast<size_t>(count)), norm,
                     options_.augment, &aug_rng, x_, y_);
    model_.reseed_dropout(step_seed);
    const Tensor& logits = model_.forward(x_, /*training=*/true);
    const auto r = nn::softmax_cross_entropy(logits, y_, &dlogits_);
    model_.backward(dlogits_);
    if (on_gradients) on_gradients(params, totals.steps);
    const double progress = slice.epoch + static_cast<double>(position) / static_cast<double>(epoch_samples);
    optimizer_.step(params, optim::learning_rate(options_.schedule, options_.optimizer.lr, progress));
    totals.loss_sum += r.loss * static_cast<double>(count);
    totals.correct += r.correct;
    totals.samples += count;
    totals.steps += 1;
    if (on_progress) {
      totals.seconds = clock.seconds();
      on_progress(totals, total);
    }
  }
  totals.seconds = clock.seconds();
  return totals;
}

StepTotals Trainer::evaluate(const data::ImageSet& set, const data::Normalizer& norm, int batch) {
  StepTotals totals;
  Stopwatch clock;
  std::vector<int64_t> order(static_cast<size_t>(set.n));
  std::iota(order.begin(), order.end(), 0);
  const data::Augment none;
  for (int64_t start = 0; start < set.n; start += batch) {
    const int64_t count = std::min<int64_t>(batch, set.n - start);
    data::fill_batch(set, std::span<const int64_t>(order).subspan(static_cast<size_t>(start), static_cast<size_t>(count)),
                     norm, none, nullptr, x_, y_);
    const auto r = nn::softmax_cross_entropy(model_.forward(x_, /*training=*/false), y_, nullptr);
    totals.loss_sum += r.loss * static_cast<double>(count);
    totals.correct += r.correct;
    totals.samples += count;
    totals.steps += 1;
  }
  totals.seconds = clock.seconds();
  return totals;
}

}  // namespace faasdl::train
