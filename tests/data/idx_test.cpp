#include <gtest/gtest.h>

#include <filesystem>

#include "core/clock.h"
#include "data/dataset.h"
#include "data_test_util.h"

namespace faasdl::data {
namespace {

using testing::expect_error;
using testing::TempDir;
using testing::write_idx;

constexpr uint32_t kImages = 0x803, kLabels = 0x801;

// train: 6 images 4x3 (raw images, gzipped labels); t10k: 2 images (both gzipped).
void write_small_idx(const TempDir& dir) {
  write_idx(dir / "train-images-idx3-ubyte", kImages, {6, 4, 3}, testing::pattern(1, 6 * 4, 3, 1), false);
  write_idx(dir / "train-labels-idx1-ubyte.gz", kLabels, {6}, {0, 1, 2, 3, 4, 2}, true);
  write_idx(dir / "t10k-images-idx3-ubyte.gz", kImages, {2, 4, 3}, testing::pattern(1, 2 * 4, 3, 2), true);
  write_idx(dir / "t10k-labels-idx1-ubyte.gz", kLabels, {2}, {1, 0}, true);
}

TEST(Idx, LoadsRawAndGzippedFiles) {
  TempDir dir;
  write_small_idx(dir);
  const auto splits = load_dataset("idx:" + dir.path());
  EXPECT_EQ(splits.name, "idx:" + dir.path());
  EXPECT_EQ(splits.train.n, 6);
  EXPECT_EQ(splits.train.c, 1);
  EXPECT_EQ(splits.train.h, 4);
  EXPECT_EQ(splits.train.w, 3);
  EXPECT_EQ(splits.train.pixels, testing::pattern(1, 6 * 4, 3, 1));
  EXPECT_EQ(splits.train.labels, (std::vector<int32_t>{0, 1, 2, 3, 4, 2}));
  EXPECT_EQ(splits.test.n, 2);
  EXPECT_EQ(splits.test.pixels, testing::pattern(1, 2 * 4, 3, 2));
  EXPECT_EQ(splits.test.labels, (std::vector<int32_t>{1, 0}));
  EXPECT_EQ(splits.train.num_classes, 5);
  EXPECT_EQ(splits.test.num_classes, 5);
}

TEST(Idx, AcceptsDottedNames) {
  TempDir dir;
  write_small_idx(dir);
  std::filesystem::rename(dir / "train-images-idx3-ubyte", dir / "train-images.idx3-ubyte");
  EXPECT_EQ(load_dataset("idx:" + dir.path()).train.n, 6);
}

TEST(Idx, LimitKeepsTheFirstRecords) {
  TempDir dir;
  write_small_idx(dir);
  LoadOptions opts;
  opts.limit = 3;
  opts.test_limit = 1;
  const auto splits = load_dataset("idx:" + dir.path(), opts);
  EXPECT_EQ(splits.train.n, 3);
  EXPECT_EQ(splits.train.labels, (std::vector<int32_t>{0, 1, 2}));
  EXPECT_EQ(splits.train.pixels.size(), 3u * 12u);
  EXPECT_EQ(splits.test.n, 1);
}

TEST(Idx, MissingFileIsNamed) {
  TempDir dir;
  write_small_idx(dir);
  std::filesystem::remove(dir / "t10k-labels-idx1-ubyte.gz");
  expect_error([&] { load_dataset("idx:" + dir.path()); }, {dir.path(), "missing IDX file", "t10k"});
  expect_error([&] { load_dataset("idx:" + dir.path() + "/nope"); }, {"nope", "no such directory"});
}

TEST(Idx, WrongMagicIsNamed) {
  TempDir dir;
  write_small_idx(dir);
  write_idx(dir / "train-images-idx3-ubyte", kLabels, {6, 4, 3}, testing::pattern(1, 6 * 4, 3, 1), false);
  expect_error([&] { load_dataset("idx:" + dir.path()); },
               {dir / "train-images-idx3-ubyte", "magic 0x00000801", "expected 0x00000803"});
}

TEST(Idx, TruncatedDataIsNamed) {
  TempDir dir;
  write_small_idx(dir);
  write_idx(dir / "train-images-idx3-ubyte", kImages, {6, 4, 3}, testing::pattern(1, 5 * 4, 3, 1), false);
  expect_error([&] { load_dataset("idx:" + dir.path()); }, {dir / "train-images-idx3-ubyte", "truncated"});
  // A header cut short.
  testing::write_bytes(dir / "train-images-idx3-ubyte", std::string("\0\0\x08\x03\0\0", 6));
  expect_error([&] { load_dataset("idx:" + dir.path()); }, {dir / "train-images-idx3-ubyte", "truncated", "header"});
}

TEST(Idx, TruncatedGzipStreamIsNamed) {
  TempDir dir;
  write_small_idx(dir);
  write_idx(dir / "t10k-images-idx3-ubyte.gz", kImages, {200, 28, 28}, testing::pattern(1, 200 * 28, 28, 3), true);
  write_idx(dir / "t10k-labels-idx1-ubyte.gz", kLabels, {200}, std::vector<uint8_t>(200, 1), true);
  const std::string path = dir / "t10k-images-idx3-ubyte.gz";
  const std::string gz = testing::read_bytes(path);
  testing::write_bytes(path, gz.substr(0, gz.size() / 2));
  expect_error([&] { load_dataset("idx:" + dir.path()); }, {path});
}

TEST(Idx, TrailingBytesAreAnError) {
  TempDir dir;
  write_small_idx(dir);
  write_idx(dir / "train-labels-idx1-ubyte.gz", kLabels, {6}, {0, 1, 2, 3, 4, 2, 9}, true);
  expect_error([&] { load_dataset("idx:" + dir.path()); }, {"train-labels-idx1-ubyte.gz", "unexpected bytes"});
}

TEST(Idx, CountMismatchIsNamed) {
  TempDir dir;
  write_small_idx(dir);
  write_idx(dir / "train-labels-idx1-ubyte.gz", kLabels, {5}, {0, 1, 2, 3, 4}, true);
  expect_error([&] { load_dataset("idx:" + dir.path()); }, {"holds 6 images", "holds 5 labels"});
}

TEST(Idx, UnknownSpecIsAnError) {
  expect_error([] { load_dataset("mnist"); }, {"unknown dataset 'mnist'", "imagefolder:DIR"});
  expect_error([] { load_dataset("idx:"); }, {"unknown dataset"});
}

TEST(FashionMnist, LoadsTheDebianPackage) {
  if (!std::filesystem::exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")) {
    GTEST_SKIP() << "/usr/share/datasets/fashion-mnist is absent (apt-get install dataset-fashion-mnist)";
  }
  Stopwatch watch;
  const auto splits = load_dataset("fashion-mnist");
  const double seconds = watch.seconds();
  std::printf("fashion-mnist loaded in %.3f s\n", seconds);
  for (const auto* set : {&splits.train, &splits.test}) {
    EXPECT_EQ(set->c, 1);
    EXPECT_EQ(set->h, 28);
    EXPECT_EQ(set->w, 28);
    EXPECT_EQ(set->num_classes, 10);
    ASSERT_EQ(set->class_names.size(), 10u);
    std::vector<int64_t> counts(10, 0);
    for (int32_t l : set->labels) {
      ASSERT_GE(l, 0);
      ASSERT_LT(l, 10);
      ++counts[static_cast<size_t>(l)];
    }
    for (int64_t count : counts) EXPECT_EQ(count, set->n / 10);  // Fashion-MNIST is balanced
  }
  EXPECT_EQ(splits.train.n, 60000);
  EXPECT_EQ(splits.test.n, 10000);
  EXPECT_EQ(splits.train.class_names[9], "Ankle boot");
}

}  // namespace
}  // namespace faasdl::data
