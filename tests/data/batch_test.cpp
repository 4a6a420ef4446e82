#include "data/batch.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "data_test_util.h"

namespace faasdl::data {
namespace {

using testing::expect_error;

ImageSet random_set(int64_t n, int c, int h, int w, int num_classes) {
  ImageSet set;
  set.n = n;
  set.c = c;
  set.h = h;
  set.w = w;
  set.num_classes = num_classes;
  set.pixels = testing::pattern(1, static_cast<int>(n) * c * h, w, 11);
  for (int64_t i = 0; i < n; ++i) set.labels.push_back(static_cast<int32_t>(i % num_classes));
  return set;
}

TEST(Normalizer, MatchesADirectComputation) {
  const auto set = random_set(10, 3, 5, 4, 2);
  const auto norm = compute_normalizer(set);
  ASSERT_EQ(norm.mean.size(), 3u);
  for (int ch = 0; ch < 3; ++ch) {
    double sum = 0, sq = 0;
    int count = 0;
    for (int64_t i = 0; i < set.n; ++i) {
      for (int j = 0; j < 20; ++j) {
        const double v = set.image(i)[ch * 20 + j] / 255.0;
        sum += v;
        sq += v * v;
        ++count;
      }
    }
    const double mean = sum / count;
    EXPECT_NEAR(norm.mean[static_cast<size_t>(ch)], mean, 1e-6);
    EXPECT_NEAR(norm.std[static_cast<size_t>(ch)], std::sqrt(sq / count - mean * mean), 1e-5);
  }
  auto flat = random_set(2, 1, 2, 2, 1);
  std::fill(flat.pixels.begin(), flat.pixels.end(), 7);
  EXPECT_EQ(compute_normalizer(flat).std[0], 1.0f);  // constant channel: no division by zero
}

TEST(FillBatch, NormalisesWithoutAugmentation) {
  const auto set = random_set(6, 3, 4, 5, 3);
  const Normalizer norm{{0.1f, 0.5f, 0.9f}, {0.2f, 0.3f, 0.4f}};
  const std::vector<int64_t> idx = {4, 1, 4};
  Tensor x;
  std::vector<int32_t> y;
  fill_batch(set, idx, norm, Augment{}, nullptr, x, y);
  EXPECT_EQ(x.shape(), (Shape{3, 3, 4, 5}));
  EXPECT_EQ(y, (std::vector<int32_t>{1, 1, 1}));
  for (int64_t b = 0; b < 3; ++b) {
    for (int ch = 0; ch < 3; ++ch) {
      for (int j = 0; j < 20; ++j) {
        const float want =
            (set.image(idx[static_cast<size_t>(b)])[ch * 20 + j] / 255.0f - norm.mean[static_cast<size_t>(ch)]) /
            norm.std[static_cast<size_t>(ch)];
        ASSERT_NEAR(x[b * 60 + ch * 20 + j], want, 1e-5);
      }
    }
  }
  fill_batch(set, idx, Normalizer{}, Augment{}, nullptr, x, y);  // empty normaliser: pixel / 255
  EXPECT_FLOAT_EQ(x[0], set.image(4)[0] / 255.0f);
}

// The reference: pad with zeros, crop at (oy, ox), then mirror.
std::vector<float> reference_augment(const ImageSet& set, int64_t k, int pad, int oy, int ox, bool flip) {
  std::vector<float> out(static_cast<size_t>(set.image_size()));
  const int H = set.h + 2 * pad, W = set.w + 2 * pad;
  for (int ch = 0; ch < set.c; ++ch) {
    std::vector<int> padded(static_cast<size_t>(H * W), 0);
    for (int y = 0; y < set.h; ++y)
      for (int x = 0; x < set.w; ++x)
        padded[static_cast<size_t>((y + pad) * W + x + pad)] = set.image(k)[(ch * set.h + y) * set.w + x];
    for (int y = 0; y < set.h; ++y)
      for (int x = 0; x < set.w; ++x) {
        const int cx = flip ? set.w - 1 - x : x;
        out[static_cast<size_t>((ch * set.h + y) * set.w + x)] =
            static_cast<float>(padded[static_cast<size_t>((y + oy) * W + cx + ox)]) / 255.0f;
      }
  }
  return out;
}

TEST(FillBatch, CropAndFlipMatchTheReference) {
  const auto set = random_set(8, 2, 6, 7, 2);
  std::vector<int64_t> idx(8);
  for (int i = 0; i < 8; ++i) idx[static_cast<size_t>(i)] = 7 - i;
  for (const Augment aug : {Augment{2, false}, Augment{0, true}, Augment{3, true}}) {
    Rng rng(42), replay(42);
    Tensor x;
    std::vector<int32_t> y;
    fill_batch(set, idx, Normalizer{}, aug, &rng, x, y);
    int flips = 0;
    for (int64_t b = 0; b < 8; ++b) {
      const uint64_t span = 2 * static_cast<uint64_t>(aug.pad) + 1;
      const int oy = aug.pad ? static_cast<int>(replay.below(span)) : 0;
      const int ox = aug.pad ? static_cast<int>(replay.below(span)) : 0;
      const bool flip = aug.flip && replay.below(2) == 1;
      flips += flip;
      const auto want = reference_augment(set, idx[static_cast<size_t>(b)], aug.pad, oy, ox, flip);
      for (size_t j = 0; j < want.size(); ++j)
        ASSERT_FLOAT_EQ(x[b * set.image_size() + static_cast<int64_t>(j)], want[j]);
    }
    if (aug.flip) {
      EXPECT_GT(flips, 0);
    }
  }
}

TEST(FillBatch, AugmentationIsSeeded) {
  const auto set = random_set(16, 3, 8, 8, 4);
  const std::vector<int64_t> idx = {0, 1, 2, 3, 4, 5, 6, 7};
  const Augment aug{4, true};
  Tensor a, b, c;
  std::vector<int32_t> y;
  Rng r1(5), r2(5), r3(6);
  fill_batch(set, idx, Normalizer{}, aug, &r1, a, y);
  fill_batch(set, idx, Normalizer{}, aug, &r2, b, y);
  fill_batch(set, idx, Normalizer{}, aug, &r3, c, y);
  EXPECT_EQ(max_abs_diff(a, b), 0.0f);
  EXPECT_GT(max_abs_diff(a, c), 0.0f);
}

TEST(FillBatch, BadInputIsAnError) {
  const auto set = random_set(4, 1, 4, 4, 2);
  Tensor x;
  std::vector<int32_t> y;
  const std::vector<int64_t> bad = {0, 4};
  expect_error([&] { fill_batch(set, bad, Normalizer{}, Augment{}, nullptr, x, y); }, {"index 4 out of range"});
  const std::vector<int64_t> ok = {0};
  expect_error([&] { fill_batch(set, ok, Normalizer{}, Augment{1, false}, nullptr, x, y); }, {"needs an Rng"});
  expect_error([&] { fill_batch(set, ok, Normalizer{{0.5f}, {0.0f}}, Augment{}, nullptr, x, y); }, {"std"});
  expect_error(
      [&] {
        fill_batch(set, ok, Normalizer{{0.5f, 0.5f}, {1.f, 1.f}}, Augment{}, nullptr, x, y);
      },
      {"2 means"});
}

TEST(EpochOrder, IsASeededPermutation) {
  EXPECT_EQ(epoch_order(5, 1, 0, false), (std::vector<int64_t>{0, 1, 2, 3, 4}));
  const auto a = epoch_order(1000, 1, 0, true);
  auto sorted = a;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, epoch_order(1000, 1, 0, false));
  EXPECT_EQ(a, epoch_order(1000, 1, 0, true));
  EXPECT_NE(a, epoch_order(1000, 1, 1, true));
  EXPECT_NE(a, epoch_order(1000, 2, 0, true));
  EXPECT_NE(a, sorted);
}

// Checks the partition and balance properties of make_shards.
void check_shards(const std::vector<std::vector<int64_t>>& shards, const std::vector<int32_t>& labels,
                  int num_classes) {
  std::vector<int> seen(labels.size(), 0);
  size_t lo = SIZE_MAX, hi = 0;
  std::vector<size_t> class_lo(static_cast<size_t>(num_classes), SIZE_MAX),
      class_hi(static_cast<size_t>(num_classes), 0);
  for (const auto& shard : shards) {
    lo = std::min(lo, shard.size());
    hi = std::max(hi, shard.size());
    std::vector<size_t> per_class(static_cast<size_t>(num_classes), 0);
    for (int64_t i : shard) {
      ++seen[static_cast<size_t>(i)];
      ++per_class[static_cast<size_t>(labels[static_cast<size_t>(i)])];
    }
    for (int k = 0; k < num_classes; ++k) {
      class_lo[static_cast<size_t>(k)] = std::min(class_lo[static_cast<size_t>(k)], per_class[static_cast<size_t>(k)]);
      class_hi[static_cast<size_t>(k)] = std::max(class_hi[static_cast<size_t>(k)], per_class[static_cast<size_t>(k)]);
    }
  }
  for (int count : seen) ASSERT_EQ(count, 1);
  EXPECT_LE(hi - lo, 1u);
  for (int k = 0; k < num_classes; ++k)
    EXPECT_LE(class_hi[static_cast<size_t>(k)] - class_lo[static_cast<size_t>(k)], 1u);
}

TEST(MakeShards, AreStratifiedAndBalanced) {
  // Unbalanced classes: 17, 11, 5 and 1 samples, interleaved.
  std::vector<int32_t> labels;
  for (int k = 0; k < 4; ++k)
    labels.insert(labels.end(), static_cast<size_t>(std::vector<int>{17, 11, 5, 1}[static_cast<size_t>(k)]), k);
  Rng mix(3);
  mix.shuffle(labels);
  for (int shards : {1, 3, 4, 7}) {
    for (bool shuffle : {false, true}) {
      check_shards(make_shards(labels, 4, shards, 9, 0, shuffle), labels, 4);
    }
  }
  const auto fixed = make_shards(labels, 4, 3, 9, 0, false);
  EXPECT_EQ(fixed, make_shards(labels, 4, 3, 9, 5, false));
  for (const auto& shard : fixed) EXPECT_TRUE(std::is_sorted(shard.begin(), shard.end()));
  const auto e0 = make_shards(labels, 4, 3, 9, 0, true);
  EXPECT_EQ(e0, make_shards(labels, 4, 3, 9, 0, true));
  EXPECT_NE(e0, make_shards(labels, 4, 3, 9, 1, true));
  EXPECT_NE(e0, make_shards(labels, 4, 3, 10, 0, true));
}

TEST(MakeShards, BadInputIsAnError) {
  const std::vector<int32_t> labels = {0, 1, 2};
  expect_error([&] { make_shards(labels, 3, 0, 0, 0, false); }, {"num_shards"});
  expect_error([&] { make_shards(labels, 3, 4, 0, 0, false); }, {"4 shards for only 3 samples"});
  expect_error([&] { make_shards(labels, 2, 1, 0, 0, false); }, {"label 2 of sample 2"});
}

}  // namespace
}  // namespace faasdl::data
