#include <gtest/gtest.h>

#include <filesystem>

#include "data/dataset.h"
#include "data_test_util.h"

namespace faasdl::data {
namespace {

using testing::expect_error;
using testing::TempDir;

ImageSet synthetic(int64_t n, int num_classes, int seed, int c = 3, int h = 32, int w = 32) {
  ImageSet set;
  set.n = n;
  set.c = c;
  set.h = h;
  set.w = w;
  set.pixels = testing::pattern(1, static_cast<int>(n) * c * h, w, seed);
  for (int64_t i = 0; i < n; ++i) set.labels.push_back(static_cast<int32_t>((i * 7 + seed) % num_classes));
  set.num_classes = num_classes;
  for (int k = 0; k < num_classes; ++k) set.class_names.push_back("class" + std::to_string(k));
  return set;
}

DataSplits synthetic_splits(int64_t train_n, int64_t test_n, int num_classes) {
  return {synthetic(train_n, num_classes, 1), synthetic(test_n, num_classes, 2), "synthetic"};
}

void expect_same(const ImageSet& a, const ImageSet& b) {
  EXPECT_EQ(a.n, b.n);
  EXPECT_EQ(a.c, b.c);
  EXPECT_EQ(a.h, b.h);
  EXPECT_EQ(a.w, b.w);
  EXPECT_EQ(a.num_classes, b.num_classes);
  EXPECT_EQ(a.class_names, b.class_names);
  EXPECT_EQ(a.labels, b.labels);
  EXPECT_TRUE(a.pixels == b.pixels) << "pixels differ";
}

TEST(Cifar10, WriteThenReadRoundTrips) {
  TempDir dir;
  const auto splits = synthetic_splits(13, 3, 4);
  write_cifar10_binary(splits, dir.path());
  // 13 records over five files: 2, 2, 2, 2 and the remaining 5.
  for (int k = 1; k <= 4; ++k) {
    EXPECT_EQ(std::filesystem::file_size(dir / ("data_batch_" + std::to_string(k) + ".bin")), 2u * 3073u);
  }
  EXPECT_EQ(std::filesystem::file_size(dir / "data_batch_5.bin"), 5u * 3073u);
  EXPECT_EQ(std::filesystem::file_size(dir / "test_batch.bin"), 3u * 3073u);
  EXPECT_EQ(testing::read_bytes(dir / "batches.meta.txt"), "class0\nclass1\nclass2\nclass3\n");
  const auto back = load_dataset("cifar10:" + dir.path());
  expect_same(back.train, splits.train);
  expect_same(back.test, splits.test);
}

TEST(Cifar10, AcceptsTheOfficialSubfolder) {
  TempDir dir;
  write_cifar10_binary(synthetic_splits(10, 2, 10), dir / "cifar-10-batches-bin");
  std::filesystem::remove(dir / "cifar-10-batches-bin/batches.meta.txt");
  const auto back = load_dataset("cifar10:" + dir.path());
  EXPECT_EQ(back.train.n, 10);
  EXPECT_EQ(back.train.num_classes, 10);  // without batches.meta.txt: the CIFAR-10 names
  EXPECT_EQ(back.train.class_names.front(), "airplane");
  EXPECT_EQ(back.train.class_names.back(), "truck");
}

TEST(Cifar10, LimitSpansFiles) {
  TempDir dir;
  const auto splits = synthetic_splits(20, 5, 3);
  write_cifar10_binary(splits, dir.path());
  LoadOptions opts;
  opts.limit = 9;  // 4 per file: the first two files and one record of the third
  opts.test_limit = 2;
  const auto back = load_dataset("cifar10:" + dir.path(), opts);
  const std::vector<int64_t> first9 = {0, 1, 2, 3, 4, 5, 6, 7, 8};
  expect_same(back.train, subset(splits.train, first9));
  EXPECT_EQ(back.test.n, 2);
}

TEST(Cifar10, TruncatedRecordIsNamed) {
  TempDir dir;
  write_cifar10_binary(synthetic_splits(10, 2, 3), dir.path());
  const std::string path = dir / "data_batch_2.bin";
  const std::string bytes = testing::read_bytes(path);
  testing::write_bytes(path, bytes.substr(0, bytes.size() - 100));
  expect_error([&] { load_dataset("cifar10:" + dir.path()); }, {path, "not a whole number of 3073-byte records"});
}

TEST(Cifar10, LabelOutOfRangeIsNamed) {
  TempDir dir;
  write_cifar10_binary(synthetic_splits(10, 2, 10), dir.path());
  const std::string path = dir / "test_batch.bin";
  std::string bytes = testing::read_bytes(path);
  bytes[3073] = 12;  // label of record 1
  testing::write_bytes(path, bytes);
  expect_error([&] { load_dataset("cifar10:" + dir.path()); }, {path, "label 12 of record 1", "outside 0..9"});
}

TEST(Cifar10, MissingFilesAreNamed) {
  TempDir dir;
  write_cifar10_binary(synthetic_splits(10, 2, 3), dir.path());
  std::filesystem::remove(dir / "data_batch_3.bin");
  expect_error([&] { load_dataset("cifar10:" + dir.path()); }, {dir / "data_batch_3.bin", "missing"});
  expect_error([&] { load_dataset("cifar10:" + dir.path() + "/none"); }, {"no such directory"});
  TempDir empty;
  expect_error([&] { load_dataset("cifar10:" + empty.path()); }, {empty.path(), "no CIFAR-10 binary files"});
}

TEST(Cifar10, WriterRejectsOtherShapes) {
  TempDir dir;
  DataSplits gray{synthetic(4, 2, 1, 1, 28, 28), synthetic(2, 2, 2, 1, 28, 28), "gray"};
  expect_error([&] { write_cifar10_binary(gray, dir.path()); }, {"1x28x28", "only 3x32x32"});
  DataSplits many{synthetic(4, 300, 1), synthetic(2, 300, 2), "many"};
  expect_error([&] { write_cifar10_binary(many, dir.path()); }, {"300 classes"});
  EXPECT_FALSE(std::filesystem::exists(dir / "data_batch_1.bin"));
}

}  // namespace
}  // namespace faasdl::data
