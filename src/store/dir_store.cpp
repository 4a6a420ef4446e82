// dir:PATH — one file per key under PATH. A put writes a temporary file in the key's directory,
// fsyncs it, renames it over the key and fsyncs the directory: readers and crashes see the old
// value or the new one, never a torn file.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <filesystem>
#include <system_error>

#include "core/strings.h"
#include "store/detail/backends.h"

namespace faasdl::store_detail {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kTempPrefix = ".faasdl.tmp.";

Status expired(const char* op, const std::string& key) {
  return make_status(Code::kDeadlineExceeded, "dir ", op, " ", key, ": deadline passed");
}

Status write_all(int fd, std::string_view bytes, const std::string& what) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_status(errno, what);
    }
    done += static_cast<size_t>(n);
  }
  return {};
}

Status fsync_dir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno_status(errno, "open directory " + dir);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return errno_status(err, "fsync directory " + dir);
  return {};
}

class DirStore final : public Store {
 public:
  DirStore(std::string root, bool fsync) : root_(std::move(root)), fsync_(fsync) {
    while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
  }

  Status put(const std::string& key, std::string_view bytes, Deadline deadline) override {
    if (deadline.expired()) return expired("put", key);
    if (Status v = validate_key(key); !v.ok()) return v;
    const std::string path = path_of(key);
    const std::string dir = fs::path(path).parent_path().string();
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return errno_status(ec.value(), str_cat(uri(), ": put ", key, ": create directory ", dir));
    const std::string tmp =
        str_cat(dir, "/", kTempPrefix, ::getpid(), ".", counter_.fetch_add(1, std::memory_order_relaxed));
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) return errno_status(errno, str_cat(uri(), ": put ", key, ": create ", tmp));
    Status s = write_all(fd, bytes, str_cat(uri(), ": put ", key, ": write"));
    if (s.ok() && fsync_ && ::fsync(fd) != 0) s = errno_status(errno, str_cat(uri(), ": put ", key, ": fsync"));
    if (::close(fd) != 0 && s.ok()) s = errno_status(errno, str_cat(uri(), ": put ", key, ": close"));
    if (s.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) {
      const int err = errno;
      s = err == EISDIR || err == ENOTEMPTY || err == EEXIST
              ? make_status(Code::kInvalidArgument, uri(), ": put ", key,
                            ": a directory of keys already uses this name")
              : errno_status(err, str_cat(uri(), ": put ", key, ": rename"));
    }
    if (!s.ok()) {
      ::unlink(tmp.c_str());
      return s;
    }
    if (fsync_) return fsync_dir(dir);
    return {};
  }

  Result<std::string> get(const std::string& key, Deadline deadline) override {
    if (deadline.expired()) return expired("get", key);
    if (Status v = validate_key(key); !v.ok()) return v;
    const std::string path = path_of(key);
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT || errno == ENOTDIR) return make_status(Code::kNotFound, uri(), ": no key '", key, "'");
      return errno_status(errno, str_cat(uri(), ": get ", key));
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      ::close(fd);
      return make_status(Code::kNotFound, uri(), ": no key '", key, "' (a directory of keys has that name)");
    }
    std::string out;
    out.resize(static_cast<size_t>(st.st_size));
    size_t done = 0;
    while (true) {
      if (done == out.size()) out.resize(out.size() + 65536);  // the file grew; read to the end
      const ssize_t n = ::read(fd, out.data() + done, out.size() - done);
      if (n < 0) {
        if (errno == EINTR) continue;
        const int err = errno;
        ::close(fd);
        return errno_status(err, str_cat(uri(), ": get ", key, ": read"));
      }
      if (n == 0) break;
      done += static_cast<size_t>(n);
    }
    ::close(fd);
    out.resize(done);
    return out;
  }

  Result<bool> exists(const std::string& key, Deadline deadline) override {
    if (deadline.expired()) return expired("exists", key);
    if (Status v = validate_key(key); !v.ok()) return v;
    struct stat st {};
    if (::stat(path_of(key).c_str(), &st) != 0) {
      if (errno == ENOENT || errno == ENOTDIR) return false;
      return errno_status(errno, str_cat(uri(), ": exists ", key));
    }
    return S_ISREG(st.st_mode);
  }

  Result<std::vector<std::string>> list(const std::string& prefix, Deadline deadline) override {
    if (deadline.expired()) return expired("list", prefix);
    if (Status v = validate_prefix(prefix); !v.ok()) return v;
    // Walk only the deepest directory the prefix names completely.
    const size_t slash = prefix.rfind('/');
    const std::string base_rel = slash == std::string::npos ? "" : prefix.substr(0, slash);
    const std::string base = base_rel.empty() ? root_ : root_ + "/" + base_rel;
    std::vector<std::string> keys;
    std::error_code ec;
    if (!fs::is_directory(base, ec)) return keys;
    fs::recursive_directory_iterator it(base, fs::directory_options::none, ec);
    if (ec) return errno_status(ec.value(), str_cat(uri(), ": list ", prefix));
    size_t seen = 0;
    for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) return errno_status(ec.value(), str_cat(uri(), ": list ", prefix));
      if (++seen % 256 == 0 && deadline.expired()) return expired("list", prefix);
      if (!it->is_regular_file(ec)) continue;
      if (starts_with(it->path().filename().string(), kTempPrefix)) continue;
      std::string rel = it->path().lexically_relative(root_).generic_string();
      if (starts_with(rel, prefix)) keys.push_back(std::move(rel));
    }
    std::sort(keys.begin(), keys.end());
    return keys;
  }

  Status remove(const std::string& key, Deadline deadline) override {
    if (deadline.expired()) return expired("remove", key);
    if (Status v = validate_key(key); !v.ok()) return v;
    const std::string path = path_of(key);
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return {};  // not a key
    if (::unlink(path.c_str()) != 0 && errno != ENOENT && errno != ENOTDIR) {
      return errno_status(errno, str_cat(uri(), ": remove ", key));
    }
    return {};
  }

  std::string uri() const override { return "dir:" + root_; }
  StoreStats stats() const override { return {}; }

 private:
  // Every method validates the key first (no "..", not absolute), even though open_store's
  // layer does too: a path escaping the root would be a security bug, not a wrong answer.
  std::string path_of(const std::string& key) const { return root_ + "/" + key; }

  std::string root_;
  bool fsync_;
  std::atomic<uint64_t> counter_{0};
};

}  // namespace

std::unique_ptr<Store> open_dir_store(const std::string& root, const StoreOptions& options) {
  return std::make_unique<DirStore>(root, options.dir_fsync);
}

}  // namespace faasdl::store_detail
