// Where a coordinator's functions run: the embedded local platform (started in-process), AWS
// Lambda or any Lambda-compatible endpoint (Invoke API, SigV4), or a plain HTTP gateway
// (OpenFaaS / Knative style: POST <url>/function/<name>).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/status.h"
#include "faas/invoker.h"
#include "faas/platform.h"
#include "train/run_config.h"

namespace faasdl::train {

class FunctionEndpoint {
 public:
  // Parses dist.platform; for "local" starts a LocalPlatform on 127.0.0.1 with the worker
  // function (the faasdl binary, memory and timeout from dist, concurrency >= workers).
  // Throws Error on a malformed platform or when the platform cannot start.
  explicit FunctionEndpoint(const DistributedOptions& dist);
  ~FunctionEndpoint();

  // One synchronous invocation (no retries).
  Result<faas::InvokeResult> invoke(std::string_view payload, Deadline deadline) const;
  // Refuses an unknown function up front (a DryRun invocation).
  void check_function() const;
  // "local platform at http://127.0.0.1:PORT (function worker, 1769 MB)"
  std::string describe() const;
  // The local platform's counters, when it is local.
  std::optional<faas::PlatformStats> platform_stats() const;

 private:
  DistributedOptions dist_;
  std::unique_ptr<faas::LocalPlatform> platform_;
  std::unique_ptr<faas::Invoker> invoker_;
  std::string http_url_;  // http: gateways
};

// The faasdl binary that local functions run: $FAASDL_BIN, else this process's executable.
std::string faasdl_binary_path();

}  // namespace faasdl::train
