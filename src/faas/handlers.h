// Named handlers that `faasdl worker --handler NAME` can run. Layers above faas register theirs
// (the training handler registers "train"); "echo" is built in.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "faas/runtime.h"

namespace faasdl::faas {

// Adds or replaces a handler. Thread-safe.
void register_handler(const std::string& name, Handler handler);

// The handler registered under `name`, or nullopt.
std::optional<Handler> find_handler(const std::string& name);

// Registered names, sorted.
std::vector<std::string> handler_names();

// Registers a handler at static-initialisation time:
//   static faasdl::faas::HandlerRegistrar reg("train", &worker_handler);
struct HandlerRegistrar {
  HandlerRegistrar(const char* name, Handler handler);
};

// Returns the payload unchanged (for smoke tests and latency measurements).
InvocationResponse echo_handler(const InvocationRequest& request);

}  // namespace faasdl::faas
