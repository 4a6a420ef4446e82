// Shared helpers of the faas tests: the fixture function, platform options for tests, shell runs.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

#include "faas/platform.h"
#include "support/run_command.h"

namespace faasdl::faas::testing {

inline std::string fixture_binary() { return FAASDL_BINARY_DIR "/tests/faas/faas_test_function"; }

// The faasdl binary, or "" when it has not been built.
inline std::string faasdl_binary() {
  const char* env = std::getenv("FAASDL_BIN");
  const std::string path = env ? env : FAASDL_BINARY_DIR "/faasdl";
  return ::access(path.c_str(), X_OK) == 0 ? path : "";
}

inline FunctionConfig fixture_function(const std::string& name, int memory_mb = 128, int timeout_s = 5,
                                       int concurrency = 0, std::map<std::string, std::string> env = {}) {
  FunctionConfig f;
  f.name = name;
  f.command = {fixture_binary()};
  f.memory_mb = memory_mb;
  f.timeout_s = timeout_s;
  f.concurrency = concurrency;
  f.environment = std::move(env);
  return f;
}

// No built-in functions, short Event retry delays.
inline PlatformOptions test_options() {
  PlatformOptions o;
  o.register_defaults = false;
  o.async_retry_delays_ms = {50, 100};
  o.async_workers = 2;
  o.max_concurrency = 16;
  return o;
}

// A started platform that stops when the test ends.
struct RunningPlatform {
  explicit RunningPlatform(PlatformOptions o) : platform(std::move(o)) {
    const Status s = platform.start();
    if (!s.ok()) throw Error(s.to_string());
  }
  LocalPlatform platform;
  LocalPlatform* operator->() { return &platform; }
};

// Shell commands in tests run through the shared runner (stdout and stderr together).
using ShellResult = faasdl::testing::CommandResult;
inline ShellResult run_shell(const std::string& command) { return faasdl::testing::run_command(command); }

}  // namespace faasdl::faas::testing
