// A sandbox's process: fork/exec in its own process group, stdout+stderr captured through a
// pipe, an optional data-segment limit, peak memory from /proc or wait4.
//
// Every child is forked by one long-lived launcher thread and asks the kernel to SIGKILL it when
// that thread's process dies (PR_SET_PDEATHSIG), so sandboxes never outlive a crashed platform.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/status.h"

namespace faasdl::faas {

struct SpawnSpec {
  // argv; argv[0] is a path or a name looked up in $PATH. Required.
  std::vector<std::string> argv;
  // The whole environment, "KEY=VALUE" each. Default empty.
  std::vector<std::string> env;
  // Working directory; "" = the caller's. Default "".
  std::string cwd;
  // RLIMIT_DATA in bytes (heap, anonymous mappings, thread stacks); 0 = no limit. Default 0.
  int64_t data_limit_bytes = 0;
  // Called from a reader thread with each chunk of the child's stdout and stderr. Default none.
  std::function<void(std::string_view)> on_output;
};

class ChildProcess {
 public:
  // Forks and execs; kNotFound when the executable does not exist, kInternal when fork fails.
  static Result<std::unique_ptr<ChildProcess>> spawn(SpawnSpec spec);
  ~ChildProcess();  // kills the process group and reaps the child

  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  // Reaps the child if it has exited (non-blocking); true once it has.
  bool poll_exit();
  // SIGKILL to the whole process group, then reaps the child.
  void kill_group();
  // "exit status N" or "signal: killed" (Lambda's wording), "" while running.
  std::string exit_description() const;
  // Peak resident memory in MB: VmHWM while running, ru_maxrss once reaped.
  int max_memory_mb() const;
  // Hands output already written by the child to on_output now, without waiting for the
  // reader thread (so a log read after a response includes what was printed before it).
  void drain();

 private:
  ChildProcess() = default;
  void read_output();
  // SIGKILL to the group, then waits for the child and records its status. Caller holds mu_.
  void kill_and_reap_locked();
  // Reads what is available without blocking; false at end of output. Caller holds read_mu_.
  bool read_available();

  pid_t pid_ = -1;
  int out_fd_ = -1;
  mutable std::mutex mu_;
  bool exited_ = false;
  int wait_status_ = 0;
  int64_t maxrss_kb_ = 0;
  std::function<void(std::string_view)> on_output_;
  std::atomic<bool> stop_reader_{false};
  std::mutex read_mu_;
  std::thread reader_;
};

}  // namespace faasdl::faas
