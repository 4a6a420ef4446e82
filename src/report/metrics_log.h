// metrics.jsonl: one JSON object per line (per epoch). The whole file is rewritten atomically
// on every append, so a crash never leaves a torn line, and a resumed run keeps its history.
#pragma once

#include <string>
#include <vector>

#include "core/json.h"

namespace faasdl::report {

class MetricsLog {
 public:
  // Loads existing lines when the file exists (resume); throws Error on a malformed line.
  explicit MetricsLog(std::string path);
  void append(const Json& record);
  // Drops records whose "epoch" field is greater than `epoch` (a resume after a crash).
  void truncate_after_epoch(int epoch);
  const std::vector<Json>& records() const { return records_; }
  const std::string& path() const { return path_; }

 private:
  void flush() const;
  std::string path_;
  std::vector<Json> records_;
};

// Reads a metrics.jsonl file; throws Error naming the line on malformed input.
std::vector<Json> read_jsonl(const std::string& path);

}  // namespace faasdl::report
