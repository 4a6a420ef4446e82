#include "data/dataset.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/fs.h"
#include "core/status.h"
#include "core/strings.h"
#include "data/detail/readers.h"

namespace faasdl::data {
namespace {

constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

const std::vector<std::string>& fashion_mnist_classes() {
  static const std::vector<std::string> names = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                 "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  return names;
}

// "kind:DIR" -> DIR, or "" when spec does not start with kind and a colon.
std::string dir_of(const std::string& spec, std::string_view kind) {
  if (spec.size() <= kind.size() + 1 || !starts_with(spec, kind) || spec[kind.size()] != ':') return "";
  return spec.substr(kind.size() + 1);
}

}  // namespace

namespace detail {

void read_bytes(const std::string& path, std::string& out) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(path, ": cannot open (", std::strerror(errno), ")");
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    fail(path, ": not a regular file");
  }
  out.resize(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (done < out.size()) {
    const ssize_t got = ::read(fd, out.data() + done, out.size() - done);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      const int err = errno;
      ::close(fd);
      if (got == 0) fail(path, ": file shrank while being read");
      fail(path, ": read error (", std::strerror(err), ")");
    }
    done += static_cast<size_t>(got);
  }
  ::close(fd);
}

}  // namespace detail

DataSplits load_dataset(const std::string& spec, const LoadOptions& opts) {
  FAASDL_CHECK(opts.limit >= 0 && opts.test_limit >= 0, "dataset ", spec, ": limit and test_limit must be >= 0");
  FAASDL_CHECK(opts.channels == 0 || opts.channels == 1 || opts.channels == 3, "dataset ", spec,
               ": channels must be 0 (as stored), 1 or 3, got ", opts.channels);
  DataSplits splits;
  if (spec == "fashion-mnist") {
    FAASDL_CHECK(file_exists(kFashionMnistDir), "dataset fashion-mnist: ", kFashionMnistDir,
                 " is missing (apt-get install dataset-fashion-mnist)");
    splits = detail::load_idx(kFashionMnistDir, opts, fashion_mnist_classes());
  } else if (auto dir = dir_of(spec, "idx"); !dir.empty()) {
    splits = detail::load_idx(dir, opts, {});
  } else if (auto dir = dir_of(spec, "cifar10"); !dir.empty()) {
    splits = detail::load_cifar10(dir, opts);
  } else if (auto dir = dir_of(spec, "imagefolder"); !dir.empty()) {
    splits = detail::load_image_folder(dir, opts);
  } else {
    fail("unknown dataset '", spec, "': expected fashion-mnist, idx:DIR, cifar10:DIR or imagefolder:DIR");
  }
  splits.name = spec;
  validate(splits.train, spec + " (train split)");
  validate(splits.test, spec + " (test split)");
  return splits;
}

ImageSet subset(const ImageSet& set, std::span<const int64_t> indices) {
  ImageSet out;
  out.n = static_cast<int64_t>(indices.size());
  out.c = set.c;
  out.h = set.h;
  out.w = set.w;
  out.num_classes = set.num_classes;
  out.class_names = set.class_names;
  const size_t size = static_cast<size_t>(set.image_size());
  out.pixels.resize(size * indices.size());
  out.labels.resize(indices.size());
  for (size_t i = 0; i < indices.size(); ++i) {
    const int64_t k = indices[i];
    FAASDL_CHECK(k >= 0 && k < set.n, "subset: index ", k, " out of range for a set of ", set.n, " images");
    std::memcpy(out.pixels.data() + i * size, set.image(k), size);
    out.labels[i] = set.labels[static_cast<size_t>(k)];
  }
  return out;
}

void validate(const ImageSet& set, const std::string& what) {
  FAASDL_CHECK(set.n >= 0, what, ": negative image count ", set.n);
  FAASDL_CHECK(set.c > 0 && set.h > 0 && set.w > 0, what, ": bad image shape ", set.c, "x", set.h, "x", set.w);
  FAASDL_CHECK(set.num_classes > 0, what, ": num_classes must be positive, got ", set.num_classes);
  FAASDL_CHECK(static_cast<int64_t>(set.pixels.size()) == set.n * set.image_size(), what, ": ", set.pixels.size(),
               " pixel bytes for ", set.n, " images of ", set.c, "x", set.h, "x", set.w);
  FAASDL_CHECK(static_cast<int64_t>(set.labels.size()) == set.n, what, ": ", set.labels.size(), " labels for ", set.n,
               " images");
  FAASDL_CHECK(set.class_names.empty() || static_cast<int>(set.class_names.size()) == set.num_classes, what, ": ",
               set.class_names.size(), " class names for ", set.num_classes, " classes");
  for (size_t i = 0; i < set.labels.size(); ++i) {
    FAASDL_CHECK(set.labels[i] >= 0 && set.labels[i] < set.num_classes, what, ": label ", set.labels[i], " of image ",
                 i, " is outside 0..", set.num_classes - 1);
  }
}

}  // namespace faasdl::data
