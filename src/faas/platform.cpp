#include "faas/platform.h"

#include <arpa/inet.h>
#include <httplib.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <thread>

#include "core/fs.h"
#include "core/log.h"
#include "core/strings.h"
#include "faas/platform_impl.h"
#include "faas/util.h"

extern char** environ;

namespace faasdl::faas {
namespace {

constexpr size_t kLogTailBytes = 4096;

PlatformResponse api_error(int status, const std::string& type, const std::string& message,
                           const std::string& reason = "") {
  PlatformResponse r;
  r.status = status;
  r.error_type = type;
  Json body = {{"Type", "User"}, {"message", message}};
  if (!reason.empty()) body["Reason"] = reason;
  r.body = body.dump();
  return r;
}

bool is_loopback(const std::string& host) {
  if (host == "localhost") return true;
  in_addr a4{};
  if (::inet_pton(AF_INET, host.c_str(), &a4) == 1) return (ntohl(a4.s_addr) >> 24) == 127;
  return host == "::1";
}

// "echo", "echo:$LATEST", "arn:aws:lambda:r:a:function:echo[:q]", "a:function:echo".
std::pair<std::string, std::string> split_function_name(const std::string& id) {
  std::string rest = id;
  const auto fn = rest.find("function:");
  if (fn != std::string::npos) rest = rest.substr(fn + 9);
  const auto colon = rest.find(':');
  if (colon == std::string::npos) return {rest, ""};
  return {rest.substr(0, colon), rest.substr(colon + 1)};
}

std::string resolve_faasdl_binary(const PlatformOptions& o) {
  if (!o.faasdl_binary.empty()) return o.faasdl_binary;
  if (const char* env = std::getenv("FAASDL_BIN"); env != nullptr && file_exists(env)) return env;
  char buf[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n > 0) {
    const std::string self(buf, static_cast<size_t>(n));
    if (self.size() >= 7 && self.compare(self.size() - 7, 7, "/faasdl") == 0) return self;
  }
  return "";
}

std::vector<std::string> inherited_environment() {
  static const char* kPass[] = {"PATH", "LD_LIBRARY_PATH", "HOME", "FAASDL_LOG", "AWS_ACCESS_KEY_ID",
                                "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "ASAN_OPTIONS", "UBSAN_OPTIONS"};
  std::vector<std::string> out;
  for (const char* name : kPass) {
    if (const char* v = std::getenv(name)) out.push_back(std::string(name) + "=" + v);
  }
  return out;
}

}  // namespace

int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now().time_since_epoch()).count();
}

Json AsyncOutcome::to_json() const {
  return {{"request_id", request_id}, {"function", function},   {"condition", condition},
          {"attempts", attempts},     {"response", response},   {"error_type", error_type},
          {"finished_unix_ms", finished_unix_ms}};
}

LocalPlatform::Impl::Impl(PlatformOptions o) : opt(std::move(o)) {
  settings.region = opt.region;
  settings.inherited_env = inherited_environment();
  settings.enforce_memory_limit = opt.enforce_memory_limit;
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  settings.enforce_memory_limit = false;
#endif
  settings.forward_logs = opt.forward_function_logs;
  settings.cores = opt.cores > 0 ? opt.cores : std::max(1u, std::thread::hardware_concurrency());
}

std::string LocalPlatform::Impl::function_arn(const std::string& name) const {
  return str_cat("arn:aws:lambda:", opt.region, ":", opt.account_id, ":function:", name);
}

Status LocalPlatform::Impl::register_function(FunctionConfig function) {
  try {
    function.validate();
  } catch (const Error& e) {
    return Status(Code::kInvalidArgument, e.what());
  }
  std::vector<std::unique_ptr<Sandbox>> old;
  {
    std::lock_guard<std::mutex> lock(mu);
    Function& f = functions[function.name];
    f.config = std::move(function);
    ++f.generation;
    old.swap(f.idle);
  }
  destroy(std::move(old));
  return {};
}

void LocalPlatform::Impl::destroy(std::vector<std::unique_ptr<Sandbox>> sandboxes) {
  if (sandboxes.empty()) return;
  {
    std::lock_guard<std::mutex> lock(mu);
    for (auto& s : sandboxes) live.erase(s.get());
  }
  sandboxes.clear();
}

PlatformResponse LocalPlatform::Impl::invoke(const std::string& function, std::string_view payload,
                                             const InvokeOptions& options) {
  if (!running || stopping) return api_error(503, "ServiceException", "The platform is not running.");
  const auto [name, qualifier_in_name] = split_function_name(function);
  const std::string qualifier = options.qualifier.empty() ? qualifier_in_name : options.qualifier;
  {
    std::lock_guard<std::mutex> lock(mu);
    if (!functions.count(name) || !(qualifier.empty() || qualifier == "$LATEST")) {
      return api_error(404, "ResourceNotFoundException",
                       str_cat("Function not found: ", function_arn(name), qualifier.empty() ? "" : ":", qualifier));
    }
  }
  const std::string& type = options.invocation_type;
  if (type != "RequestResponse" && type != "Event" && type != "DryRun") {
    return api_error(400, "InvalidParameterValueException",
                     str_cat("1 validation error detected: Value '", type,
                             "' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: "
                             "[Event, RequestResponse, DryRun]"));
  }
  const size_t limit = type == "Event" ? opt.max_async_payload : opt.max_sync_payload;
  if (payload.size() > limit) {
    return api_error(413, "RequestTooLargeException",
                     str_cat("Request must be smaller than ", limit, " bytes for the InvokeFunction operation"));
  }
  std::string body(payload.empty() ? std::string_view("{}") : payload);
  if (!Json::accept(body)) {
    return api_error(400, "InvalidRequestContentException",
                     "Could not parse request body into json: Could not parse payload into json: Unexpected "
                     "character or malformed input");
  }
  if (type == "DryRun") {
    PlatformResponse r;
    r.status = 204;
    r.request_id = new_request_id();
    return r;
  }
  if (type == "Event") {
    Event ev;
    ev.request_id = new_request_id();
    ev.function = name;
    ev.payload = std::move(body);
    ev.client_context = options.client_context;
    ev.enqueued_ms = steady_ms();
    PlatformResponse r;
    r.status = 202;
    r.request_id = ev.request_id;
    {
      std::lock_guard<std::mutex> lock(mu);
      queue.emplace(ev.enqueued_ms, std::move(ev));
    }
    wake.notify_all();
    return r;
  }
  return execute(name, body, new_request_id(), options.client_context, options.log_tail);
}

PlatformResponse LocalPlatform::Impl::execute(const std::string& name, std::string_view payload,
                                              const std::string& request_id, const std::string& client_context,
                                              bool log_tail) {
  FunctionConfig config;
  uint64_t generation = 0;
  std::unique_ptr<Sandbox> sandbox;
  {
    std::lock_guard<std::mutex> lock(mu);
    auto it = functions.find(name);
    if (it == functions.end()) return api_error(404, "ResourceNotFoundException", "Function not found: " + function_arn(name));
    Function& f = it->second;
    const bool reserved_full = f.config.concurrency > 0 && f.in_flight >= f.config.concurrency;
    if (reserved_full || total_in_flight >= opt.max_concurrency) {
      ++stats.throttles;
      PlatformResponse r = api_error(429, "TooManyRequestsException", "Rate Exceeded.",
                                     reserved_full ? "ReservedFunctionConcurrentInvocationLimitExceeded"
                                                   : "ConcurrentInvocationLimitExceeded");
      r.retry_after_s = 1;
      r.request_id = request_id;
      return r;
    }
    ++f.in_flight;
    ++total_in_flight;
    config = f.config;
    generation = f.generation;
    if (!f.idle.empty()) {
      sandbox = std::move(f.idle.back());
      f.idle.pop_back();
      ++stats.warm_starts;
    } else {
      ++stats.cold_starts;
    }
  }

  const int64_t start_unix = unix_ms();
  BillingRecord rec;
  rec.request_id = request_id;
  rec.function = name;
  rec.architecture = config.architecture;
  rec.memory_size_mb = config.memory_mb;
  rec.start_unix_ms = start_unix;
  Sandbox::Outcome out;
  if (!sandbox) {
    double init_ms = 0;
    const int64_t init_timeout = std::min<int64_t>(opt.init_timeout_ms, config.timeout_s * int64_t{1000});
    sandbox = Sandbox::create(config, settings, request_id, init_timeout, &out, &init_ms, &stopping);
    if (sandbox) {
      rec.init_duration_ms = init_ms;
      std::lock_guard<std::mutex> lock(mu);
      live.insert(sandbox.get());
    } else {
      rec.init_duration_ms = out.duration_ms;
      out.duration_ms = 0;
    }
  }
  if (sandbox) {
    Invocation inv;
    inv.request_id = request_id;
    inv.payload = std::string(payload);
    inv.function_arn = function_arn(name);
    inv.trace_id = new_trace_id();
    inv.client_context = client_context;
    inv.deadline_unix_ms = unix_ms() + config.timeout_s * int64_t{1000};
    out = sandbox->invoke(inv, config.timeout_s * int64_t{1000});
  }
  rec.duration_ms = out.duration_ms;
  rec.max_memory_used_mb = out.max_memory_mb;
  rec.outcome = out.kind == Sandbox::Kind::kResponse        ? "success"
                : out.kind == Sandbox::Kind::kFunctionError ? "error"
                : out.kind == Sandbox::Kind::kTimeout       ? "timeout"
                                                            : "crash";
  price_record(rec, opt.prices);

  std::vector<std::unique_ptr<Sandbox>> drop;
  {
    std::lock_guard<std::mutex> lock(mu);
    auto it = functions.find(name);
    if (it != functions.end()) --it->second.in_flight;
    --total_in_flight;
    if (sandbox) {
      const bool keep = !stopping && it != functions.end() && it->second.generation == generation && sandbox->reusable();
      if (keep) {
        sandbox->idle_since_ms = steady_ms();
        it->second.idle.push_back(std::move(sandbox));
      } else {
        drop.push_back(std::move(sandbox));
      }
    }
  }
  destroy(std::move(drop));
  record(rec);

  PlatformResponse r;
  r.status = 200;
  r.request_id = request_id;
  r.body = std::move(out.body);
  r.content_type = out.content_type;
  if (out.kind != Sandbox::Kind::kResponse) r.function_error = "Unhandled";
  if (log_tail || opt.forward_function_logs) {
    std::string log = str_cat("START RequestId: ", request_id, " Version: $LATEST\n", out.log);
    if (!log.empty() && log.back() != '\n') log += '\n';
    if (out.kind == Sandbox::Kind::kTimeout) {
      log += Json::parse(r.body).value("errorMessage", "") + "\n";
    } else if (out.kind == Sandbox::Kind::kExit) {
      log += Json::parse(r.body).value("errorMessage", "") + "\nRuntime.ExitError\n";
    }
    log += str_cat("END RequestId: ", request_id, "\n", rec.report_line(), "\n");
    if (opt.forward_function_logs) log_info(rec.report_line());
    if (log_tail) r.log_tail = log.size() > kLogTailBytes ? log.substr(log.size() - kLogTailBytes) : log;
  }
  r.billing = rec;
  return r;
}

void LocalPlatform::Impl::record(const BillingRecord& rec) {
  std::function<void(const BillingRecord&)> cb;
  {
    std::lock_guard<std::mutex> lock(mu);
    billing.push_back(rec);
    while (billing.size() > std::max<size_t>(1, opt.max_billing_records)) {
      billing.pop_front();
      ++billing_dropped;
    }
    cb = billing_callback;
  }
  if (cb) cb(rec);
}

// ---- LocalPlatform ----

LocalPlatform::LocalPlatform(PlatformOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

LocalPlatform::~LocalPlatform() { stop(); }

Status LocalPlatform::start() {
  Impl& im = *impl_;
  if (im.running) return Status(Code::kAlreadyExists, "platform already started");
  if (!is_loopback(im.opt.host)) {
    return make_status(Code::kInvalidArgument, "platform: host '", im.opt.host,
                       "' is not a loopback address; the local platform serves 127.0.0.1 only");
  }
  std::signal(SIGPIPE, SIG_IGN);
  if (!im.opt.credentials) {
    const char* key = std::getenv("FAASDL_PLATFORM_ACCESS_KEY");
    const char* secret = std::getenv("FAASDL_PLATFORM_SECRET_KEY");
    if (secret == nullptr) secret = std::getenv("FAASDL_PLATFORM_SECRET");
    if (key != nullptr && *key != '\0' && secret != nullptr && *secret != '\0') {
      im.opt.credentials = PlatformCredentials{key, secret};
    }
  }
  if (im.opt.register_defaults) {
    const std::string bin = resolve_faasdl_binary(im.opt);
    if (bin.empty()) {
      log_info("platform: no faasdl binary found (set FAASDL_BIN); default functions 'worker' and 'echo' are not registered");
    } else {
      FunctionConfig worker, echo;
      worker.name = "worker";
      worker.command = {bin, "worker"};
      worker.handler = "train";
      echo.name = "echo";
      echo.command = {bin, "worker", "--handler", "echo"};
      echo.handler = "echo";
      for (auto* f : {&worker, &echo}) {
        f->memory_mb = im.opt.default_memory_mb;
        f->timeout_s = im.opt.default_timeout_s;
      }
      for (auto* f : {&worker, &echo}) {
        if (Status s = im.register_function(*f); !s.ok()) return s;
      }
    }
  }
  for (const auto& f : im.opt.functions) {
    if (Status s = im.register_function(f); !s.ok()) return s;
  }
  im.server = std::make_unique<httplib::Server>();
  const int threads = std::clamp(im.opt.max_concurrency + 16, 16, 512);
  im.server->new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  im.server->set_keep_alive_timeout(2);
  im.server->set_tcp_nodelay(true);
  im.server->set_payload_max_length(std::max(im.opt.max_sync_payload, im.opt.max_async_payload) + (16u << 20));
  im.install_http_routes();
  if (im.opt.port == 0) {
    im.port = im.server->bind_to_any_port(im.opt.host);
  } else {
    im.port = im.server->bind_to_port(im.opt.host, im.opt.port) ? im.opt.port : -1;
  }
  if (im.port <= 0) return make_status(Code::kUnavailable, "platform: cannot listen on ", im.opt.host, ":", im.opt.port);
  im.running = true;
  im.stopping = false;
  im.listener = std::thread([&im] { im.server->listen_after_bind(); });
  for (int i = 0; i < std::max(1, im.opt.async_workers); ++i) im.threads.emplace_back([&im] { im.async_worker(); });
  im.threads.emplace_back([&im] { im.reaper(); });
  if (im.opt.credentials) {
    log_info("platform: listening on http://", im.opt.host, ":", im.port, " (SigV4 signatures required)");
  } else {
    log_info("platform: listening on http://", im.opt.host, ":", im.port,
             " (no credentials configured: unsigned requests are accepted on loopback)");
  }
  return {};
}

void LocalPlatform::stop() {
  Impl& im = *impl_;
  {
    std::lock_guard<std::mutex> lock(im.mu);
    if (!im.running) return;
    im.stopping = true;
    for (Sandbox* s : im.live) s->abort();
  }
  im.wake.notify_all();
  im.async_cv.notify_all();
  im.server->stop();
  if (im.listener.joinable()) im.listener.join();
  for (auto& t : im.threads) t.join();
  im.threads.clear();
  std::vector<std::unique_ptr<Sandbox>> idle;
  {
    std::lock_guard<std::mutex> lock(im.mu);
    for (auto& [name, f] : im.functions) {
      for (auto& s : f.idle) idle.push_back(std::move(s));
      f.idle.clear();
    }
    im.queue.clear();
    im.running = false;
  }
  im.destroy(std::move(idle));
  im.async_cv.notify_all();
}

int LocalPlatform::port() const { return impl_->port; }

std::string LocalPlatform::endpoint() const { return str_cat("http://", impl_->opt.host, ":", impl_->port); }

Status LocalPlatform::register_function(FunctionConfig function) { return impl_->register_function(std::move(function)); }

std::vector<FunctionConfig> LocalPlatform::functions() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  std::vector<FunctionConfig> out;
  for (const auto& [name, f] : impl_->functions) out.push_back(f.config);
  return out;
}

PlatformResponse LocalPlatform::invoke(const std::string& function, std::string_view payload,
                                       const InvokeOptions& options) {
  return impl_->invoke(function, payload, options);
}

std::vector<BillingRecord> LocalPlatform::billing_records() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return {impl_->billing.begin(), impl_->billing.end()};
}

void LocalPlatform::set_billing_callback(std::function<void(const BillingRecord&)> callback) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->billing_callback = std::move(callback);
}

std::vector<AsyncOutcome> LocalPlatform::async_outcomes() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->outcomes;
}

bool LocalPlatform::wait_async_idle(Deadline deadline) const {
  std::unique_lock<std::mutex> lock(impl_->mu);
  for (;;) {
    if ((impl_->queue.empty() && impl_->async_running == 0) || !impl_->running) return true;
    if (deadline.expired()) return false;
    impl_->async_cv.wait_for(lock, std::chrono::milliseconds(std::clamp<int64_t>(deadline.remaining_ms(), 1, 100)));
  }
}

PlatformStats LocalPlatform::stats() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  PlatformStats s = impl_->stats;
  s.sandboxes = static_cast<int>(impl_->live.size());
  return s;
}

}  // namespace faasdl::faas
