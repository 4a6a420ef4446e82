#include "report/run_metrics.h"

#include <cmath>
#include <limits>

#include "core/fs.h"
#include "core/status.h"
#include "core/strings.h"

namespace faasdl::report {
namespace {

constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();

double number(const Json& obj, const char* field, const std::string& where) {
  const auto it = obj.find(field);
  if (it == obj.end() || it->is_null()) return kMissing;
  if (!it->is_number()) fail(where, ": field '", field, "' must be a number, got ", it->type_name());
  return it->get<double>();
}

}  // namespace

bool EpochMetrics::distributed() const {
  return (std::isfinite(workers) && workers >= 1) || std::isfinite(billed_s) || std::isfinite(cost_usd) ||
         !functions.empty();
}

EpochMetrics epoch_metrics_from_json(const Json& r, const std::string& where) {
  if (!r.is_object()) fail(where, ": expected a JSON object, got ", r.type_name());
  EpochMetrics m;
  m.epoch = number(r, "epoch", where);
  m.loss = number(r, "loss", where);
  m.accuracy = number(r, "accuracy", where);
  m.val_loss = number(r, "val_loss", where);
  m.val_accuracy = number(r, "val_accuracy", where);
  m.wall_s = number(r, "wall_s", where);
  m.images_per_s = number(r, "images_per_s", where);
  m.workers = number(r, "workers", where);
  m.billed_s = number(r, "billed_s", where);
  m.gb_s = number(r, "gb_s", where);
  m.cost_usd = number(r, "cost_usd", where);
  m.cold_starts = number(r, "cold_starts", where);
  m.rounds = number(r, "rounds", where);
  if (const auto it = r.find("sync"); it != r.end() && !it->is_null()) {
    if (!it->is_string()) fail(where, ": field 'sync' must be a string, got ", it->type_name());
    m.sync = it->get<std::string>();
  }
  if (const auto it = r.find("functions"); it != r.end() && !it->is_null()) {
    if (!it->is_array()) fail(where, ": field 'functions' must be a list, got ", it->type_name());
    for (size_t k = 0; k < it->size(); ++k) {
      const Json& f = (*it)[k];
      const std::string fwhere = str_cat(where, ": functions[", k, "]");
      if (!f.is_object()) fail(fwhere, ": expected a JSON object, got ", f.type_name());
      Invocation inv;
      inv.worker = number(f, "worker", fwhere);
      inv.round = number(f, "round", fwhere);
      inv.init_ms = number(f, "init_ms", fwhere);
      inv.load_ms = number(f, "load_ms", fwhere);
      inv.compute_ms = number(f, "compute_ms", fwhere);
      inv.store_ms = number(f, "store_ms", fwhere);
      inv.billed_ms = number(f, "billed_ms", fwhere);
      inv.bytes_read = number(f, "bytes_read", fwhere);
      inv.bytes_written = number(f, "bytes_written", fwhere);
      inv.start_ms = number(f, "start_ms", fwhere);
      inv.end_ms = number(f, "end_ms", fwhere);
      inv.retries = number(f, "retries", fwhere);
      m.functions.push_back(inv);
    }
  }
  return m;
}

std::vector<EpochMetrics> read_run_metrics(const std::string& path) {
  FAASDL_CHECK(file_exists(path), path, ": not found (no epochs recorded, or not a faasdl run directory)");
  std::vector<EpochMetrics> out;
  const auto lines = split(read_file(path), '\n');
  for (size_t i = 0; i < lines.size(); ++i) {
    if (trim(lines[i]).empty()) continue;
    const std::string where = str_cat(path, " line ", i + 1);
    EpochMetrics m = epoch_metrics_from_json(parse_json(lines[i], where), where);
    m.line = static_cast<int>(i + 1);
    if (!std::isfinite(m.epoch)) m.epoch = static_cast<double>(out.size() + 1);
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace faasdl::report
