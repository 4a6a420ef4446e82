// CIFAR-10 binary: files of records, each one label byte followed by 3072 pixel bytes (the
// 32x32 red plane, then green, then blue, rows top to bottom), which is exactly one NCHW image.
#include <algorithm>
#include <cstring>
#include <filesystem>

#include "core/fs.h"
#include "core/status.h"
#include "core/strings.h"
#include "data/detail/readers.h"

namespace faasdl::data::detail {
namespace {

constexpr int kSide = 32;
constexpr int64_t kPixels = 3 * kSide * kSide;
constexpr int64_t kRecord = 1 + kPixels;
constexpr int kTrainFiles = 5;

const std::vector<std::string>& cifar10_classes() {
  static const std::vector<std::string> names = {"airplane", "automobile", "bird",  "cat",  "deer",
                                                 "dog",      "frog",       "horse", "ship", "truck"};
  return names;
}

bool is_file(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_regular_file(path, ec);
}

// DIR itself or DIR/cifar-10-batches-bin, whichever holds data_batch_1.bin.
std::string resolve_dir(const std::string& dir) {
  std::error_code ec;
  FAASDL_CHECK(std::filesystem::is_directory(dir, ec), dir, ": no such directory");
  if (is_file(dir + "/data_batch_1.bin")) return dir;
  const std::string nested = dir + "/cifar-10-batches-bin";
  if (is_file(nested + "/data_batch_1.bin")) return nested;
  fail(dir, ": no CIFAR-10 binary files (expected data_batch_1.bin here or in cifar-10-batches-bin/)");
}

std::vector<std::string> read_class_names(const std::string& dir) {
  const std::string path = dir + "/batches.meta.txt";
  if (!is_file(path)) return cifar10_classes();
  std::vector<std::string> names;
  for (const auto& line : split(read_file(path), '\n')) {
    if (!trim(line).empty()) names.emplace_back(trim(line));
  }
  FAASDL_CHECK(!names.empty() && names.size() <= 256, path, ": expected 1 to 256 class names, found ", names.size());
  return names;
}

// Appends the records of one file to set, at most `room` of them (room < 0: all).
void read_records(const std::string& path, int64_t room, std::string& buffer, ImageSet& set) {
  FAASDL_CHECK(is_file(path), path, ": missing CIFAR-10 batch file");
  read_bytes(path, buffer);
  const int64_t size = static_cast<int64_t>(buffer.size());
  FAASDL_CHECK(size % kRecord == 0, path, ": size ", size, " is not a whole number of ", kRecord,
               "-byte records (truncated or not CIFAR-10 binary)");
  int64_t count = size / kRecord;
  if (room >= 0) count = std::min(count, room);
  const auto* bytes = reinterpret_cast<const uint8_t*>(buffer.data());
  const size_t base = set.pixels.size();
  set.pixels.resize(base + static_cast<size_t>(count * kPixels));
  for (int64_t i = 0; i < count; ++i) {
    const uint8_t* rec = bytes + i * kRecord;
    FAASDL_CHECK(rec[0] < set.num_classes, path, ": label ", int{rec[0]}, " of record ", i, " is outside 0..",
                 set.num_classes - 1);
    set.labels.push_back(rec[0]);
    std::memcpy(set.pixels.data() + base + static_cast<size_t>(i * kPixels), rec + 1, kPixels);
  }
  set.n += count;
}

ImageSet empty_set(const std::vector<std::string>& names) {
  ImageSet set;
  set.c = 3;
  set.h = set.w = kSide;
  set.num_classes = static_cast<int>(names.size());
  set.class_names = names;
  return set;
}

}  // namespace

DataSplits load_cifar10(const std::string& dir_arg, const LoadOptions& opts) {
  const std::string dir = resolve_dir(dir_arg);
  const auto names = read_class_names(dir);
  DataSplits splits{empty_set(names), empty_set(names), ""};
  std::string buffer;
  for (int k = 1; k <= kTrainFiles; ++k) {
    const std::string path = str_cat(dir, "/data_batch_", k, ".bin");
    if (opts.limit > 0 && splits.train.n >= opts.limit) break;
    read_records(path, opts.limit > 0 ? opts.limit - splits.train.n : -1, buffer, splits.train);
  }
  read_records(dir + "/test_batch.bin", opts.test_limit > 0 ? opts.test_limit : -1, buffer, splits.test);
  return splits;
}

}  // namespace faasdl::data::detail

namespace faasdl::data {
namespace {

std::string encode_records(const ImageSet& set, int64_t begin, int64_t end) {
  std::string out(static_cast<size_t>((end - begin) * detail::kRecord), '\0');
  for (int64_t i = begin; i < end; ++i) {
    char* rec = out.data() + (i - begin) * detail::kRecord;
    rec[0] = static_cast<char>(set.labels[static_cast<size_t>(i)]);
    std::memcpy(rec + 1, set.image(i), detail::kPixels);
  }
  return out;
}

void check_writable(const ImageSet& set, const char* split) {
  const std::string what = str_cat("write_cifar10_binary: ", split, " split");
  validate(set, what);
  FAASDL_CHECK(set.c == 3 && set.h == detail::kSide && set.w == detail::kSide, what, " has ", set.c, "x", set.h, "x",
               set.w, " images; CIFAR-10 binary holds only 3x32x32");
  FAASDL_CHECK(set.num_classes <= 256, what, " has ", set.num_classes,
               " classes; CIFAR-10 binary labels are single bytes (at most 256)");
}

}  // namespace

void write_cifar10_binary(const DataSplits& splits, const std::string& out_dir) {
  check_writable(splits.train, "train");
  check_writable(splits.test, "test");
  FAASDL_CHECK(splits.train.num_classes == splits.test.num_classes, "write_cifar10_binary: the train split has ",
               splits.train.num_classes, " classes but the test split has ", splits.test.num_classes);
  std::string meta;
  for (int k = 0; k < splits.train.num_classes; ++k) {
    const std::string name =
        splits.train.class_names.empty() ? std::to_string(k) : splits.train.class_names[static_cast<size_t>(k)];
    FAASDL_CHECK(!trim(name).empty() && name.find('\n') == std::string::npos && trim(name) == name,
                 "write_cifar10_binary: class name '", name, "' cannot be stored one per line");
    meta += name + "\n";
  }
  make_dirs(out_dir);
  const int64_t n = splits.train.n;
  const int64_t per_file = n / detail::kTrainFiles;
  for (int k = 0; k < detail::kTrainFiles; ++k) {
    const int64_t begin = k * per_file;
    const int64_t end = k + 1 == detail::kTrainFiles ? n : begin + per_file;
    write_file_atomic(str_cat(out_dir, "/data_batch_", k + 1, ".bin"), encode_records(splits.train, begin, end));
  }
  write_file_atomic(out_dir + "/test_batch.bin", encode_records(splits.test, 0, splits.test.n));
  write_file_atomic(out_dir + "/batches.meta.txt", meta);
}

}  // namespace faasdl::data
