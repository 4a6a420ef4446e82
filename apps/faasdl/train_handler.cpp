// Registers the training handler, so `faasdl worker` (the function bootstrap) serves training
// tasks by default.
#include "faas/handlers.h"
#include "train/worker.h"

namespace {
const faasdl::faas::HandlerRegistrar reg("train", &faasdl::train::worker_handler);
}  // namespace
