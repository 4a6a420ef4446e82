// mem: and mem:NAME — a map in this process.
#include <map>
#include <mutex>
#include <shared_mutex>

#include "core/strings.h"
#include "store/detail/backends.h"

namespace faasdl::store_detail {
namespace {

struct MemSpace {
  std::shared_mutex mu;
  std::map<std::string, std::string, std::less<>> blobs;
};

// Named spaces live as long as the process, so data survives closing and reopening a Store.
std::shared_ptr<MemSpace> named_space(const std::string& name) {
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<MemSpace>> spaces;
  std::lock_guard<std::mutex> lock(mu);
  auto& slot = spaces[name];
  if (!slot) slot = std::make_shared<MemSpace>();
  return slot;
}

Status expired(const char* op, const std::string& key) {
  return make_status(Code::kDeadlineExceeded, "mem ", op, " ", key, ": deadline passed");
}

class MemStore final : public Store {
 public:
  explicit MemStore(const std::string& name)
      : name_(name), space_(name.empty() ? std::make_shared<MemSpace>() : named_space(name)) {}

  Status put(const std::string& key, std::string_view bytes, Deadline deadline) override {
    if (deadline.expired()) return expired("put", key);
    std::unique_lock lock(space_->mu);
    space_->blobs.insert_or_assign(key, std::string(bytes));
    return {};
  }

  Result<std::string> get(const std::string& key, Deadline deadline) override {
    if (deadline.expired()) return expired("get", key);
    std::shared_lock lock(space_->mu);
    auto it = space_->blobs.find(key);
    if (it == space_->blobs.end()) return make_status(Code::kNotFound, uri(), ": no key '", key, "'");
    return it->second;
  }

  Result<bool> exists(const std::string& key, Deadline deadline) override {
    if (deadline.expired()) return expired("exists", key);
    std::shared_lock lock(space_->mu);
    return space_->blobs.count(key) > 0;
  }

  Result<std::vector<std::string>> list(const std::string& prefix, Deadline deadline) override {
    if (deadline.expired()) return expired("list", prefix);
    std::shared_lock lock(space_->mu);
    std::vector<std::string> keys;
    for (auto it = space_->blobs.lower_bound(prefix); it != space_->blobs.end() && starts_with(it->first, prefix); ++it) {
      keys.push_back(it->first);
    }
    return keys;
  }

  Status remove(const std::string& key, Deadline deadline) override {
    if (deadline.expired()) return expired("remove", key);
    std::unique_lock lock(space_->mu);
    space_->blobs.erase(key);
    return {};
  }

  std::string uri() const override { return "mem:" + name_; }
  StoreStats stats() const override { return {}; }

 private:
  std::string name_;
  std::shared_ptr<MemSpace> space_;
};

}  // namespace

std::unique_ptr<Store> open_mem_store(const std::string& name) { return std::make_unique<MemStore>(name); }

}  // namespace faasdl::store_detail
