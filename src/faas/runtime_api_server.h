// The Lambda Runtime API as one sandbox sees it: a small HTTP server on 127.0.0.1 with an
// ephemeral port of its own (AWS_LAMBDA_RUNTIME_API=127.0.0.1:<port>), so the sandbox is known by
// the port it talks to.
//
//   GET  /2018-06-01/runtime/invocation/next           200 + event (long poll)
//   POST /2018-06-01/runtime/invocation/{id}/response  202 | 400 | 403 | 413 | 500
//   POST /2018-06-01/runtime/invocation/{id}/error     202 | 400 | 403 | 500
//   POST /2018-06-01/runtime/init/error                202 | 403 | 500
//
// An id that was never handed out gets 400 InvalidRequestID; a second result for the same id,
// or init/error after the first /next, gets 403 InvalidStateTransition.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "core/status.h"

namespace httplib {
class Server;
}

namespace faasdl::faas {

// An event handed to the runtime by GET /next.
struct Invocation {
  std::string request_id;
  std::string payload;
  std::string function_arn;
  std::string trace_id;
  std::string client_context;
  int64_t deadline_unix_ms = 0;
};

// What the runtime posted for an invocation.
struct RuntimeResult {
  // true: /response; false: /error or a response over the size limit.
  bool success = true;
  std::string body;
  std::string content_type = "application/json";
  // Lambda-Runtime-Function-Error-Type (or the body's errorType) for errors.
  std::string error_type;
};

// What the runtime posted to /init/error.
struct InitFailure {
  std::string error_type;
  std::string body;
};

class RuntimeApiServer {
 public:
  // max_response_bytes: larger responses get 413 and become a Function.ResponseSizeTooLarge
  // error (Lambda: 6 MB for synchronous invocations).
  explicit RuntimeApiServer(size_t max_response_bytes = 6 * 1024 * 1024);
  ~RuntimeApiServer();
  RuntimeApiServer(const RuntimeApiServer&) = delete;
  RuntimeApiServer& operator=(const RuntimeApiServer&) = delete;

  // Binds 127.0.0.1 on an ephemeral port and starts serving.
  Status start();
  // Wakes a pending /next with 500 and stops the server. Kill the runtime process first: the
  // server waits for its connections to close.
  void stop();
  int port() const { return port_; }

  // Hands an event to the runtime: the pending or next GET /next returns it.
  void submit(Invocation invocation);
  // Waits up to max_ms for the runtime to poll /next for the first time (init done) or to post
  // /init/error. Returns true when either happened.
  bool wait_init(int64_t max_ms);
  bool initialized() const;
  std::optional<InitFailure> init_failure() const;
  // Waits up to max_ms for the result of the submitted event; takes it (the server is then
  // ready for the next submit).
  std::optional<RuntimeResult> wait_result(int64_t max_ms);

 private:
  void install_routes();

  const size_t max_response_bytes_;
  std::unique_ptr<httplib::Server> server_;
  std::thread listener_;
  int port_ = 0;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool polled_ = false;  // a /next arrived: init is over
  std::optional<InitFailure> init_failure_;
  std::optional<Invocation> current_;
  bool delivered_ = false;
  std::optional<RuntimeResult> result_;
  std::deque<std::string> finished_ids_;  // recent ids whose result was posted
};

}  // namespace faasdl::faas
