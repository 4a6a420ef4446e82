#include <gtest/gtest.h>

#include <filesystem>

#include "core/rng.h"
#include "train/checkpoint.h"
#include "train/trainer.h"

namespace faasdl::train {
namespace {

// Four classes of 1x8x8 images: a bright quadrant per class plus noise. Learnable in a few epochs.
data::ImageSet quadrant_set(int64_t n, uint64_t seed) {
  data::ImageSet set;
  set.n = n;
  set.c = 1;
  set.h = set.w = 8;
  set.num_classes = 4;
  set.pixels.resize(static_cast<size_t>(n * 64));
  Rng rng(seed);
  for (int64_t i = 0; i < n; ++i) {
    const int label = static_cast<int>(rng.below(4));
    set.labels.push_back(label);
    for (int y = 0; y < 8; ++y)
      for (int x = 0; x < 8; ++x) {
        const bool hot = (y / 4) * 2 + (x / 4) == label;
        set.pixels[static_cast<size_t>(i * 64 + y * 8 + x)] =
            static_cast<uint8_t>((hot ? 150 : 40) + rng.below(80));
      }
  }
  return set;
}

struct Fixture {
  explicit Fixture(const char* model_name = "mlp", const char* backend = "cpu")
      : model(nn::builtin_model_spec(model_name), {1, 8, 8}) {
    model.set_backend(backend::get_backend(backend));
    model.init(11);
    optimizer = optim::make_optimizer(options.optimizer);
  }
  TrainOptions options;
  nn::Model model;
  std::unique_ptr<optim::Optimizer> optimizer;
};

TEST(Trainer, LearnsASeparableProblem) {
  Fixture f;
  Trainer trainer(f.model, *f.optimizer, f.options);
  const auto train = quadrant_set(512, 1), test = quadrant_set(200, 2);
  const auto norm = data::compute_normalizer(train);
  for (int epoch = 0; epoch < 3; ++epoch) {
    const auto order = data::epoch_order(train.n, 1, epoch, true);
    const auto t = trainer.train(train, order, norm, {epoch, 0, train.n, 0});
    EXPECT_EQ(t.samples, 512);
    EXPECT_EQ(t.steps, 16);
  }
  EXPECT_GT(trainer.evaluate(test, norm).accuracy(), 0.95);
}

TEST(Trainer, SameSeedGivesBitwiseIdenticalWeights) {
  const auto train = quadrant_set(200, 3);
  const auto norm = data::compute_normalizer(train);
  Fixture a, b;
  Trainer ta(a.model, *a.optimizer, a.options), tb(b.model, *b.optimizer, b.options);
  const auto order = data::epoch_order(train.n, 1, 0, true);
  ta.train(train, order, norm, {0, 0, train.n, 0});
  tb.train(train, order, norm, {0, 0, train.n, 0});
  auto pa = a.model.params(), pb = b.model.params();
  for (size_t i = 0; i < pa.size(); ++i) EXPECT_EQ(max_abs_diff(pa[i]->value, pb[i]->value), 0.0f);
}

TEST(Trainer, SplittingAnEpochIntoSlicesChangesNothing) {
  // Training [0, 100) then [100, 200) as two calls equals one call: the worker relies on it.
  const auto train = quadrant_set(200, 4);
  const auto norm = data::compute_normalizer(train);
  Fixture a, b;
  a.options.augment.flip = true;
  b.options.augment.flip = true;
  Trainer ta(a.model, *a.optimizer, a.options), tb(b.model, *b.optimizer, b.options);
  const auto order = data::epoch_order(train.n, 1, 0, true);
  ta.train(train, order, norm, {0, 0, 200, 0});
  std::span<const int64_t> all(order);
  tb.train(train, all.subspan(0, 96), norm, {0, 0, 200, 0});
  tb.train(train, all.subspan(96), norm, {0, 96, 200, 0});
  auto pa = a.model.params(), pb = b.model.params();
  for (size_t i = 0; i < pa.size(); ++i) EXPECT_EQ(max_abs_diff(pa[i]->value, pb[i]->value), 0.0f);
}

TEST(Trainer, RejectsDataOfTheWrongShape) {
  Fixture f;
  Trainer trainer(f.model, *f.optimizer, f.options);
  auto set = quadrant_set(10, 5);
  set.h = set.w = 4;
  set.pixels.resize(160);
  const auto order = data::epoch_order(set.n, 1, 0, false);
  EXPECT_THROW(trainer.train(set, order, {}, {0, 0, 10, 0}), Error);
}

TEST(Checkpoint, ResumeContinuesExactly) {
  const auto train = quadrant_set(128, 6);
  const auto norm = data::compute_normalizer(train);
  const std::string dir = (std::filesystem::temp_directory_path() / "faasdl_ckpt_test").string();
  std::filesystem::remove_all(dir);
  Fixture straight, first, resumed;
  Trainer ts(straight.model, *straight.optimizer, straight.options);
  Trainer tf(first.model, *first.optimizer, first.options);
  for (int e = 0; e < 2; ++e) ts.train(train, data::epoch_order(train.n, 1, e, true), norm, {e, 0, train.n, 0});
  tf.train(train, data::epoch_order(train.n, 1, 0, true), norm, {0, 0, train.n, 0});
  save_checkpoint(dir, first.model, *first.optimizer, {1, first.optimizer->steps()});
  resumed.model.init(999);  // different weights: the checkpoint must overwrite them
  const auto info = load_checkpoint(dir, resumed.model, *resumed.optimizer);
  EXPECT_EQ(info.epochs_done, 1);
  Trainer tr(resumed.model, *resumed.optimizer, resumed.options);
  tr.train(train, data::epoch_order(train.n, 1, 1, true), norm, {1, 0, train.n, 0});
  auto ps = straight.model.params(), pr = resumed.model.params();
  for (size_t i = 0; i < ps.size(); ++i) EXPECT_EQ(max_abs_diff(ps[i]->value, pr[i]->value), 0.0f);
  // Only complete files are left behind.
  for (const auto& e : std::filesystem::directory_iterator(dir))
    EXPECT_EQ(e.path().string().find(".tmp."), std::string::npos) << e.path();
  std::filesystem::remove_all(dir);
}

TEST(Checkpoint, CorruptFileIsACleanError) {
  const std::string dir = (std::filesystem::temp_directory_path() / "faasdl_ckpt_bad").string();
  std::filesystem::create_directories(dir);
  { std::FILE* f = std::fopen((dir + "/checkpoint.safetensors").c_str(), "wb"); std::fputs("garbage!garbage", f); std::fclose(f); }
  Fixture f;
  EXPECT_THROW(load_checkpoint(dir, f.model, *f.optimizer), Error);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace faasdl::train
