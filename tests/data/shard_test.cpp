#include "data/shard.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include "data_test_util.h"

namespace faasdl::data {
namespace {

using testing::expect_error;

ImageSet small_set(bool names) {
  ImageSet set;
  set.n = 5;
  set.c = 3;
  set.h = 4;
  set.w = 2;
  set.pixels = testing::pattern(3, 5 * 4, 2, 9);
  set.labels = {0, 2, 1, 2, 0};
  set.num_classes = 3;
  if (names) set.class_names = {"cat", "dog", "t-shirt/top"};
  return set;
}

void expect_same(const ImageSet& a, const ImageSet& b) {
  EXPECT_EQ(a.n, b.n);
  EXPECT_EQ(a.c, b.c);
  EXPECT_EQ(a.h, b.h);
  EXPECT_EQ(a.w, b.w);
  EXPECT_EQ(a.num_classes, b.num_classes);
  EXPECT_EQ(a.class_names, b.class_names);
  EXPECT_EQ(a.labels, b.labels);
  EXPECT_EQ(a.pixels, b.pixels);
}

// Recomputes the checksum after a deliberate edit, so that validation past the CRC is reached.
void reseal(std::string& bytes) {
  uLong crc = crc32(0L, reinterpret_cast<const Bytef*>(bytes.data()), 68);
  crc = crc32(crc, reinterpret_cast<const Bytef*>(bytes.data() + 72), static_cast<uInt>(bytes.size() - 72));
  for (int i = 0; i < 4; ++i) bytes[static_cast<size_t>(68 + i)] = static_cast<char>((crc >> (8 * i)) & 0xff);
}

TEST(Shard, RoundTrips) {
  for (bool names : {true, false}) {
    const auto set = small_set(names);
    const std::string bytes = encode_shard(set);
    EXPECT_EQ(bytes.substr(0, 8), "FDLSHRD1");
    EXPECT_EQ(bytes.size(), 72u + 120u + 20u + (names ? 19u : 0u));
    expect_same(decode_shard(bytes, "shard"), set);
  }
  ImageSet empty = small_set(false);
  empty.n = 0;
  empty.pixels.clear();
  empty.labels.clear();
  expect_same(decode_shard(encode_shard(empty), "empty"), empty);
}

TEST(Shard, EveryTruncationIsAnError) {
  const std::string bytes = encode_shard(small_set(true));
  for (size_t len = 0; len < bytes.size(); ++len) {
    expect_error([&] { decode_shard(std::string_view(bytes).substr(0, len), "run/1/shard/0"); },
                 {"run/1/shard/0", "truncated"});
  }
  expect_error([&] { decode_shard(bytes + "x", "s"); }, {"1 unexpected bytes"});
}

TEST(Shard, EveryFlippedByteIsCaught) {
  const std::string bytes = encode_shard(small_set(true));
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string bad = bytes;
    bad[i] = static_cast<char>(bad[i] ^ 0x10);
    EXPECT_THROW(decode_shard(bad, "s"), Error) << "byte " << i;
  }
  std::string bad = bytes;
  bad[100] ^= 1;  // a pixel
  expect_error([&] { decode_shard(bad, "s"); }, {"checksum mismatch"});
}

TEST(Shard, HeaderProblemsAreNamed) {
  const std::string bytes = encode_shard(small_set(false));
  std::string bad = bytes;
  bad[0] = 'X';
  expect_error([&] { decode_shard(bad, "s"); }, {"bad magic"});
  bad = bytes;
  bad[8] = 2;
  expect_error([&] { decode_shard(bad, "s"); }, {"version 2"});
  bad = bytes;
  bad[41] = 9;
  expect_error([&] { decode_shard(bad, "s"); }, {"dtypes"});
  bad = bytes;
  bad[24] = 0;  // c = 0
  expect_error([&] { decode_shard(bad, "s"); }, {"bad image shape"});
  bad = bytes;
  bad[72 + 120 + 4] = 7;  // label of image 1, resealed so the range check is what fails
  reseal(bad);
  expect_error([&] { decode_shard(bad, "s"); }, {"label 7 of image 1"});
}

TEST(Shard, EncodeValidates) {
  auto set = small_set(false);
  set.labels[0] = 3;
  expect_error([&] { encode_shard(set); }, {"encode_shard", "label 3"});
  set = small_set(false);
  set.pixels.pop_back();
  expect_error([&] { encode_shard(set); }, {"pixel bytes"});
}

}  // namespace
}  // namespace faasdl::data
