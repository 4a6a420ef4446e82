// Function definitions for the local platform, and the functions.json file that lists them.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"

namespace faasdl::faas {

// One function, as Lambda's CreateFunction describes it (the code is a local command).
struct FunctionConfig {
  // Function name: letters, digits, '-' and '_', 1-64 characters. Required.
  std::string name;
  // argv of the sandbox process: any Lambda Runtime API client. command[0] is an absolute or
  // PATH-relative executable. Required.
  std::vector<std::string> command;
  // Memory size in MB, 128-10240. Sets the sandbox's memory limit and its CPU share. Default 128.
  int memory_mb = 128;
  // Timeout in seconds, 1-900. Default 3 (Lambda's default).
  int timeout_s = 3;
  // Reserved concurrency: at most this many sandboxes of the function run at once; further
  // invocations get 429. 0 = no per-function limit (the platform-wide limit applies). Default 0.
  int concurrency = 0;
  // Extra environment variables of the sandbox (they override the platform's). Default none.
  std::map<std::string, std::string> environment;
  // "x86_64" or "arm64": selects the GB-second price. Default "x86_64".
  std::string architecture = "x86_64";
  // Retries of a failed asynchronous (Event) invocation, 0-2. Default 2 (Lambda's default).
  int max_retry_attempts = 2;
  // Value of _HANDLER in the sandbox. Default "" = the function name.
  std::string handler;

  // Throws Error("function '<name>': <what is wrong>") when a field is out of range.
  void validate() const;
  Json to_json() const;
};

// Splits a command line on whitespace; single and double quotes group words, no other escapes.
std::vector<std::string> split_command(std::string_view line);

// Reads one function from JSON:
//   {"name": "echo", "command": "/path/bin worker --handler echo" | ["/path/bin", ...],
//    "memory": 128, "timeout": 3, "concurrency": 0, "environment": {"K": "V"},
//    "architecture": "x86_64", "max_retry_attempts": 2, "handler": "echo"}
// "memory_mb" / "timeout_s" are accepted as synonyms. Throws Error naming `what` and the field.
FunctionConfig function_from_json(const Json& json, std::string_view what);

// Reads functions.json: {"functions": [ ... ]} or a bare array. Validates every entry and
// rejects duplicate names.
std::vector<FunctionConfig> load_functions_file(const std::string& path);

}  // namespace faasdl::faas
