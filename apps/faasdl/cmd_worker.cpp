// faasdl worker: the Lambda Runtime API loop with a registered handler. This is the function
// process, both as a Lambda `bootstrap` (provided.al2023) and as a local-platform sandbox.
#include <cstdio>
#include <cstdlib>

#include "cli.h"
#include "core/log.h"
#include "core/strings.h"
#include "faas/handlers.h"
#include "faas/runtime.h"

namespace {

// --handler, else $FAASDL_HANDLER, else Lambda's $_HANDLER when it names a registered handler,
// else "train".
std::string choose_handler(faasdl::cli::Args& args) {
  if (auto h = args.opt("handler")) return *h;
  if (const char* env = std::getenv("FAASDL_HANDLER"); env != nullptr && *env != '\0') return env;
  if (const char* env = std::getenv("_HANDLER"); env != nullptr && faasdl::faas::find_handler(env)) return env;
  return "train";
}

int cmd_worker(faasdl::cli::Args& args) {
  if (args.flag("help")) {
    std::printf(
        "usage: faasdl worker [--handler NAME]\n\n"
        "Runs the Lambda Runtime API loop (AWS_LAMBDA_RUNTIME_API) with a handler:\n"
        "  --handler NAME   one of the registered handlers (default: $FAASDL_HANDLER, else $_HANDLER\n"
        "                   when registered, else train)\n");
    return 0;
  }
  const std::string name = choose_handler(args);
  args.finish();
  auto handler = faasdl::faas::find_handler(name);
  if (!handler) {
    std::string known;
    for (const auto& n : faasdl::faas::handler_names()) known += (known.empty() ? "" : ", ") + n;
    const std::string message = faasdl::str_cat("no handler named '", name, "' (registered: ", known, ")");
    faasdl::log_error("worker: ", message);
    if (std::getenv("AWS_LAMBDA_RUNTIME_API") != nullptr) {
      (void)faasdl::faas::report_init_error("Runtime.HandlerNotFound", message);
    }
    return 1;
  }
  return faasdl::faas::run_handler(*handler);
}

faasdl::cli::CommandRegistrar reg("worker", "run as a function: the Lambda Runtime API loop (bootstrap)", &cmd_worker);

}  // namespace
