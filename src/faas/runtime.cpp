#include "faas/runtime.h"

#include <cxxabi.h>
#include <httplib.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <new>
#include <thread>
#include <typeinfo>

#include "core/json.h"
#include "core/log.h"
#include "core/strings.h"

namespace faasdl::faas {
namespace {

constexpr const char* kPrefix = "/2018-06-01/runtime";
// GET /next has no client timeout in Lambda's protocol; this read timeout only bounds one wait,
// after which the poll starts again on the same loop.
constexpr time_t kNextPollSeconds = 24 * 3600;

std::string resolve_endpoint(const RuntimeOptions& options) {
  if (!options.endpoint.empty()) return options.endpoint;
  const char* env = std::getenv("AWS_LAMBDA_RUNTIME_API");
  return env != nullptr ? env : "";
}

std::string type_name(const std::type_info& type) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> name(abi::__cxa_demangle(type.name(), nullptr, nullptr, &status), std::free);
  return status == 0 && name ? std::string(name.get()) : std::string(type.name());
}

// One keep-alive connection to the Runtime API, with bounded retries on transport errors.
class RuntimeClient {
 public:
  RuntimeClient(const std::string& endpoint, const RuntimeOptions& options) : options_(options) {
    const auto colon = endpoint.rfind(':');
    host_ = colon == std::string::npos ? endpoint : endpoint.substr(0, colon);
    port_ = colon == std::string::npos ? 80 : static_cast<int>(parse_int(endpoint.substr(colon + 1), "AWS_LAMBDA_RUNTIME_API port"));
    client_ = std::make_unique<httplib::Client>(host_, port_);
    client_->set_keep_alive(true);
    client_->set_tcp_nodelay(true);  // no 40 ms Nagle/delayed-ACK stall between header and body
    client_->set_connection_timeout(5, 0);
  }

  // Sends until a response arrives or the retries run out; nullopt on persistent transport failure.
  std::optional<httplib::Response> send(const std::string& method, const std::string& path, const httplib::Headers& headers,
                                        const std::string& body, time_t read_timeout_s) {
    int64_t backoff = options_.retry_backoff_ms;
    for (int attempt = 1;; ++attempt) {
      client_->set_read_timeout(read_timeout_s, 0);
      client_->set_write_timeout(std::max<time_t>(1, options_.post_timeout_ms / 1000), 0);
      const Stopwatch waited;
      httplib::Result r = method == "GET" ? client_->Get(path, headers)
                                          : client_->Post(path, headers, body, "application/json");
      if (r) return *r;
      // A read timeout on /next only means nothing came yet: poll again without counting it.
      if (method == "GET" && r.error() == httplib::Error::Read && waited.seconds() >= read_timeout_s - 1.0) {
        attempt = 0;
        continue;
      }
      log_warn("runtime API ", method, " ", path, " failed (", httplib::to_string(r.error()), "), attempt ", attempt,
               " of ", options_.max_attempts);
      if (attempt >= options_.max_attempts) return std::nullopt;
      std::this_thread::sleep_for(std::chrono::milliseconds(backoff));
      backoff *= 2;
    }
  }

 private:
  RuntimeOptions options_;
  std::string host_;
  int port_ = 80;
  std::unique_ptr<httplib::Client> client_;
};

// Posts a response or error; returns false when the Runtime API is gone or answered 500.
bool post_result(RuntimeClient& client, const std::string& request_id, const InvocationResponse& out,
                 const RuntimeOptions& options) {
  const time_t timeout = std::max<time_t>(1, options.post_timeout_ms / 1000);
  std::optional<httplib::Response> r;
  if (out.success) {
    httplib::Headers h = {{"Content-Type", out.content_type}};
    r = client.send("POST", str_cat(kPrefix, "/invocation/", request_id, "/response"), h, out.payload, timeout);
  } else {
    const std::string type = out.error_type.empty() ? "Handler.Error" : out.error_type;
    httplib::Headers h = {{"Lambda-Runtime-Function-Error-Type", type}};
    r = client.send("POST", str_cat(kPrefix, "/invocation/", request_id, "/error"), h,
                    error_json(type, out.error_message), timeout);
  }
  if (!r) return false;
  if (r->status == 202) return true;
  log_warn("runtime API refused the result of ", request_id, ": HTTP ", r->status, " ", r->body);
  return r->status < 500;
}

}  // namespace

InvocationResponse InvocationResponse::ok(std::string payload, std::string content_type) {
  InvocationResponse r;
  r.payload = std::move(payload);
  r.content_type = std::move(content_type);
  return r;
}

InvocationResponse InvocationResponse::failure(std::string error_type, std::string error_message) {
  InvocationResponse r;
  r.success = false;
  r.error_type = std::move(error_type);
  r.error_message = std::move(error_message);
  return r;
}

std::string error_json(const std::string& error_type, const std::string& error_message) {
  return Json{{"errorMessage", error_message}, {"errorType", error_type}, {"stackTrace", Json::array()}}.dump();
}

int run_handler(const Handler& handler, const RuntimeOptions& options) {
  std::signal(SIGPIPE, SIG_IGN);
  const std::string endpoint = resolve_endpoint(options);
  if (endpoint.empty()) {
    log_error("AWS_LAMBDA_RUNTIME_API is not set: run_handler must run inside a function sandbox");
    return 1;
  }
  RuntimeClient client(endpoint, options);
  for (int64_t served = 0; options.max_invocations < 0 || served < options.max_invocations; ++served) {
    auto next = client.send("GET", str_cat(kPrefix, "/invocation/next"), {}, "", kNextPollSeconds);
    if (!next) return 1;
    if (next->status != 200) {
      log_error("runtime API /next answered HTTP ", next->status, ": ", next->body);
      return 1;
    }
    InvocationRequest req;
    req.payload = std::move(next->body);
    req.request_id = next->get_header_value("Lambda-Runtime-Aws-Request-Id");
    req.function_arn = next->get_header_value("Lambda-Runtime-Invoked-Function-Arn");
    req.trace_id = next->get_header_value("Lambda-Runtime-Trace-Id");
    req.client_context = next->get_header_value("Lambda-Runtime-Client-Context");
    const std::string deadline = next->get_header_value("Lambda-Runtime-Deadline-Ms");
    try {
      req.deadline_unix_ms = deadline.empty() ? 0 : parse_int(deadline, "Lambda-Runtime-Deadline-Ms");
    } catch (const Error&) {
      req.deadline_unix_ms = 0;
    }
    if (req.deadline_unix_ms > 0) req.deadline = Deadline::after_ms(req.deadline_unix_ms - unix_ms());
    if (req.trace_id.empty()) {
      ::unsetenv("_X_AMZN_TRACE_ID");
    } else {
      ::setenv("_X_AMZN_TRACE_ID", req.trace_id.c_str(), 1);
    }

    InvocationResponse out;
    try {
      out = handler(req);
    } catch (const std::bad_alloc&) {
      // Lambda kills a sandbox that runs out of memory; do the same rather than limp on.
      std::fputs("Runtime.OutOfMemory: the handler ran out of memory\n", stderr);
      std::fflush(stderr);
      std::raise(SIGKILL);
      std::_Exit(137);
    } catch (const std::exception& e) {
      out = InvocationResponse::failure(type_name(typeid(e)), e.what());
    } catch (...) {
      out = InvocationResponse::failure("Runtime.UnknownException", "the handler threw a non-standard exception");
    }
    if (!post_result(client, req.request_id, out, options)) return 1;
  }
  return 0;
}

Status report_init_error(const std::string& error_type, const std::string& error_message,
                         const RuntimeOptions& options) {
  const std::string endpoint = resolve_endpoint(options);
  if (endpoint.empty()) return Status(Code::kInvalidArgument, "AWS_LAMBDA_RUNTIME_API is not set");
  RuntimeClient client(endpoint, options);
  httplib::Headers h = {{"Lambda-Runtime-Function-Error-Type", error_type}};
  auto r = client.send("POST", str_cat(kPrefix, "/init/error"), h, error_json(error_type, error_message),
                       std::max<time_t>(1, options.post_timeout_ms / 1000));
  if (!r) return Status(Code::kUnavailable, "runtime API unreachable for /init/error");
  if (r->status != 202) return make_status(Code::kInternal, "/init/error answered HTTP ", r->status, ": ", r->body);
  return {};
}

}  // namespace faasdl::faas
