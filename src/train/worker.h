// The training function: what one serverless invocation does. It reads its WorkerTask from the
// payload, loads the round's model and only its own shard from the Store, trains with the same
// Trainer as single-machine training, writes its result to the Store and answers with a
// WorkerReport. A warm sandbox keeps its model object, open stores and the last shard in memory.
#pragma once

#include "faas/runtime.h"

namespace faasdl::train {

faas::InvocationResponse worker_handler(const faas::InvocationRequest& request);

}  // namespace faasdl::train
