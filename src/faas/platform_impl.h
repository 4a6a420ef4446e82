// Internal state of LocalPlatform, shared by platform.cpp (scheduling, sandboxes, billing,
// Event queue) and invoke_api.cpp (the HTTP surface). Not a public header.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "faas/platform.h"
#include "faas/sandbox.h"

namespace httplib {
class Server;
}

namespace faasdl::faas {

struct LocalPlatform::Impl {
  explicit Impl(PlatformOptions o);

  // Validates, then runs (RequestResponse), queues (Event) or checks (DryRun).
  PlatformResponse invoke(const std::string& function, std::string_view payload, const InvokeOptions& options);
  // Runs one event on a warm or new sandbox; the caller has validated the request.
  PlatformResponse execute(const std::string& function, std::string_view payload, const std::string& request_id,
                           const std::string& client_context, bool log_tail);
  Status register_function(FunctionConfig function);
  std::string function_arn(const std::string& name) const;
  void destroy(std::vector<std::unique_ptr<Sandbox>> sandboxes);
  void async_worker();
  void reaper();
  void record(const BillingRecord& record);
  void install_http_routes();  // invoke_api.cpp

  struct Function {
    FunctionConfig config;
    int in_flight = 0;
    uint64_t generation = 0;
    std::vector<std::unique_ptr<Sandbox>> idle;  // most recently used last
  };
  struct Event {
    std::string request_id;
    std::string function;
    std::string payload;
    std::string client_context;
    int attempts = 0;
    int throttles = 0;
    int64_t enqueued_ms = 0;
  };

  PlatformOptions opt;
  SandboxSettings settings;

  mutable std::mutex mu;
  std::condition_variable wake;              // Event queue, reaper, stop
  mutable std::condition_variable async_cv;  // Event queue drained
  std::atomic<bool> running{false};
  std::atomic<bool> stopping{false};
  std::map<std::string, Function> functions;
  int total_in_flight = 0;
  std::set<Sandbox*> live;
  PlatformStats stats;

  std::deque<BillingRecord> billing;
  uint64_t billing_dropped = 0;  // records dropped from the front (keeps "since" indices stable)
  std::function<void(const BillingRecord&)> billing_callback;

  std::multimap<int64_t, Event> queue;  // by due time, steady ms
  int async_running = 0;
  std::vector<AsyncOutcome> outcomes;

  std::vector<std::thread> threads;
  std::unique_ptr<httplib::Server> server;
  std::thread listener;
  int port = 0;
};

// Milliseconds on the steady clock.
int64_t steady_ms();

}  // namespace faasdl::faas
