#include "report/metrics_log.h"

#include "core/fs.h"
#include "core/status.h"
#include "core/strings.h"

namespace faasdl::report {

std::vector<Json> read_jsonl(const std::string& path) {
  std::vector<Json> out;
  const auto lines = split(read_file(path), '\n');
  for (size_t i = 0; i < lines.size(); ++i) {
    if (trim(lines[i]).empty()) continue;
    out.push_back(parse_json(lines[i], str_cat(path, " line ", i + 1)));
  }
  return out;
}

MetricsLog::MetricsLog(std::string path) : path_(std::move(path)) {
  if (file_exists(path_)) records_ = read_jsonl(path_);
}

void MetricsLog::append(const Json& record) {
  records_.push_back(record);
  flush();
}

void MetricsLog::truncate_after_epoch(int epoch) {
  std::erase_if(records_, [&](const Json& r) { return r.value("epoch", 0) > epoch; });
  flush();
}

void MetricsLog::flush() const {
  std::string text;
  for (const auto& r : records_) text += r.dump() + "\n";
  write_file_atomic(path_, text);
}

}  // namespace faasdl::report
