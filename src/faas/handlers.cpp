#include "faas/handlers.h"

#include <map>
#include <mutex>

namespace faasdl::faas {
namespace {

struct Registry {
  std::mutex mu;
  std::map<std::string, Handler> handlers = {{"echo", &echo_handler}};
};

Registry& registry() {
  static Registry r;
  return r;
}

}  // namespace

void register_handler(const std::string& name, Handler handler) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  r.handlers[name] = std::move(handler);
}

std::optional<Handler> find_handler(const std::string& name) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  auto it = r.handlers.find(name);
  if (it == r.handlers.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> handler_names() {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  std::vector<std::string> names;
  for (const auto& [name, fn] : r.handlers) names.push_back(name);
  return names;
}

HandlerRegistrar::HandlerRegistrar(const char* name, Handler handler) { register_handler(name, std::move(handler)); }

InvocationResponse echo_handler(const InvocationRequest& request) { return InvocationResponse::ok(request.payload); }

}  // namespace faasdl::faas
