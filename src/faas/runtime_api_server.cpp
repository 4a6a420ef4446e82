#include "faas/runtime_api_server.h"

#include <httplib.h>

#include <algorithm>
#include <chrono>

#include "core/json.h"
#include "core/log.h"

namespace faasdl::faas {
namespace {

constexpr size_t kFinishedIdsKept = 64;

void reply_error(httplib::Response& res, int status, const std::string& type, const std::string& message) {
  res.status = status;
  res.set_content(Json{{"errorMessage", message}, {"errorType", type}}.dump(), "application/json");
}

void reply_ok(httplib::Response& res) {
  res.status = 202;
  res.set_content(R"({"status":"OK"})", "application/json");
}

// The error type a runtime reported: header first, then the body's errorType.
std::string error_type_of(const httplib::Request& req) {
  std::string type = req.get_header_value("Lambda-Runtime-Function-Error-Type");
  if (!type.empty()) return type;
  try {
    const Json body = Json::parse(req.body);
    if (body.is_object() && body.contains("errorType") && body["errorType"].is_string()) {
      return body["errorType"].get<std::string>();
    }
  } catch (const nlohmann::json::exception&) {
  }
  return "Unhandled";
}

}  // namespace

RuntimeApiServer::RuntimeApiServer(size_t max_response_bytes)
    : max_response_bytes_(max_response_bytes), server_(std::make_unique<httplib::Server>()) {}

RuntimeApiServer::~RuntimeApiServer() { stop(); }

Status RuntimeApiServer::start() {
  // One runtime talks to this server; a few threads cover a reconnect while an old connection
  // is still draining.
  server_->new_task_queue = [] { return new httplib::ThreadPool(3); };
  // The connection idles while the handler runs (up to the 900 s maximum timeout).
  server_->set_keep_alive_timeout(900);
  server_->set_tcp_nodelay(true);
  server_->set_keep_alive_max_count(1u << 30);
  server_->set_payload_max_length(max_response_bytes_ + (64u << 20));
  install_routes();
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) return Status(Code::kUnavailable, "runtime API: cannot bind 127.0.0.1");
  listener_ = std::thread([this] { server_->listen_after_bind(); });
  return {};
}

void RuntimeApiServer::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  server_->stop();
  if (listener_.joinable()) listener_.join();
}

void RuntimeApiServer::install_routes() {
  const std::string prefix = "/2018-06-01/runtime";

  server_->Get(prefix + "/invocation/next", [this](const httplib::Request&, httplib::Response& res) {
    std::unique_lock<std::mutex> lock(mu_);
    polled_ = true;
    cv_.notify_all();
    cv_.wait(lock, [this] { return stopping_ || (current_ && !delivered_); });
    if (stopping_) return reply_error(res, 500, "Runtime.Shutdown", "the sandbox is shutting down");
    delivered_ = true;
    const Invocation& inv = *current_;
    res.status = 200;
    res.set_header("Lambda-Runtime-Aws-Request-Id", inv.request_id);
    res.set_header("Lambda-Runtime-Deadline-Ms", std::to_string(inv.deadline_unix_ms));
    res.set_header("Lambda-Runtime-Invoked-Function-Arn", inv.function_arn);
    if (!inv.trace_id.empty()) res.set_header("Lambda-Runtime-Trace-Id", inv.trace_id);
    if (!inv.client_context.empty()) res.set_header("Lambda-Runtime-Client-Context", inv.client_context);
    res.set_content(inv.payload, "application/json");
  });

  auto post_result = [this](bool success) {
    return [this, success](const httplib::Request& req, httplib::Response& res) {
      const std::string id = req.matches[1];
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return reply_error(res, 500, "Runtime.Shutdown", "the sandbox is shutting down");
      const bool running = current_ && current_->request_id == id && delivered_ && !result_;
      if (!running) {
        const bool known = std::find(finished_ids_.begin(), finished_ids_.end(), id) != finished_ids_.end() ||
                           (current_ && current_->request_id == id);
        if (known) {
          return reply_error(res, 403, "InvalidStateTransition",
                             "State transition is not allowed: invocation " + id + " has already completed");
        }
        return reply_error(res, 400, "InvalidRequestID", "Invalid request ID: " + id);
      }
      RuntimeResult r;
      if (success && req.body.size() > max_response_bytes_) {
        r.success = false;
        r.error_type = "Function.ResponseSizeTooLarge";
        r.body = Json{{"errorMessage", "Response payload size exceeded maximum allowed payload size (" +
                                           std::to_string(max_response_bytes_) + " bytes)."},
                      {"errorType", r.error_type}}
                     .dump();
        reply_error(res, 413, "RequestEntityTooLarge",
                    "Exceeded maximum allowed payload size (" + std::to_string(max_response_bytes_) + " bytes).");
      } else if (success) {
        r.body = req.body;
        const std::string ct = req.get_header_value("Content-Type");
        if (!ct.empty()) r.content_type = ct;
        reply_ok(res);
      } else {
        r.success = false;
        r.error_type = error_type_of(req);
        const bool json_body = !req.body.empty() && Json::accept(req.body);
        r.body = json_body ? req.body : Json{{"errorMessage", req.body}, {"errorType", r.error_type}}.dump();
        reply_ok(res);
      }
      result_ = std::move(r);
      finished_ids_.push_back(id);
      if (finished_ids_.size() > kFinishedIdsKept) finished_ids_.pop_front();
      cv_.notify_all();
    };
  };
  server_->Post(prefix + "/invocation/([^/]+)/response", post_result(true));
  server_->Post(prefix + "/invocation/([^/]+)/error", post_result(false));

  server_->Post(prefix + "/init/error", [this](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return reply_error(res, 500, "Runtime.Shutdown", "the sandbox is shutting down");
    if (polled_ || init_failure_) {
      return reply_error(res, 403, "InvalidStateTransition", "State transition is not allowed: init is over");
    }
    InitFailure f;
    f.error_type = error_type_of(req);
    const bool json_body = !req.body.empty() && Json::accept(req.body);
    f.body = json_body ? req.body : Json{{"errorMessage", req.body}, {"errorType", f.error_type}}.dump();
    init_failure_ = std::move(f);
    reply_ok(res);
    cv_.notify_all();
  });
}

void RuntimeApiServer::submit(Invocation invocation) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    current_ = std::move(invocation);
    delivered_ = false;
    result_.reset();
  }
  cv_.notify_all();
}

bool RuntimeApiServer::wait_init(int64_t max_ms) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, std::chrono::milliseconds(max_ms),
                      [this] { return polled_ || init_failure_.has_value() || stopping_; }) &&
         !stopping_;
}

bool RuntimeApiServer::initialized() const {
  std::lock_guard<std::mutex> lock(mu_);
  return polled_;
}

std::optional<InitFailure> RuntimeApiServer::init_failure() const {
  std::lock_guard<std::mutex> lock(mu_);
  return init_failure_;
}

std::optional<RuntimeResult> RuntimeApiServer::wait_result(int64_t max_ms) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!cv_.wait_for(lock, std::chrono::milliseconds(max_ms), [this] { return result_.has_value() || stopping_; }) ||
      !result_) {
    return std::nullopt;
  }
  std::optional<RuntimeResult> out = std::move(result_);
  result_.reset();
  current_.reset();
  delivered_ = false;
  return out;
}

}  // namespace faasdl::faas
