#include "train/functions.h"

#include <unistd.h>

#include <climits>
#include <cstdlib>

#include "core/fs.h"
#include "core/log.h"
#include "core/strings.h"
#include "net/http.h"

namespace faasdl::train {

std::string faasdl_binary_path() {
  if (const char* env = std::getenv("FAASDL_BIN"); env && *env && file_exists(env)) return env;
  char buf[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  FAASDL_CHECK(n > 0, "cannot resolve /proc/self/exe");
  return std::string(buf, static_cast<size_t>(n));
}

FunctionEndpoint::FunctionEndpoint(const DistributedOptions& dist) : dist_(dist) {
  const std::string& p = dist.platform;
  if (p == "local") {
    faas::PlatformOptions o;
    o.register_defaults = true;
    o.faasdl_binary = faasdl_binary_path();
    o.max_concurrency = std::max(64, dist.workers * 2);
    faas::FunctionConfig f;
    f.name = dist.function;
    f.command = {o.faasdl_binary, "worker", "--handler", "train"};
    f.memory_mb = dist.function_memory_mb;
    f.timeout_s = dist.function_timeout_s;
    f.concurrency = dist.function_concurrency;
    // Pass through what the worker needs to reach the store.
    for (const char* var : {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION",
                            "AWS_DEFAULT_REGION", "FAASDL_LOG"}) {
      if (const char* v = std::getenv(var)) f.environment[var] = v;
    }
    if (dist.worker_threads > 0) {
      f.environment["FAASDL_THREADS"] = std::to_string(dist.worker_threads);
      f.environment["OMP_NUM_THREADS"] = std::to_string(dist.worker_threads);
    }
    f.validate();
    o.functions.push_back(f);
    platform_ = std::make_unique<faas::LocalPlatform>(o);
    platform_->start().throw_if_error();
    faas::InvokerOptions io;
    io.endpoint = platform_->endpoint();
    io.sign = false;
    invoker_ = std::make_unique<faas::Invoker>(io);
  } else if (starts_with(p, "lambda:")) {
    faas::InvokerOptions io;
    io.endpoint = p.substr(7);
    auto url = net::parse_url(io.endpoint);
    FAASDL_CHECK(url.ok(), "--platform ", p, ": ", url.status().message());
    // lambda.<region>.amazonaws.com names its region; else keep the default / $AWS_REGION.
    const auto parts = split(url->host, '.');
    if (parts.size() >= 3 && parts[0] == "lambda") io.region = parts[1];
    else if (const char* r = std::getenv("AWS_REGION")) io.region = r;
    invoker_ = std::make_unique<faas::Invoker>(io);
  } else if (starts_with(p, "http:")) {
    http_url_ = p.substr(5);
    FAASDL_CHECK(net::parse_url(http_url_).ok(), "--platform ", p, ": not a URL after 'http:'");
  } else {
    fail("--platform must be local, lambda:URL or http:URL, got '", p, "'");
  }
}

FunctionEndpoint::~FunctionEndpoint() {
  if (platform_) platform_->stop();
}

Result<faas::InvokeResult> FunctionEndpoint::invoke(std::string_view payload, Deadline deadline) const {
  if (invoker_) return invoker_->invoke(dist_.function, payload, deadline);
  net::HttpRequest req;
  req.method = "POST";
  req.url = http_url_ + "/function/" + dist_.function;
  req.headers = {{"Content-Type", "application/json"}};
  req.body = std::string(payload);
  auto r = net::http_send(req, deadline);
  if (!r.ok()) return r.status();
  faas::InvokeResult out;
  out.status = r->status;
  out.body = r->body;
  if (r->status >= 500) out.function_error = "Unhandled";
  else if (r->status >= 300) return net::status_from_http(*r, "invoke " + req.url);
  return out;
}

void FunctionEndpoint::check_function() const {
  if (!invoker_) return;  // plain HTTP gateways have no dry run
  faas::InvokerOptions io = invoker_->options();
  io.invocation_type = "DryRun";
  io.max_attempts = 2;
  const faas::Invoker dry(io);
  auto r = dry.invoke(dist_.function, "{}", Deadline::after_ms(10000));
  if (!r.ok()) {
    if (r.status().code() == Code::kNotFound) fail("function '", dist_.function, "' does not exist on ", describe());
    fail("cannot reach ", describe(), ": ", r.status().to_string());
  }
}

std::string FunctionEndpoint::describe() const {
  if (platform_) {
    return str_cat("local platform at ", platform_->endpoint(), " (function ", dist_.function, ", ",
                   dist_.function_memory_mb, " MB)");
  }
  if (invoker_) return str_cat("Lambda endpoint ", invoker_->options().endpoint, " (function ", dist_.function, ")");
  return str_cat("HTTP gateway ", http_url_, " (function ", dist_.function, ")");
}

std::optional<faas::PlatformStats> FunctionEndpoint::platform_stats() const {
  if (!platform_) return std::nullopt;
  return platform_->stats();
}

}  // namespace faasdl::train
