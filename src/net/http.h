// A small HTTP/1.1 client with deadlines, URL and percent-encoding helpers, and bounded retries.
//
// Every request takes a Deadline: connect, write and read timeouts come from the time left, and
// a body that trickles in past the deadline is abandoned. Transport failures (refused, reset,
// TLS handshake) return Code::kUnavailable; running out of time returns kDeadlineExceeded. An
// HTTP error status is NOT a transport failure: http_send returns the response and the caller
// maps it with status_from_http() where it wants a Status.
//
// cpp-httplib 0.11 (the Debian build used here) percent-decodes header VALUES it receives, on
// the client and the server side alike; avoid '%' in header values that must arrive verbatim.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/status.h"

namespace faasdl::net {

// Header fields in the order they are sent; names compare case-insensitively, duplicates allowed.
using Headers = std::vector<std::pair<std::string, std::string>>;

// Value of the first header named `name` (case-insensitive), or "" when absent.
std::string find_header(const Headers& headers, std::string_view name);
// Replaces every header named `name` (case-insensitive) by one `name: value`.
void set_header(Headers& headers, std::string_view name, std::string_view value);

struct HttpRequest {
  std::string method = "GET";
  // Absolute URL: http://host:port/path?query or https://... . The path and query are sent
  // byte for byte as given, so they must already be percent-encoded (see uri_encode).
  std::string url;
  Headers headers;
  std::string body;

  std::string header(std::string_view name) const { return find_header(headers, name); }
  void set_header(std::string_view name, std::string_view value) {
    net::set_header(headers, name, value);
  }
};

struct HttpResponse {
  int status = 0;
  Headers headers;
  std::string body;

  // Value of the first header named `name` (case-insensitive), or "" when absent.
  std::string header(std::string_view name) const { return find_header(headers, name); }
};

// Per-client settings beyond the deadline. Defaults suit loopback services and AWS endpoints.
struct HttpOptions {
  // Verify the server certificate for https:// URLs (system CA store). Default true.
  bool verify_tls = true;
  // CA bundle file for https:// (PEM); empty = OpenSSL's default paths. Default "".
  std::string ca_file;
  // Upper bound on the connect phase even when the deadline is later, in ms. Default 10000.
  int64_t max_connect_ms = 10000;
};

// Sends one request on a fresh connection and reads the whole response.
// kInvalidArgument: malformed URL or unsupported scheme; kUnavailable: connection refused/reset,
// TLS failure; kDeadlineExceeded: the deadline passed before the response was complete.
Result<HttpResponse> http_send(const HttpRequest& request, Deadline deadline);
Result<HttpResponse> http_send(const HttpRequest& request, Deadline deadline,
                               const HttpOptions& options);

// Maps an HTTP status to a Code: 2xx/3xx kOk, 400 kInvalidArgument, 401/403 kPermissionDenied,
// 404 kNotFound, 408/504 kDeadlineExceeded, 409/412 kAlreadyExists, 413 kResourceExhausted,
// 429/5xx kUnavailable, other 4xx kInvalidArgument.
Code code_from_http(int status);
// ok() for 2xx/3xx; otherwise a Status with code_from_http and "<what>: HTTP <n>: <body prefix>".
Status status_from_http(const HttpResponse& response, std::string_view what);

// ---- URLs ----

struct Url {
  std::string scheme;  // "http" or "https", lowercased
  std::string host;    // name or address; IPv6 without brackets
  int port = 0;        // explicit port, or 80 / 443 from the scheme
  std::string path;    // raw (still percent-encoded), "/" when empty
  std::string query;   // raw, without '?', "" when none

  // "host" or "host:port" when the port differs from the scheme's default (the Host header).
  std::string host_header() const;
  // "scheme://host:port"
  std::string origin() const;
  // "path" or "path?query"
  std::string target() const;
};

// Parses "scheme://[user@]host[:port][/path][?query][#fragment]" (the fragment is dropped).
Result<Url> parse_url(std::string_view url);

// ---- Percent-encoding ----

// SigV4 / RFC 3986 encoding: keeps A-Z a-z 0-9 - _ . ~ (and '/' unless encode_slash), encodes
// every other byte as %XX with uppercase hex. Spaces become %20, never '+'.
std::string uri_encode(std::string_view s, bool encode_slash = true);
// Decodes %XX escapes (malformed escapes are kept as they are); '+' stays '+' unless
// plus_as_space (application/x-www-form-urlencoded).
std::string uri_decode(std::string_view s, bool plus_as_space = false);
// Splits a raw query "a=1&b&c=x%20y" into decoded (key, value) pairs in order; "b" -> ("b", "").
std::vector<std::pair<std::string, std::string>> parse_query(std::string_view query);
// Builds a raw query from decoded pairs, each part uri_encode()d: {{"a", "x y"}} -> "a=x%20y".
std::string build_query(const std::vector<std::pair<std::string, std::string>>& pairs);

// ---- Retries ----

struct RetryPolicy {
  // Total tries including the first; 1 = no retry. Default 4.
  int max_attempts = 4;
  // Pause before the second try, in ms; doubles (times `multiplier`) after each try. Default 50.
  int64_t initial_backoff_ms = 50;
  // Growth of the pause per try. Default 2.
  double multiplier = 2.0;
  // Longest pause, in ms. Default 2000.
  int64_t max_backoff_ms = 2000;
  // Each pause is drawn uniformly from [(1 - jitter) * p, p]; 0 = no jitter. Default 0.5.
  double jitter = 0.5;
};

// Pause before try number `attempt` + 1 (attempt >= 1), without jitter.
int64_t retry_backoff_ms(const RetryPolicy& policy, int attempt);

namespace detail {
inline const Status& status_of(const Status& s) { return s; }
template <typename T>
const Status& status_of(const Result<T>& r) { return r.status(); }
double retry_jitter_unit();  // uniform in [0, 1), thread-local generator
}  // namespace detail

// Calls f() (returning Status or Result<T>) until it succeeds, fails with a non-retryable
// Status, max_attempts is reached, or the next pause would end after `deadline`. Returns the
// last outcome.
template <typename F>
auto with_retries(const RetryPolicy& policy, Deadline deadline, F&& f) -> std::invoke_result_t<F&> {
  const int attempts = std::max(1, policy.max_attempts);
  for (int attempt = 1;; ++attempt) {
    auto outcome = f();
    const Status& s = detail::status_of(outcome);
    if (s.ok() || !s.retryable() || attempt >= attempts) return outcome;
    const int64_t full = retry_backoff_ms(policy, attempt);
    const double j = std::clamp(policy.jitter, 0.0, 1.0);
    const auto pause = static_cast<int64_t>(full * (1.0 - j * detail::retry_jitter_unit()));
    if (deadline.remaining_ms() <= pause) return outcome;
    std::this_thread::sleep_for(std::chrono::milliseconds(pause));
  }
}

template <typename F>
auto with_retries(const RetryPolicy& policy, F&& f) -> std::invoke_result_t<F&> {
  return with_retries(policy, Deadline::never(), std::forward<F>(f));
}

}  // namespace faasdl::net
