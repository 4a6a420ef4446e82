// faasdl platform: the embedded Lambda-compatible platform, standalone (serve) and measured
// (bench).
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "cli.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/log.h"
#include "faas/invoker.h"
#include "faas/platform.h"

namespace {

using faasdl::Json;
using faasdl::faas::PlatformCredentials;

// {"access_key_id": "...", "secret_access_key": "..."} (aws_access_key_id / aws_secret_access_key
// are accepted too).
PlatformCredentials read_credentials(const std::string& path) {
  const Json j = faasdl::parse_json(faasdl::read_file(path), path);
  PlatformCredentials c;
  const bool aws_names = j.is_object() && j.contains("aws_access_key_id");
  c.access_key_id = faasdl::json_get<std::string>(j, aws_names ? "aws_access_key_id" : "access_key_id", path);
  c.secret_access_key =
      faasdl::json_get<std::string>(j, aws_names ? "aws_secret_access_key" : "secret_access_key", path);
  FAASDL_CHECK(!c.access_key_id.empty() && !c.secret_access_key.empty(), path, ": empty key id or secret");
  return c;
}

int serve(faasdl::cli::Args& args) {
  faasdl::faas::PlatformOptions o;
  o.port = static_cast<int>(args.integer("port", 9000));
  o.host = args.str("host", "127.0.0.1");
  if (auto f = args.opt("functions")) o.functions = faasdl::faas::load_functions_file(*f);
  if (auto f = args.opt("credentials-file")) o.credentials = read_credentials(*f);
  if (auto f = args.opt("prices")) o.prices = faasdl::faas::load_prices(*f);
  o.max_concurrency = static_cast<int>(args.integer("max-concurrency", o.max_concurrency));
  o.idle_timeout_ms = args.integer("idle-timeout-s", o.idle_timeout_ms / 1000) * 1000;
  o.forward_function_logs = !args.flag("quiet");
  args.finish();
  FAASDL_CHECK(o.port > 0 && o.port < 65536, "--port must be 1-65535");

  // Wait for SIGINT/SIGTERM in this thread; every thread started from here inherits the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  faasdl::faas::LocalPlatform platform(o);
  platform.start().throw_if_error();
  for (const auto& f : platform.functions()) {
    faasdl::log_info("function ", f.name, ": ", f.memory_mb, " MB, ", f.timeout_s, " s, command ", f.command[0]);
  }
  int sig = 0;
  sigwait(&stop_signals, &sig);
  faasdl::log_info("platform: stopping (signal ", sig, ")");
  platform.stop();
  return 0;
}

Json summary(std::vector<double> v) {
  if (v.empty()) return Json::object();
  std::sort(v.begin(), v.end());
  auto pct = [&](double p) { return v[std::min(v.size() - 1, static_cast<size_t>(std::ceil(p * v.size())) - 1)]; };
  const double mid = v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
  return {{"n", v.size()}, {"median", mid}, {"p99", pct(0.99)}, {"min", v.front()}, {"max", v.back()}};
}

// Cold and warm invoke latency of a function through the Invoke API, as one JSON line.
int bench(faasdl::cli::Args& args) {
  const int cold_n = static_cast<int>(args.integer("cold", 10));
  const int warm_n = static_cast<int>(args.integer("warm", 50));
  const std::string name = args.str("function", "echo");
  const int memory = static_cast<int>(args.integer("memory", 1769));
  std::optional<std::string> functions_file = args.opt("functions");
  args.finish();

  faasdl::faas::PlatformOptions o;
  o.default_memory_mb = memory;
  if (functions_file) o.functions = faasdl::faas::load_functions_file(*functions_file);
  faasdl::faas::LocalPlatform platform(o);
  platform.start().throw_if_error();
  faasdl::faas::FunctionConfig config;
  bool found = false;
  for (const auto& f : platform.functions()) {
    if (f.name == name) config = f, found = true;
  }
  FAASDL_CHECK(found, "no function named '", name, "' on the platform");

  faasdl::faas::InvokerOptions io;
  io.endpoint = platform.endpoint();
  io.sign = false;
  faasdl::faas::Invoker invoker(io);
  const std::string payload = R"({"bench":true,"x":1})";
  auto timed = [&](double* client_ms, faasdl::faas::InvokeResult* out) {
    faasdl::Stopwatch sw;
    auto r = invoker.invoke(name, payload, faasdl::Deadline::after_ms(60000));
    *client_ms = sw.ms();
    r.status().throw_if_error();
    FAASDL_CHECK(r->function_error.empty(), "function ", name, " failed: ", r->body);
    *out = std::move(r).value();
  };
  std::vector<double> cold, cold_init, warm, warm_server;
  for (int i = 0; i < cold_n; ++i) {
    platform.register_function(config).throw_if_error();  // drops the warm sandbox
    double ms = 0;
    faasdl::faas::InvokeResult r;
    timed(&ms, &r);
    cold.push_back(ms);
    if (r.billing && r.billing->init_duration_ms) cold_init.push_back(*r.billing->init_duration_ms);
  }
  for (int i = 0; i < warm_n; ++i) {
    double ms = 0;
    faasdl::faas::InvokeResult r;
    timed(&ms, &r);
    if (r.billing && r.billing->init_duration_ms) continue;  // the first one after the cold loop may be cold
    warm.push_back(ms);
    if (r.billing) warm_server.push_back(r.billing->duration_ms);
  }
  platform.stop();
  const Json out = {{"bench", "platform_latency"},
                    {"function", name},
                    {"memory_mb", config.memory_mb},
                    {"cold_invoke_ms", summary(cold)},
                    {"cold_init_duration_ms", summary(cold_init)},
                    {"warm_invoke_ms", summary(warm)},
                    {"warm_function_duration_ms", summary(warm_server)}};
  std::printf("%s\n", out.dump().c_str());
  return 0;
}

int cmd_platform(faasdl::cli::Args& args) {
  const auto& pos = args.positional();
  const std::string sub = pos.empty() ? "" : pos[0];
  if (sub == "serve") return serve(args);
  if (sub == "bench") return bench(args);
  std::printf(
      "usage: faasdl platform serve [--port 9000] [--functions functions.json] [--credentials-file F]\n"
      "                             [--prices prices.json] [--max-concurrency 64] [--idle-timeout-s 300] [--quiet]\n"
      "       faasdl platform bench [--cold 10] [--warm 50] [--function echo] [--memory 1769] [--functions F]\n\n"
      "serve: a Lambda-compatible Invoke API on 127.0.0.1 running functions as local processes\n"
      "       (functions 'worker' and 'echo' are built in). Credentials (file, or env\n"
      "       FAASDL_PLATFORM_ACCESS_KEY / FAASDL_PLATFORM_SECRET_KEY) make SigV4 signatures mandatory.\n"
      "bench: cold and warm invoke latency through the Invoke API, printed as one JSON line.\n");
  return sub.empty() || sub == "help" || args.flag("help") ? 0 : 2;
}

const faasdl::cli::CommandRegistrar reg("platform", "local Lambda-compatible platform: `platform serve --port 9000`",
                                        &cmd_platform);

}  // namespace
