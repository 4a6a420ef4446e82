// One execution environment of a function: a child process running a Runtime API client, its
// own Runtime API server, and its captured log.
//
// Memory: the process gets RLIMIT_DATA = the function's memory size, so allocations past it fail
// and the runtime dies (Runtime.ExitError, as Lambda's out-of-memory kill). Max Memory Used is
// the process's peak RSS (VmHWM while alive, ru_maxrss from wait4 after exit).
//
// CPU: Lambda gives 1 vCPU per 1,769 MB. The sandbox gets OMP_NUM_THREADS and FAASDL_THREADS =
// max(1, round(memory / 1769)) capped by the machine's cores (unless the function's environment
// sets them), and FAASDL_VCPU = memory / 1769 as a fraction. Processes are not throttled below
// one core: on a small machine a 128 MB function computes faster than on Lambda, and N
// concurrent sandboxes share the cores through the kernel scheduler.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "faas/function_config.h"
#include "faas/process.h"
#include "faas/runtime_api_server.h"

namespace faasdl::faas {

// How a sandbox is set up, beyond the function itself.
struct SandboxSettings {
  std::string region = "us-east-1";
  // Environment passed through from the platform (PATH, LD_LIBRARY_PATH, AWS credentials ...).
  std::vector<std::string> inherited_env;
  bool enforce_memory_limit = true;
  // Copy the function's output to the platform's stderr as it arrives.
  bool forward_logs = false;
  // Cores available for the CPU-share rule.
  int cores = 1;
};

// Number of threads a sandbox of `memory_mb` gets: max(1, round(memory/1769)), at most cores.
int vcpu_threads(int memory_mb, int cores);

class Sandbox {
 public:
  enum class Kind {
    kResponse,       // the runtime posted a response
    kFunctionError,  // the runtime posted an error (or init failed)
    kTimeout,        // killed at the function's timeout
    kExit,           // the runtime process exited or was killed
  };
  struct Outcome {
    Kind kind = Kind::kResponse;
    std::string body;  // response, or the error JSON the caller sees
    std::string content_type = "application/json";
    std::string error_type;
    double duration_ms = 0;
    int max_memory_mb = 0;
    std::string log;  // function output during this invocation
  };

  // Spawns the runtime and waits until it polls /next (a cold start). On failure returns
  // nullptr and fills *failure with the outcome the caller should see. Gives up early when
  // *cancelled turns true (the platform stops).
  static std::unique_ptr<Sandbox> create(const FunctionConfig& function, const SandboxSettings& settings,
                                         const std::string& request_id, int64_t init_timeout_ms, Outcome* failure,
                                         double* init_duration_ms, const std::atomic<bool>* cancelled);
  ~Sandbox();

  // Runs one event; the sandbox is reusable afterwards only when the outcome is kResponse or
  // kFunctionError and the process still runs.
  Outcome invoke(const Invocation& invocation, int64_t timeout_ms);
  bool reusable() const;
  // Kills the process (from any thread); a running invoke() then returns kExit.
  void abort();
  int max_memory_mb() const { return process_->max_memory_mb(); }
  const std::string& log_stream() const { return log_stream_; }

  // Set by the platform.
  int64_t idle_since_ms = 0;

 private:
  Sandbox() = default;
  void append_log(std::string_view chunk);
  uint64_t log_position() const;
  std::string log_since(uint64_t position) const;

  std::unique_ptr<RuntimeApiServer> api_;
  std::unique_ptr<ChildProcess> process_;
  std::string log_stream_;
  bool forward_logs_ = false;
  bool broken_ = false;

  mutable std::mutex log_mu_;
  std::string log_;           // the last kLogKept bytes of output
  uint64_t log_total_ = 0;    // bytes of output so far
};

}  // namespace faasdl::faas
