// The embedded Lambda-compatible platform: the Invoke API on 127.0.0.1, sandboxes as real child
// processes speaking the Runtime API, Lambda's limits and error shapes, and per-invocation
// billing. The trainer starts one in-process; `faasdl platform serve` runs one standalone.
//
// HTTP surface (all JSON):
//   POST /2015-03-31/functions/{name}/invocations   Invoke (RequestResponse 200, Event 202,
//        DryRun 204); headers X-Amz-Invocation-Type, X-Amz-Log-Type: Tail, X-Amz-Client-Context;
//        answers carry x-amzn-RequestId, X-Amz-Executed-Version, X-Amz-Function-Error,
//        X-Amz-Log-Result and X-Faasdl-Billing (the BillingRecord as one-line JSON).
//   GET  /2015-03-31/functions/                      ListFunctions (subset)
//   GET  /faasdl/billing?since=N                     {"records": [...], "next": M}
//   GET  /faasdl/async?since=N                       outcomes of Event invocations
//   GET  /faasdl/health                              {"status": "ok"}
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "faas/billing.h"
#include "faas/function_config.h"

namespace faasdl::faas {

struct PlatformCredentials {
  std::string access_key_id;
  std::string secret_access_key;
};

struct PlatformOptions {
  // Listen address; only loopback addresses are accepted. Default "127.0.0.1".
  std::string host = "127.0.0.1";
  // Invoke API port; 0 = an ephemeral port (see LocalPlatform::port()). Default 0.
  int port = 0;
  // Functions to register; a function named like a default one replaces it. Default none.
  std::vector<FunctionConfig> functions;
  // Register "worker" (<faasdl> worker) and "echo" (<faasdl> worker --handler echo).
  // Default true.
  bool register_defaults = true;
  // The faasdl binary the default functions run; "" = $FAASDL_BIN, else this process when it
  // is faasdl. Without one the defaults are skipped (logged). Default "".
  std::string faasdl_binary;
  // Memory (MB) and timeout (s) of the default functions. Default 1769 (one vCPU) / 900.
  int default_memory_mb = 1769;
  int default_timeout_s = 900;
  // Concurrent executions across all functions (the account limit). Default 64.
  int max_concurrency = 64;
  // A warm sandbox idle this long is stopped, in ms. Default 300000 (5 min).
  int64_t idle_timeout_ms = 300000;
  // Longest init (spawn until the first /next), in ms; Lambda's is 10 s. Default 10000.
  int64_t init_timeout_ms = 10000;
  // When set, every request must carry a valid SigV4 signature (service "lambda") made with
  // these keys; otherwise 403. Unset: taken from env FAASDL_PLATFORM_ACCESS_KEY and
  // FAASDL_PLATFORM_SECRET_KEY when both are set; else unsigned requests are accepted (loopback
  // only) and start() logs that. Default none.
  std::optional<PlatformCredentials> credentials;
  // Region in ARNs and the sandbox's AWS_REGION. Default "us-east-1".
  std::string region = "us-east-1";
  // Account id in ARNs. Default "000000000000".
  std::string account_id = "000000000000";
  // Prices for billing records. Default Lambda's us-east-1 prices.
  Prices prices;
  // Pauses before the retries of a failed Event invocation, in ms (Lambda: about 1 and 2 min).
  // Default {60000, 120000}.
  std::vector<int64_t> async_retry_delays_ms = {60000, 120000};
  // An Event that could not run (throttled) for this long is dropped, in ms. Default 21600000 (6 h).
  int64_t async_max_event_age_ms = 21600000;
  // Threads that run queued Event invocations. Default 4.
  int async_workers = 4;
  // Largest synchronous payload / response in bytes. Default 6291456 (6 MB).
  size_t max_sync_payload = 6 * 1024 * 1024;
  // Largest Event payload in bytes. Default 262144 (256 KB).
  size_t max_async_payload = 256 * 1024;
  // Apply RLIMIT_DATA = memory size to sandboxes. Default true (off in ASan/TSan builds, whose
  // shadow memory cannot live under such a limit).
  bool enforce_memory_limit = true;
  // Copy function output and START/END/REPORT lines to this process's stderr. Default false.
  bool forward_function_logs = false;
  // Cores for the CPU-share rule; 0 = std::thread::hardware_concurrency(). Default 0.
  int cores = 0;
  // Billing records kept in memory (oldest dropped first). Default 100000.
  size_t max_billing_records = 100000;
};

// Options of one in-process invocation, mirroring the Invoke API headers.
struct InvokeOptions {
  // "RequestResponse", "Event" or "DryRun". Default "RequestResponse".
  std::string invocation_type = "RequestResponse";
  // Return the last 4 KB of the invocation's log (X-Amz-Log-Type: Tail). Default false.
  bool log_tail = false;
  // Base64 client context handed to the function. Default "".
  std::string client_context;
  // "" or "$LATEST"; other qualifiers are not found. Default "".
  std::string qualifier;
};

// The answer to one invocation, as the Invoke API would send it.
struct PlatformResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::string request_id;
  // "Unhandled" for function errors (status stays 200), else "".
  std::string function_error;
  // x-amzn-ErrorType for errors of the API itself (non-2xx), e.g. "TooManyRequestsException".
  std::string error_type;
  // Retry-After in seconds (429 only).
  int retry_after_s = 0;
  // Last 4 KB of the invocation's log, decoded (when log_tail was asked).
  std::string log_tail;
  std::optional<BillingRecord> billing;
};

// The final state of one Event invocation (Lambda's destination record, in short).
struct AsyncOutcome {
  std::string request_id;
  std::string function;
  // "Success", "RetriesExhausted" or "EventAgeExceeded".
  std::string condition;
  // Attempts made (1 + retries).
  int attempts = 0;
  // The last response or error body, and the error type when it failed.
  std::string response;
  std::string error_type;
  int64_t finished_unix_ms = 0;
  Json to_json() const;
};

struct PlatformStats {
  int64_t cold_starts = 0;
  int64_t warm_starts = 0;
  int64_t throttles = 0;
  int sandboxes = 0;  // live sandboxes, idle or busy
};

class LocalPlatform {
 public:
  explicit LocalPlatform(PlatformOptions options = {});
  ~LocalPlatform();  // stop()
  LocalPlatform(const LocalPlatform&) = delete;
  LocalPlatform& operator=(const LocalPlatform&) = delete;

  // Registers the functions, binds the port and starts serving. kInvalidArgument for a
  // non-loopback host or a bad function, kUnavailable when the port is taken. Sets SIGPIPE to
  // ignored for the process (a caller hanging up must not kill it).
  Status start();
  // Stops serving, kills every sandbox and waits for the threads. Idempotent.
  void stop();
  int port() const;
  // "http://127.0.0.1:<port>", for Invoker endpoints and AWS_ENDPOINT_URL.
  std::string endpoint() const;

  // Adds or replaces a function (also while running; warm sandboxes of the old one are dropped).
  Status register_function(FunctionConfig function);
  std::vector<FunctionConfig> functions() const;

  // Invokes without HTTP, with the same rules and answers as the Invoke API.
  PlatformResponse invoke(const std::string& function, std::string_view payload, const InvokeOptions& options = {});

  // Every billing record so far (bounded by max_billing_records), oldest first.
  std::vector<BillingRecord> billing_records() const;
  // Called after each invocation with its record (from the invoking thread). Default none.
  void set_billing_callback(std::function<void(const BillingRecord&)> callback);
  std::vector<AsyncOutcome> async_outcomes() const;
  // Waits until no Event invocation is queued or running; false when the deadline passed.
  bool wait_async_idle(Deadline deadline) const;
  PlatformStats stats() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace faasdl::faas
