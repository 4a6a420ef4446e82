// IDX files (MNIST, Fashion-MNIST): a big-endian header of magic 0x000008DD (uint8 data, DD
// dimensions) and DD sizes, then the data. Images are 0x00000803 [n, rows, cols], labels
// 0x00000801 [n]. Files may be gzipped; zlib's gzread reads raw files unchanged.
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "core/status.h"
#include "data/detail/readers.h"

namespace faasdl::data::detail {
namespace {

constexpr uint32_t kImageMagic = 0x00000803;
constexpr uint32_t kLabelMagic = 0x00000801;

uint32_t be32(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

// A gzip-or-raw file opened with zlib; every failure names the file.
class GzFile {
 public:
  explicit GzFile(std::string path) : path_(std::move(path)) {
    file_ = gzopen(path_.c_str(), "rb");
    if (!file_) fail(path_, ": cannot open (", std::strerror(errno), ")");
    gzbuffer(file_, 1 << 18);
  }
  ~GzFile() { gzclose(file_); }
  GzFile(const GzFile&) = delete;
  GzFile& operator=(const GzFile&) = delete;

  // Reads exactly `size` bytes; throws naming `part` when the file ends first.
  void read_exact(void* dst, size_t size, std::string_view part) {
    size_t done = 0;
    while (done < size) {
      const unsigned chunk = static_cast<unsigned>(std::min<size_t>(size - done, 1u << 30));
      const int got = gzread(file_, static_cast<char*>(dst) + done, chunk);
      check_stream();
      if (got <= 0) break;
      done += static_cast<size_t>(got);
    }
    if (done < size) fail(path_, ": truncated: ", part, " needs ", size, " bytes but only ", done, " remain");
  }

  // Throws when the file has data beyond what was read.
  void expect_end() {
    char extra = 0;
    const int got = gzread(file_, &extra, 1);
    check_stream();
    if (got > 0) fail(path_, ": unexpected bytes after the last record (wrong header counts?)");
  }

  const std::string& path() const { return path_; }

 private:
  void check_stream() {
    int code = Z_OK;
    const char* msg = gzerror(file_, &code);
    if (code != Z_OK && code != Z_STREAM_END) fail(path_, ": corrupt gzip data (", msg, ")");
  }

  std::string path_;
  gzFile file_ = nullptr;
};

std::string find_file(const std::string& dir, const std::string& prefix, const std::string& kind) {
  // kind is "images-idx3" or "labels-idx1"; some archives spell the files "train-images.idx3-ubyte".
  const std::string dotted = kind.substr(0, kind.find('-')) + "." + kind.substr(kind.find('-') + 1);
  std::string tried;
  for (const std::string& stem : {prefix + "-" + kind + "-ubyte", prefix + "-" + dotted + "-ubyte"}) {
    for (const char* ext : {".gz", ""}) {
      const std::string path = dir + "/" + stem + ext;
      std::error_code ec;
      if (std::filesystem::is_regular_file(path, ec)) return path;
      tried += (tried.empty() ? "" : ", ") + path;
    }
  }
  fail(dir, ": missing IDX file for ", prefix, " ", kind.substr(0, kind.find('-')), " (tried ", tried, ")");
}

void check_magic(const GzFile& f, uint32_t magic, uint32_t expected, const char* kind) {
  if (magic == expected) return;
  char got[16], want[16];
  std::snprintf(got, sizeof got, "0x%08X", magic);
  std::snprintf(want, sizeof want, "0x%08X", expected);
  fail(f.path(), ": not an IDX ", kind, " file (magic ", got, ", expected ", want, ")");
}

// Reads one split's image and label files into set (labels not yet range-checked).
void read_split(const std::string& dir, const std::string& prefix, int64_t limit, ImageSet& set) {
  GzFile images(find_file(dir, prefix, "images-idx3"));
  GzFile labels(find_file(dir, prefix, "labels-idx1"));

  std::array<unsigned char, 16> ih{};
  images.read_exact(ih.data(), 4, "the header");
  check_magic(images, be32(ih.data()), kImageMagic, "image");
  images.read_exact(ih.data() + 4, 12, "the header");
  std::array<unsigned char, 8> lh{};
  labels.read_exact(lh.data(), 4, "the header");
  check_magic(labels, be32(lh.data()), kLabelMagic, "label");
  labels.read_exact(lh.data() + 4, 4, "the header");

  const uint32_t n = be32(ih.data() + 4), rows = be32(ih.data() + 8), cols = be32(ih.data() + 12);
  const uint32_t nl = be32(lh.data() + 4);
  FAASDL_CHECK(n <= INT32_MAX, images.path(), ": implausible image count ", n);
  FAASDL_CHECK(rows > 0 && cols > 0 && rows <= 65535 && cols <= 65535, images.path(), ": bad image size ", rows, "x",
               cols);
  FAASDL_CHECK(n == nl, images.path(), " holds ", n, " images but ", labels.path(), " holds ", nl, " labels");

  const int64_t keep = limit > 0 ? std::min<int64_t>(limit, n) : int64_t{n};
  set.n = keep;
  set.c = 1;
  set.h = static_cast<int>(rows);
  set.w = static_cast<int>(cols);
  set.pixels.resize(static_cast<size_t>(keep * set.image_size()));
  images.read_exact(set.pixels.data(), set.pixels.size(), "the image data");
  std::vector<uint8_t> raw(static_cast<size_t>(keep));
  labels.read_exact(raw.data(), raw.size(), "the label data");
  set.labels.assign(raw.begin(), raw.end());
  if (keep == int64_t{n}) {
    images.expect_end();
    labels.expect_end();
  }
}

void check_labels(const ImageSet& set, const std::string& path) {
  for (size_t i = 0; i < set.labels.size(); ++i) {
    FAASDL_CHECK(set.labels[i] < set.num_classes, path, ": label ", set.labels[i], " of record ", i, " is outside 0..",
                 set.num_classes - 1);
  }
}

}  // namespace

DataSplits load_idx(const std::string& dir, const LoadOptions& opts, const std::vector<std::string>& names) {
  std::error_code ec;
  FAASDL_CHECK(std::filesystem::is_directory(dir, ec), dir, ": no such directory");
  DataSplits splits;
  read_split(dir, "train", opts.limit, splits.train);
  read_split(dir, "t10k", opts.test_limit, splits.test);
  int num_classes = static_cast<int>(names.size());
  if (names.empty()) {
    int32_t top = 0;
    for (const auto* set : {&splits.train, &splits.test}) {
      for (int32_t l : set->labels) top = std::max(top, l);
    }
    num_classes = top + 1;
  }
  for (auto* set : {&splits.train, &splits.test}) {
    set->num_classes = num_classes;
    set->class_names = names;
  }
  check_labels(splits.train, find_file(dir, "train", "labels-idx1"));
  check_labels(splits.test, find_file(dir, "t10k", "labels-idx1"));
  return splits;
}

}  // namespace faasdl::data::detail
