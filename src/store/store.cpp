// open_store, key validation, the retrying and counting layer, and the fault injector.
#include "store/store.h"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <set>

#include "core/strings.h"
#include "store/detail/backends.h"

namespace faasdl {

// ---- Keys ----

namespace {

constexpr size_t kMaxKeyBytes = 1024;

Status check_segments(std::string_view text, std::string_view what, bool allow_trailing_slash) {
  if (text.size() > kMaxKeyBytes) {
    return make_status(Code::kInvalidArgument, what, " is longer than ", kMaxKeyBytes, " bytes");
  }
  if (text.front() == '/') {
    return make_status(Code::kInvalidArgument, what, " '", text, "' is absolute (starts with '/')");
  }
  for (char c : text) {
    if (c == '\0') return make_status(Code::kInvalidArgument, what, " holds a NUL byte");
    if (c == '\\') return make_status(Code::kInvalidArgument, what, " '", text, "' holds a backslash");
  }
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('/', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view seg = text.substr(start, end - start);
    const bool last = end == text.size();
    if (seg.empty() && !(last && allow_trailing_slash)) {
      return make_status(Code::kInvalidArgument, what, " '", text, "' has an empty path segment");
    }
    if (seg == "." || seg == "..") {
      return make_status(Code::kInvalidArgument, what, " '", text, "' has a '", seg, "' segment");
    }
    if (starts_with(seg, ".faasdl.tmp.")) {
      return make_status(Code::kInvalidArgument, what, " '", text, "' uses the reserved '.faasdl.tmp.' prefix");
    }
    if (last) break;
    start = end + 1;
  }
  return {};
}

}  // namespace

Status validate_key(std::string_view key) {
  if (key.empty()) return Status(Code::kInvalidArgument, "store key is empty");
  return check_segments(key, "store key", false);
}

Status validate_prefix(std::string_view prefix) {
  if (prefix.empty()) return {};
  // The last segment of a prefix may be partial ("run/1/wor"), but never "." or "..".
  return check_segments(prefix, "store list prefix", true);
}

namespace store_detail {

Status errno_status(int err, const std::string& what) {
  Code code = Code::kInternal;
  switch (err) {
    case ENOENT: code = Code::kNotFound; break;
    case EACCES:
    case EPERM:
    case EROFS: code = Code::kPermissionDenied; break;
    case ENOSPC:
    case EDQUOT:
    case EMFILE:
    case ENFILE: code = Code::kResourceExhausted; break;
    case ENOTDIR:
    case EISDIR:
    case ENAMETOOLONG:
    case EEXIST: code = Code::kInvalidArgument; break;
    case EINTR:
    case EAGAIN: code = Code::kUnavailable; break;
    case EIO: code = Code::kDataLoss; break;
    default: break;
  }
  return make_status(code, what, ": ", std::strerror(err));
}

}  // namespace store_detail

// ---- Retries, validation and counters around a raw backend ----

namespace {

class CountingStore final : public Store {
 public:
  CountingStore(std::unique_ptr<Store> inner, const StoreOptions& options)
      : inner_(std::move(inner)), retry_(options.retry) {
    default_timeout_ms_ = options.default_timeout_ms;
  }

  Status put(const std::string& key, std::string_view bytes, Deadline deadline) override {
    Stopwatch sw;
    puts_.fetch_add(1, std::memory_order_relaxed);
    Status s = validate_key(key);
    if (s.ok()) s = retried(deadline, [&] { return inner_->put(key, bytes, deadline); });
    if (s.ok()) bytes_written_.fetch_add(static_cast<int64_t>(bytes.size()), std::memory_order_relaxed);
    finish(s, sw);
    return s;
  }

  Result<std::string> get(const std::string& key, Deadline deadline) override {
    Stopwatch sw;
    gets_.fetch_add(1, std::memory_order_relaxed);
    Status v = validate_key(key);
    Result<std::string> r = v.ok() ? retried(deadline, [&] { return inner_->get(key, deadline); })
                                   : Result<std::string>(v);
    if (r.ok()) bytes_read_.fetch_add(static_cast<int64_t>(r->size()), std::memory_order_relaxed);
    finish(r.status(), sw);
    return r;
  }

  Result<bool> exists(const std::string& key, Deadline deadline) override {
    Stopwatch sw;
    Status v = validate_key(key);
    Result<bool> r = v.ok() ? retried(deadline, [&] { return inner_->exists(key, deadline); }) : Result<bool>(v);
    finish(r.status(), sw);
    return r;
  }

  Result<std::vector<std::string>> list(const std::string& prefix, Deadline deadline) override {
    Stopwatch sw;
    Status v = validate_prefix(prefix);
    using R = Result<std::vector<std::string>>;
    R r = v.ok() ? retried(deadline, [&] { return inner_->list(prefix, deadline); }) : R(v);
    finish(r.status(), sw);
    return r;
  }

  Status remove(const std::string& key, Deadline deadline) override {
    Stopwatch sw;
    Status s = validate_key(key);
    if (s.ok()) s = retried(deadline, [&] { return inner_->remove(key, deadline); });
    finish(s, sw);
    return s;
  }

  std::string uri() const override { return inner_->uri(); }

  StoreStats stats() const override {
    StoreStats s;
    s.calls = calls_.load(std::memory_order_relaxed);
    s.puts = puts_.load(std::memory_order_relaxed);
    s.gets = gets_.load(std::memory_order_relaxed);
    s.errors = errors_.load(std::memory_order_relaxed);
    s.retries = retries_.load(std::memory_order_relaxed);
    s.bytes_written = bytes_written_.load(std::memory_order_relaxed);
    s.bytes_read = bytes_read_.load(std::memory_order_relaxed);
    s.total_ms = static_cast<double>(total_us_.load(std::memory_order_relaxed)) / 1e3;
    return s;
  }

 private:
  template <typename F>
  auto retried(Deadline deadline, F&& f) -> std::invoke_result_t<F&> {
    int tries = 0;
    auto out = net::with_retries(retry_, deadline, [&] {
      ++tries;
      return f();
    });
    if (tries > 1) retries_.fetch_add(tries - 1, std::memory_order_relaxed);
    return out;
  }

  void finish(const Status& s, const Stopwatch& sw) {
    calls_.fetch_add(1, std::memory_order_relaxed);
    if (!s.ok()) errors_.fetch_add(1, std::memory_order_relaxed);
    total_us_.fetch_add(static_cast<int64_t>(sw.seconds() * 1e6), std::memory_order_relaxed);
  }

  std::unique_ptr<Store> inner_;
  net::RetryPolicy retry_;
  std::atomic<int64_t> calls_{0}, puts_{0}, gets_{0}, errors_{0}, retries_{0};
  std::atomic<int64_t> bytes_written_{0}, bytes_read_{0}, total_us_{0};
};

// ---- Fault injection ----

class FaultStore final : public Store {
 public:
  FaultStore(std::unique_ptr<Store> inner, FaultOptions faults) : inner_(std::move(inner)), faults_(std::move(faults)) {
    default_timeout_ms_ = 30000;
  }

  Status put(const std::string& key, std::string_view bytes, Deadline deadline) override {
    if (Status f = maybe_fail("put", key); !f.ok()) return f;
    return inner_->put(key, bytes, deadline);
  }
  Result<std::string> get(const std::string& key, Deadline deadline) override {
    if (Status f = maybe_fail("get", key); !f.ok()) return f;
    return inner_->get(key, deadline);
  }
  Result<bool> exists(const std::string& key, Deadline deadline) override {
    if (Status f = maybe_fail("exists", key); !f.ok()) return f;
    return inner_->exists(key, deadline);
  }
  Result<std::vector<std::string>> list(const std::string& prefix, Deadline deadline) override {
    if (Status f = maybe_fail("list", prefix); !f.ok()) return f;
    return inner_->list(prefix, deadline);
  }
  Status remove(const std::string& key, Deadline deadline) override {
    if (Status f = maybe_fail("remove", key); !f.ok()) return f;
    return inner_->remove(key, deadline);
  }
  std::string uri() const override { return inner_->uri(); }
  StoreStats stats() const override { return inner_->stats(); }

  void set_default_timeout_ms(int64_t ms) { default_timeout_ms_ = ms; }

 private:
  Status maybe_fail(const char* op, const std::string& key) {
    const int64_t n = ++calls_;
    if (faults_.fail_nth_call > 0 && n >= faults_.fail_nth_call &&
        n < faults_.fail_nth_call + std::max<int64_t>(1, faults_.fail_count)) {
      return make_status(faults_.code, "injected fault: ", op, " ", key, " (call ", n, ")");
    }
    if (!faults_.fail_key_prefix.empty() && starts_with(key, faults_.fail_key_prefix)) {
      std::lock_guard<std::mutex> lock(mu_);
      if (failed_keys_.insert(key).second) {
        return make_status(faults_.code, "injected fault: ", op, " ", key, " (first call on this key)");
      }
    }
    return {};
  }

  std::unique_ptr<Store> inner_;
  const FaultOptions faults_;
  std::atomic<int64_t> calls_{0};
  std::mutex mu_;
  std::set<std::string> failed_keys_;
};

}  // namespace

std::unique_ptr<Store> with_faults(std::unique_ptr<Store> inner, FaultOptions faults) {
  FAASDL_CHECK(inner != nullptr, "with_faults: no store to wrap");
  const int64_t timeout = inner->default_deadline().remaining_ms();
  auto out = std::make_unique<FaultStore>(std::move(inner), std::move(faults));
  out->set_default_timeout_ms(timeout);
  return out;
}

std::unique_ptr<Store> open_store(const std::string& uri, const StoreOptions& options) {
  FAASDL_CHECK(options.default_timeout_ms > 0, "StoreOptions.default_timeout_ms must be positive, got ",
               options.default_timeout_ms);
  FAASDL_CHECK(options.retry.max_attempts >= 1, "StoreOptions.retry.max_attempts must be at least 1, got ",
               options.retry.max_attempts);
  std::unique_ptr<Store> raw;
  if (uri == "mem:" || starts_with(uri, "mem:")) {
    raw = store_detail::open_mem_store(uri.substr(4));
  } else if (starts_with(uri, "dir:")) {
    const std::string root = uri.substr(4);
    FAASDL_CHECK(!root.empty(), "store URI '", uri, "': dir: needs a path, e.g. dir:/tmp/store");
    raw = store_detail::open_dir_store(root, options);
  } else if (starts_with(uri, "redis://")) {
    raw = store_detail::open_redis_store(uri.substr(8), options.redis_tls, options);
  } else if (starts_with(uri, "rediss://")) {
    raw = store_detail::open_redis_store(uri.substr(9), true, options);
  } else if (starts_with(uri, "s3://")) {
    raw = store_detail::open_s3_store(uri.substr(5), options);
  } else {
    fail("store URI '", uri, "': unknown scheme (expected mem:, dir:PATH, redis://host:port/db or s3://bucket/prefix)");
  }
  if (options.faults.enabled()) raw = with_faults(std::move(raw), options.faults);
  return std::make_unique<CountingStore>(std::move(raw), options);
}

void put_or_throw(Store& store, const std::string& key, std::string_view bytes, int64_t timeout_ms) {
  const Status s = store.put(key, bytes, Deadline::after_ms(timeout_ms));
  if (!s.ok()) fail("store ", store.uri(), ": writing ", key, " failed: ", s.to_string());
}

std::string get_or_throw(Store& store, const std::string& key, int64_t timeout_ms) {
  auto r = store.get(key, Deadline::after_ms(timeout_ms));
  if (!r.ok()) fail("store ", store.uri(), ": reading ", key, " failed: ", r.status().to_string());
  return std::move(r).value();
}

}  // namespace faasdl
