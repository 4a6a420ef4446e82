// The function side of Lambda: the Runtime API client loop.
//
// run_handler() polls GET /2018-06-01/runtime/invocation/next at $AWS_LAMBDA_RUNTIME_API, calls
// the handler with the event, and posts the result to .../{id}/response or .../{id}/error. The
// handler never sees HTTP. A binary whose main() calls run_handler is a valid `bootstrap` for
// Lambda's provided.al2023 runtime and a function for the local platform.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "core/clock.h"
#include "core/status.h"

namespace faasdl::faas {

// One event, as the Runtime API hands it over.
struct InvocationRequest {
  // The event body (JSON for the Invoke API).
  std::string payload;
  // Lambda-Runtime-Aws-Request-Id.
  std::string request_id;
  // Lambda-Runtime-Invoked-Function-Arn.
  std::string function_arn;
  // Lambda-Runtime-Trace-Id (X-Ray), "" when absent.
  std::string trace_id;
  // Lambda-Runtime-Client-Context, "" when absent.
  std::string client_context;
  // Lambda-Runtime-Deadline-Ms: the function's timeout as Unix ms.
  int64_t deadline_unix_ms = 0;
  // The same deadline on the steady clock, for calls made while handling the event.
  Deadline deadline = Deadline::never();

  // Milliseconds until the function times out (0 when past).
  int64_t remaining_ms() const { return deadline.remaining_ms(); }
};

// What the handler returns: a response, or an error that the caller sees as a function error.
struct InvocationResponse {
  // true: `payload` is the response; false: error_type / error_message describe a failure.
  bool success = true;
  std::string payload;
  std::string content_type = "application/json";
  // Lambda-Runtime-Function-Error-Type and the "errorType" field, e.g. "Handler.InvalidInput".
  std::string error_type;
  std::string error_message;

  static InvocationResponse ok(std::string payload, std::string content_type = "application/json");
  static InvocationResponse failure(std::string error_type, std::string error_message);
};

using Handler = std::function<InvocationResponse(const InvocationRequest&)>;

struct RuntimeOptions {
  // "host:port" of the Runtime API. Default "" = $AWS_LAMBDA_RUNTIME_API.
  std::string endpoint;
  // Tries per Runtime API call when the transport fails (refused, reset). Default 4.
  int max_attempts = 4;
  // Pause before the first retry, doubled after each, in ms. Default 50.
  int64_t retry_backoff_ms = 50;
  // Time limit of a response / error post, in ms. Default 30000.
  int64_t post_timeout_ms = 30000;
  // Stop after this many events (tests); -1 = run until the process is killed. Default -1.
  int64_t max_invocations = -1;
};

// Runs the loop. A handler that throws becomes a function error whose errorType is the
// exception's type name; std::bad_alloc is fatal (the process kills itself, as Lambda's
// out-of-memory kill does). Returns only when the Runtime API stays unreachable after the
// bounded retries, when it answers 500 (container error), or after max_invocations: 0 after
// max_invocations, 1 otherwise.
int run_handler(const Handler& handler, const RuntimeOptions& options = {});

// Reports a start-up failure to POST /runtime/init/error. The process should exit afterwards.
Status report_init_error(const std::string& error_type, const std::string& error_message,
                         const RuntimeOptions& options = {});

// {"errorMessage": ..., "errorType": ..., "stackTrace": []}, the body of an error post.
std::string error_json(const std::string& error_type, const std::string& error_message);

}  // namespace faasdl::faas
