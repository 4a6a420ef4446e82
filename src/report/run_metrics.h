// Typed view of metrics.jsonl records for reports and comparisons. Every number is NaN when its
// field is absent or null, so single-machine runs and older files read without special cases;
// a field of the wrong type is an error naming the file, line and field.
#pragma once

#include <string>
#include <vector>

#include "core/json.h"

namespace faasdl::report {

// One function invocation of a distributed epoch ("functions" list entry).
struct Invocation {
  double worker = 0;         // worker index
  double round = 0;          // synchronisation round within the epoch
  double init_ms = 0;        // cold-start initialisation (0 on a warm start)
  double load_ms = 0;        // fetching model and shard from the store
  double compute_ms = 0;     // training
  double store_ms = 0;       // writing the result back
  double billed_ms = 0;      // billed duration
  double bytes_read = 0;     // from the store
  double bytes_written = 0;  // to the store
  double start_ms = 0;       // when it was sent, ms since the epoch's start
  double end_ms = 0;         // when its reply arrived, ms since the epoch's start
  double retries = 0;        // extra attempts before it succeeded
};

// One metrics.jsonl line.
struct EpochMetrics {
  int line = 0;  // line number in the file, for messages
  double epoch = 0, loss = 0, accuracy = 0, val_loss = 0, val_accuracy = 0;
  double wall_s = 0, images_per_s = 0;
  double workers = 0;  // 0 = single machine
  // Distributed runs only.
  double billed_s = 0, gb_s = 0, cost_usd = 0, cold_starts = 0, rounds = 0;
  std::string sync;                   // empty when absent
  std::vector<Invocation> functions;  // empty when absent

  // True when the record comes from a run on functions (workers >= 1 or any billing field).
  bool distributed() const;
};

// Converts one record; `where` names it in errors ("runs/x/metrics.jsonl line 3").
EpochMetrics epoch_metrics_from_json(const Json& record, const std::string& where);

// Reads a metrics.jsonl file. Throws Error "<path>: not found" when it is missing and
// "<path> line N: ..." on a malformed line or field.
std::vector<EpochMetrics> read_run_metrics(const std::string& path);

}  // namespace faasdl::report
