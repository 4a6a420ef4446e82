// Store: blobs by key with deadlines, shared by the coordinator and the workers.
//
// Implementations, chosen by URI (open_store):
//   mem:            process-local map, private to this Store (unit tests)
//   mem:NAME        process-local map shared by every Store opened with the same NAME
//   dir:PATH        files under PATH; writes are atomic (temp file + fsync + rename)
//   redis://[user:pass@]host:port[/db[/prefix]]   Redis (hiredis); AUTH when a password is given
//   s3://bucket[/prefix]                          S3 REST API, path-style, SigV4 (service "s3")
//
// Keys are relative paths: non-empty segments separated by '/', no "." or "..", no leading
// '/', no NUL or backslash, at most 1024 bytes ("run/7/model/3"). A bad key is
// kInvalidArgument on every implementation, so code that works on mem: works on s3:.
//
// Every call takes a Deadline and is retried (StoreOptions::retry) on retryable errors
// (kUnavailable, kDeadlineExceeded while time remains, kResourceExhausted). No call blocks past
// its deadline. Stores are safe to use from several threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "net/http.h"
#include "net/sigv4.h"

namespace faasdl {

// Cumulative counters of one Store since it was opened. Only successful calls move the byte
// counters; `calls` counts every public call once, however many tries it took.
struct StoreStats {
  int64_t calls = 0;          // put/get/exists/list/remove calls
  int64_t puts = 0;
  int64_t gets = 0;
  int64_t errors = 0;         // calls that returned a non-ok status (kNotFound included)
  int64_t retries = 0;        // extra tries after a retryable failure
  int64_t bytes_written = 0;  // value bytes of successful puts
  int64_t bytes_read = 0;     // value bytes of successful gets
  double total_ms = 0;        // wall time spent inside calls, retries and pauses included
};

// Injected failures, for testing retries and error paths. All off by default.
struct FaultOptions {
  // Fail call number N (1-based, every call on the Store counts) and the fail_count - 1 calls
  // after it; 0 = off. Default 0.
  int64_t fail_nth_call = 0;
  // Number of consecutive calls failed from fail_nth_call on. Default 1.
  int64_t fail_count = 1;
  // Fail the first call on each distinct key that starts with this prefix (list: on each
  // distinct prefix argument); the next call on the same key goes through. "" = off. Default "".
  std::string fail_key_prefix;
  // Code of the injected failures. Default kUnavailable.
  Code code = Code::kUnavailable;

  bool enabled() const { return fail_nth_call > 0 || !fail_key_prefix.empty(); }
};

struct StoreOptions {
  // Time budget of a call made through the overloads without a Deadline, in ms. Default 30000.
  int64_t default_timeout_ms = 30000;
  // Bounded retry of retryable failures; every try shares the call's deadline.
  // Default: 4 tries, 50 ms initial pause doubling up to 2 s, 50 % jitter.
  net::RetryPolicy retry;
  // Failures injected beneath the retry layer (see FaultOptions); off by default.
  FaultOptions faults;

  // dir: fsync each file and its directory before the write counts as done. Default true.
  bool dir_fsync = true;

  // redis: connections kept open for reuse (one per concurrent call in flight). Default 8.
  int redis_max_idle_connections = 8;
  // redis: ask for TLS (same as a rediss:// URI). This build's hiredis (0.14) has no TLS, so a
  // TLS request fails with kInvalidArgument saying so. Default false.
  bool redis_tls = false;

  // s3: endpoint URL, e.g. "http://127.0.0.1:4569" for s3rver; "" = $AWS_ENDPOINT_URL_S3, then
  // $AWS_ENDPOINT_URL, then "https://s3.<region>.amazonaws.com". Default "".
  std::string s3_endpoint;
  // s3: region of the bucket and of the SigV4 scope; "" = $AWS_REGION, then
  // $AWS_DEFAULT_REGION, then "us-east-1". Default "".
  std::string s3_region;
  // s3: credentials; an empty access_key_id = AwsCredentials::from_env() at open.
  // s3rver accepts S3RVER / S3RVER. Default empty.
  net::AwsCredentials s3_credentials;
  // s3: virtual-hosted addressing (bucket.host) instead of path-style (host/bucket).
  // Default false (path-style, which s3rver and most S3-compatible servers need).
  bool s3_virtual_hosted = false;
  // s3: keys per ListObjectsV2 page (1..1000). Default 1000.
  int s3_max_keys = 1000;
  // s3: TLS settings for https endpoints.
  net::HttpOptions s3_http;
};

class Store {
 public:
  virtual ~Store() = default;

  // Writes `bytes` under `key`, replacing any previous value.
  virtual Status put(const std::string& key, std::string_view bytes, Deadline deadline) = 0;
  // Reads the value of `key`; kNotFound when there is none.
  virtual Result<std::string> get(const std::string& key, Deadline deadline) = 0;
  virtual Result<bool> exists(const std::string& key, Deadline deadline) = 0;
  // Every key starting with `prefix` (a plain string prefix, "" = all), sorted.
  virtual Result<std::vector<std::string>> list(const std::string& prefix, Deadline deadline) = 0;
  // Deletes `key`; deleting a missing key is ok (idempotent, like S3 DELETE).
  virtual Status remove(const std::string& key, Deadline deadline) = 0;
  // The URI this Store was opened with, without any password.
  virtual std::string uri() const = 0;
  virtual StoreStats stats() const = 0;

  // The same calls with a deadline of StoreOptions::default_timeout_ms from now.
  Status put(const std::string& key, std::string_view bytes) { return put(key, bytes, default_deadline()); }
  Result<std::string> get(const std::string& key) { return get(key, default_deadline()); }
  Result<bool> exists(const std::string& key) { return exists(key, default_deadline()); }
  Result<std::vector<std::string>> list(const std::string& prefix) { return list(prefix, default_deadline()); }
  Status remove(const std::string& key) { return remove(key, default_deadline()); }

  Deadline default_deadline() const { return Deadline::after_ms(default_timeout_ms_); }

 protected:
  int64_t default_timeout_ms_ = 30000;
};

// Opens a Store by URI (see the top of this file). Connections are made on first use, so this
// does not block. Throws Error for a malformed URI, an unknown scheme, a TLS redis request, or
// s3 without credentials.
std::unique_ptr<Store> open_store(const std::string& uri, const StoreOptions& options = {});

// Wraps `inner` so that the calls chosen by `faults` fail without reaching it; other calls and
// stats() pass through. open_store applies StoreOptions::faults beneath its retries; this
// wrapper, applied on top, shows failures to the caller as they are.
// For callers that treat a failed store call as fatal: put / get within timeout_ms, or throw
// Error("store <uri>: writing|reading <key> failed: <status>").
void put_or_throw(Store& store, const std::string& key, std::string_view bytes, int64_t timeout_ms);
std::string get_or_throw(Store& store, const std::string& key, int64_t timeout_ms);

std::unique_ptr<Store> with_faults(std::unique_ptr<Store> inner, FaultOptions faults);

// kOk when `key` is a valid key, else kInvalidArgument naming the problem.
Status validate_key(std::string_view key);
// Same rules for a list prefix, which may also be empty or end with '/'.
Status validate_prefix(std::string_view prefix);

}  // namespace faasdl
