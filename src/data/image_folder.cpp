// Image folders: ROOT/<class>/**/*.{jpg,jpeg,png}, classes sorted by folder name, files sorted by
// path. ROOT/train and ROOT/test are the two splits when both exist (with the same classes);
// otherwise a seeded, stratified fraction of every class is held out as the test split.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <filesystem>
#include <thread>

#include "core/rng.h"
#include "core/status.h"
#include "core/strings.h"
#include "data/detail/image_codec.h"
#include "data/detail/readers.h"

namespace faasdl::data::detail {
namespace {

namespace fs = std::filesystem;

// Files of one split, by class: files[k] are the sorted paths of class k.
using ClassFiles = std::vector<std::vector<std::string>>;

bool is_hidden(const fs::path& p) { return !p.filename().empty() && p.filename().string()[0] == '.'; }

bool is_image_name(const fs::path& p) {
  const std::string ext = to_lower(p.extension().string());
  return ext == ".jpg" || ext == ".jpeg" || ext == ".png";
}

std::vector<std::string> list_images(const fs::path& class_dir) {
  std::vector<std::string> files;
  std::error_code ec;
  fs::recursive_directory_iterator it(class_dir, fs::directory_options::none, ec), end;
  FAASDL_CHECK(!ec, class_dir.string(), ": cannot list (", ec.message(), ")");
  for (; it != end; it.increment(ec)) {
    FAASDL_CHECK(!ec, class_dir.string(), ": cannot list (", ec.message(), ")");
    const fs::path& p = it->path();
    if (is_hidden(p)) {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (it->is_directory(ec)) continue;
    FAASDL_CHECK(is_image_name(p), p.string(), ": not an image file (expected .jpg, .jpeg or .png)");
    files.push_back(p.string());
  }
  FAASDL_CHECK(!files.empty(), class_dir.string(), ": empty class folder (no .jpg, .jpeg or .png files)");
  std::sort(files.begin(), files.end());
  return files;
}

// Class names (sorted) and their files under root.
void scan_classes(const fs::path& root, std::vector<std::string>& names, ClassFiles& files) {
  std::error_code ec;
  for (fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_directory(ec) && !is_hidden(it->path())) names.push_back(it->path().filename().string());
  }
  FAASDL_CHECK(!ec, root.string(), ": cannot list (", ec.message(), ")");
  FAASDL_CHECK(!names.empty(), root.string(), ": no class folders (expected ", root.string(), "/<class>/*.jpg)");
  std::sort(names.begin(), names.end());
  for (const auto& name : names) files.push_back(list_images(root / name));
}

// Moves a seeded fraction of every class from train to test, keeping file order in both.
void hold_out(ClassFiles& train, ClassFiles& test, double fraction, uint64_t seed) {
  test.assign(train.size(), {});
  for (size_t k = 0; k < train.size(); ++k) {
    auto& files = train[k];
    const int64_t count = static_cast<int64_t>(files.size());
    const int64_t held = std::min(count - 1, static_cast<int64_t>(std::llround(static_cast<double>(count) * fraction)));
    std::vector<int64_t> order(static_cast<size_t>(count));
    for (int64_t i = 0; i < count; ++i) order[static_cast<size_t>(i)] = i;
    Rng rng(mix_seed(seed, 0x686f6c646f7574ULL /* "holdout" */, k));
    rng.shuffle(order);
    std::vector<bool> to_test(static_cast<size_t>(count), false);
    for (int64_t i = 0; i < held; ++i) to_test[static_cast<size_t>(order[static_cast<size_t>(i)])] = true;
    std::vector<std::string> keep;
    for (int64_t i = 0; i < count; ++i) {
      auto& f = files[static_cast<size_t>(i)];
      (to_test[static_cast<size_t>(i)] ? test[k] : keep).push_back(std::move(f));
    }
    files = std::move(keep);
  }
}

// Keeps `limit` files chosen round-robin over the classes (the first of each class, then the
// second, ...), each class keeping its first files.
void apply_limit(ClassFiles& files, int64_t limit) {
  if (limit <= 0) return;
  std::vector<size_t> take(files.size(), 0);
  int64_t taken = 0;
  for (bool more = true; more && taken < limit;) {
    more = false;
    for (size_t k = 0; k < files.size() && taken < limit; ++k) {
      if (take[k] < files[k].size()) {
        ++take[k];
        ++taken;
        more = true;
      }
    }
  }
  for (size_t k = 0; k < files.size(); ++k) files[k].resize(take[k]);
}

struct Job {
  const std::string* path;
  uint8_t* dst;
};

struct Reference {
  std::string path;
  int c, h, w;
};

void check_like(const DecodedImage& img, const std::string& path, const Reference& ref, int channels) {
  if (img.h != ref.h || img.w != ref.w) {
    fail(path, ": image is ", img.w, "x", img.h, " pixels but ", ref.path, " is ", ref.w, "x", ref.h,
         "; all images of a data set must have the same size");
  }
  if (channels == 0 && img.c != ref.c) {
    fail(path, ": image has ", img.c, " channel(s) but ", ref.path, " has ", ref.c,
         "; all images must agree, or set LoadOptions.channels to 1 or 3 to convert them");
  }
}

// Decodes every job into its destination on `threads` threads; rethrows the error of the
// earliest failing job.
void decode_all(const std::vector<Job>& jobs, const Reference& ref, int channels, int threads) {
  constexpr size_t kChunk = 64;
  std::atomic<size_t> next{0};
  std::atomic<bool> stop{false};
  struct Failure {
    size_t job = SIZE_MAX;
    std::exception_ptr error;
  };
  std::vector<Failure> failures(static_cast<size_t>(threads));
  auto work = [&](Failure& failure) {
    DecodedImage img;
    std::string bytes;
    while (!stop.load(std::memory_order_relaxed)) {
      const size_t begin = next.fetch_add(kChunk);
      if (begin >= jobs.size()) return;
      for (size_t j = begin; j < std::min(jobs.size(), begin + kChunk); ++j) {
        try {
          read_bytes(*jobs[j].path, bytes);
          decode_image(bytes, *jobs[j].path, img);
          check_like(img, *jobs[j].path, ref, channels);
          to_planar(img, ref.c, jobs[j].dst);
        } catch (...) {
          failure = {j, std::current_exception()};
          stop = true;
          return;
        }
      }
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work, std::ref(failures[static_cast<size_t>(t)]));
  work(failures[0]);
  for (auto& t : pool) t.join();
  const auto first = std::min_element(failures.begin(), failures.end(),
                                      [](const Failure& a, const Failure& b) { return a.job < b.job; });
  if (first->error) std::rethrow_exception(first->error);
}

ImageSet make_set(const ClassFiles& files, const std::vector<std::string>& names, const Reference& ref) {
  ImageSet set;
  set.c = ref.c;
  set.h = ref.h;
  set.w = ref.w;
  set.num_classes = static_cast<int>(names.size());
  set.class_names = names;
  for (size_t k = 0; k < files.size(); ++k)
    set.labels.insert(set.labels.end(), files[k].size(), static_cast<int32_t>(k));
  set.n = static_cast<int64_t>(set.labels.size());
  set.pixels.resize(static_cast<size_t>(set.n * set.image_size()));
  return set;
}

void add_jobs(const ClassFiles& files, ImageSet& set, std::vector<Job>& jobs) {
  uint8_t* dst = set.pixels.data();
  for (const auto& cls : files) {
    for (const auto& path : cls) {
      jobs.push_back({&path, dst});
      dst += set.image_size();
    }
  }
}

}  // namespace

DataSplits load_image_folder(const std::string& dir, const LoadOptions& opts) {
  std::error_code ec;
  const fs::path root(dir);
  FAASDL_CHECK(fs::is_directory(root, ec), dir, ": no such directory");
  std::vector<std::string> names;
  ClassFiles train, test;
  const bool has_train = fs::is_directory(root / "train", ec), has_test = fs::is_directory(root / "test", ec);
  FAASDL_CHECK(has_train == has_test, dir, ": has a ", has_train ? "train/" : "test/", " folder but no ",
               has_train ? "test/" : "train/", " folder; give both splits or neither");
  if (has_train) {
    scan_classes(root / "train", names, train);
    std::vector<std::string> test_names;
    scan_classes(root / "test", test_names, test);
    FAASDL_CHECK(test_names == names, dir, ": the class folders of test/ (", test_names.size(),
                 ") differ from those of train/ (", names.size(), ")");
  } else {
    FAASDL_CHECK(opts.holdout >= 0.0 && opts.holdout < 1.0, dir, ": holdout must be in [0, 1), got ", opts.holdout);
    scan_classes(root, names, train);
    hold_out(train, test, opts.holdout, opts.seed);
  }
  apply_limit(train, opts.limit);
  apply_limit(test, opts.test_limit);

  // The first training image sets the size (and channels, unless converting) for all.
  const std::string& first = train.front().front();
  DecodedImage img;
  std::string bytes;
  read_bytes(first, bytes);
  decode_image(bytes, first, img);
  const Reference ref{first, opts.channels ? opts.channels : img.c, img.h, img.w};

  DataSplits splits{make_set(train, names, ref), make_set(test, names, ref), ""};
  std::vector<Job> jobs;
  add_jobs(train, splits.train, jobs);
  add_jobs(test, splits.test, jobs);
  int threads = opts.threads > 0 ? opts.threads : static_cast<int>(std::thread::hardware_concurrency());
  threads = std::clamp(threads, 1, static_cast<int>(jobs.size() / 256 + 1));
  decode_all(jobs, ref, opts.channels, threads);
  return splits;
}

}  // namespace faasdl::data::detail
