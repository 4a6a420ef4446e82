#include "faas/sandbox.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <map>
#include <random>

#include "core/json.h"
#include "core/log.h"
#include "core/strings.h"
#include "faas/util.h"

namespace faasdl::faas {
namespace {

constexpr size_t kLogKept = 256 * 1024;
constexpr int64_t kPollMs = 20;

std::string exit_error_body(const std::string& request_id, const std::string& how) {
  return Json{{"errorMessage", str_cat("RequestId: ", request_id, " Error: Runtime exited with error: ", how)},
              {"errorType", "Runtime.ExitError"}}
      .dump();
}

std::vector<std::string> sandbox_env(const FunctionConfig& f, const SandboxSettings& s, int api_port,
                                     const std::string& log_stream) {
  std::map<std::string, std::string> env;
  for (const auto& kv : s.inherited_env) {
    const auto eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  const std::string task_root = [&] {
    const auto slash = f.command[0].rfind('/');
    return slash == std::string::npos ? std::string(".") : f.command[0].substr(0, std::max<size_t>(1, slash));
  }();
  const int threads = vcpu_threads(f.memory_mb, s.cores);
  env["AWS_LAMBDA_FUNCTION_NAME"] = f.name;
  env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = std::to_string(f.memory_mb);
  env["AWS_LAMBDA_FUNCTION_VERSION"] = "$LATEST";
  env["AWS_LAMBDA_LOG_GROUP_NAME"] = "/aws/lambda/" + f.name;
  env["AWS_LAMBDA_LOG_STREAM_NAME"] = log_stream;
  env["AWS_LAMBDA_RUNTIME_API"] = str_cat("127.0.0.1:", api_port);
  env["AWS_LAMBDA_INITIALIZATION_TYPE"] = "on-demand";
  env["AWS_REGION"] = s.region;
  env["AWS_DEFAULT_REGION"] = s.region;
  env["_HANDLER"] = f.handler.empty() ? f.name : f.handler;
  env["LAMBDA_TASK_ROOT"] = task_root;
  env["LAMBDA_RUNTIME_DIR"] = task_root;
  env["TZ"] = ":UTC";
  env["LANG"] = "en_US.UTF-8";
  env["OMP_NUM_THREADS"] = std::to_string(threads);
  env["FAASDL_THREADS"] = std::to_string(threads);
  char vcpu[32];
  std::snprintf(vcpu, sizeof(vcpu), "%.3f", f.memory_mb / 1769.0);
  env["FAASDL_VCPU"] = vcpu;
  for (const auto& [k, v] : f.environment) env[k] = v;
  std::vector<std::string> out;
  for (const auto& [k, v] : env) out.push_back(k + "=" + v);
  return out;
}

}  // namespace

int vcpu_threads(int memory_mb, int cores) {
  const int t = static_cast<int>(std::lround(memory_mb / 1769.0));
  return std::clamp(t, 1, std::max(1, cores));
}

std::unique_ptr<Sandbox> Sandbox::create(const FunctionConfig& function, const SandboxSettings& settings,
                                         const std::string& request_id, int64_t init_timeout_ms, Outcome* failure,
                                         double* init_duration_ms, const std::atomic<bool>* cancelled) {
  Stopwatch clock;
  std::unique_ptr<Sandbox> sb(new Sandbox());
  sb->forward_logs_ = settings.forward_logs;
  sb->log_stream_ = str_cat(utc_date_slashes(), "/[$LATEST]", random_hex(32));
  sb->api_ = std::make_unique<RuntimeApiServer>();
  auto fail_with = [&](Kind kind, std::string error_type, std::string body) -> std::unique_ptr<Sandbox> {
    failure->kind = kind;
    failure->error_type = std::move(error_type);
    failure->body = std::move(body);
    failure->duration_ms = clock.ms();
    if (sb->process_) {
      sb->process_->kill_group();
      sb->process_->drain();
      failure->max_memory_mb = sb->process_->max_memory_mb();
    }
    failure->log = sb->log_since(0);
    return nullptr;
  };
  if (Status s = sb->api_->start(); !s.ok()) {
    return fail_with(Kind::kExit, "Runtime.Unknown", Json{{"errorMessage", s.message()}, {"errorType", "Runtime.Unknown"}}.dump());
  }
  SpawnSpec spec;
  spec.argv = function.command;
  spec.env = sandbox_env(function, settings, sb->api_->port(), sb->log_stream_);
  if (settings.enforce_memory_limit) spec.data_limit_bytes = int64_t{function.memory_mb} << 20;
  Sandbox* raw = sb.get();
  spec.on_output = [raw](std::string_view chunk) { raw->append_log(chunk); };
  auto child = ChildProcess::spawn(std::move(spec));
  if (!child.ok()) {
    return fail_with(Kind::kExit, "Runtime.InvalidEntrypoint",
                     Json{{"errorMessage", child.status().message()}, {"errorType", "Runtime.InvalidEntrypoint"}}.dump());
  }
  sb->process_ = std::move(child).value();

  for (;;) {
    sb->api_->wait_init(kPollMs);
    if (sb->api_->initialized()) break;
    if (auto f = sb->api_->init_failure()) return fail_with(Kind::kFunctionError, f->error_type, f->body);
    if (sb->process_->poll_exit()) {
      if (sb->api_->initialized()) break;
      return fail_with(Kind::kExit, "Runtime.ExitError", exit_error_body(request_id, sb->process_->exit_description()));
    }
    if (clock.ms() >= static_cast<double>(init_timeout_ms) || (cancelled != nullptr && *cancelled)) {
      return fail_with(Kind::kTimeout, "Sandbox.Timedout",
                       Json{{"errorMessage", str_cat(utc_timestamp(), " ", request_id, " Task timed out after ",
                                                     format_seconds(init_timeout_ms / 1000.0), " seconds")}}
                           .dump());
    }
  }
  *init_duration_ms = clock.ms();
  return sb;
}

Sandbox::~Sandbox() {
  if (process_) process_->kill_group();
  if (api_) api_->stop();
  process_.reset();  // joins the log reader
}

void Sandbox::abort() {
  if (process_) process_->kill_group();
}

bool Sandbox::reusable() const { return !broken_ && process_ && !process_->poll_exit(); }

Sandbox::Outcome Sandbox::invoke(const Invocation& invocation, int64_t timeout_ms) {
  Outcome out;
  const uint64_t log_start = log_position();
  Stopwatch clock;
  api_->submit(invocation);
  auto take = [&](RuntimeResult& r) {
    out.duration_ms = clock.ms();
    out.kind = r.success ? Kind::kResponse : Kind::kFunctionError;
    out.body = std::move(r.body);
    out.content_type = std::move(r.content_type);
    out.error_type = std::move(r.error_type);
  };
  for (;;) {
    const int64_t left = timeout_ms - static_cast<int64_t>(clock.ms());
    if (auto r = api_->wait_result(std::clamp<int64_t>(left, 0, kPollMs))) {
      take(*r);
      break;
    }
    if (process_->poll_exit()) {
      broken_ = true;
      if (auto r = api_->wait_result(0)) {  // posted just before exiting
        take(*r);
        break;
      }
      out.duration_ms = clock.ms();
      out.kind = Kind::kExit;
      out.error_type = "Runtime.ExitError";
      out.body = exit_error_body(invocation.request_id, process_->exit_description());
      break;
    }
    if (left <= 0) {
      process_->kill_group();
      out.duration_ms = static_cast<double>(timeout_ms);
      out.kind = Kind::kTimeout;
      out.error_type = "Sandbox.Timedout";
      out.body = Json{{"errorMessage", str_cat(utc_timestamp(), " ", invocation.request_id, " Task timed out after ",
                                               format_seconds(timeout_ms / 1000.0), " seconds")}}
                     .dump();
      broken_ = true;
      break;
    }
  }
  process_->drain();
  out.max_memory_mb = process_->max_memory_mb();
  out.log = log_since(log_start);
  return out;
}

void Sandbox::append_log(std::string_view chunk) {
  if (forward_logs_) {
    std::fwrite(chunk.data(), 1, chunk.size(), stderr);
    std::fflush(stderr);
  }
  std::lock_guard<std::mutex> lock(log_mu_);
  log_.append(chunk);
  log_total_ += chunk.size();
  if (log_.size() > 2 * kLogKept) log_.erase(0, log_.size() - kLogKept);
}

uint64_t Sandbox::log_position() const {
  std::lock_guard<std::mutex> lock(log_mu_);
  return log_total_;
}

std::string Sandbox::log_since(uint64_t position) const {
  std::lock_guard<std::mutex> lock(log_mu_);
  const uint64_t first = log_total_ - log_.size();
  const uint64_t from = std::max(position, first);
  return log_.substr(static_cast<size_t>(from - first));
}

}  // namespace faasdl::faas
