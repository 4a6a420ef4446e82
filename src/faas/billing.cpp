#include "faas/billing.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/fs.h"
#include "core/status.h"

namespace faasdl::faas {

double Prices::gb_second(std::string_view architecture) const {
  if (architecture == "x86_64") return gb_second_x86_64;
  if (architecture == "arm64") return gb_second_arm64;
  fail("unknown architecture '", architecture, "' (expected x86_64 or arm64)");
}

Prices prices_from_json(const Json& json, std::string_view what) {
  Prices p;
  FAASDL_CHECK(json.is_object(), what, ": expected a JSON object");
  if (!json.contains("lambda")) return p;
  const Json& lambda = json.at("lambda");
  const std::string lw = str_cat(what, ": lambda");
  FAASDL_CHECK(lambda.is_object(), lw, ": expected an object");
  if (lambda.contains("gb_second")) {
    const Json& gb = lambda.at("gb_second");
    const std::string gw = str_cat(lw, ".gb_second");
    FAASDL_CHECK(gb.is_object(), gw, ": expected an object");
    p.gb_second_x86_64 = json_get_or<double>(gb, "x86_64", p.gb_second_x86_64, gw);
    p.gb_second_arm64 = json_get_or<double>(gb, "arm64", p.gb_second_arm64, gw);
  }
  p.request = json_get_or<double>(lambda, "per_million_requests", p.request * 1e6, lw) / 1e6;
  FAASDL_CHECK(p.gb_second_x86_64 >= 0 && p.gb_second_arm64 >= 0 && p.request >= 0, what,
               ": prices must not be negative");
  return p;
}

Prices load_prices(const std::string& path) { return prices_from_json(parse_json(read_file(path), path), path); }

void price_record(BillingRecord& r, const Prices& prices) {
  const double billed = r.duration_ms + r.init_duration_ms.value_or(0.0);
  // Guard against 3.0000000001 turning into 4 after floating-point sums.
  r.billed_duration_ms = static_cast<int64_t>(std::ceil(billed - 1e-9));
  if (r.billed_duration_ms < 1) r.billed_duration_ms = 1;
  r.gb_seconds = static_cast<double>(r.billed_duration_ms) / 1000.0 * r.memory_size_mb / 1024.0;
  r.cost_usd = r.gb_seconds * prices.gb_second(r.architecture) + prices.request;
}

std::string BillingRecord::report_line() const {
  char buf[512];
  int n = std::snprintf(buf, sizeof(buf),
                        "REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %lld ms\tMemory Size: %d MB\t"
                        "Max Memory Used: %d MB\t",
                        request_id.c_str(), duration_ms, static_cast<long long>(billed_duration_ms), memory_size_mb,
                        max_memory_used_mb);
  std::string line(buf, static_cast<size_t>(std::max(0, std::min<int>(n, sizeof(buf) - 1))));
  if (init_duration_ms) {
    std::snprintf(buf, sizeof(buf), "Init Duration: %.2f ms\t", *init_duration_ms);
    line += buf;
  }
  return line;
}

Json BillingRecord::to_json() const {
  Json j = {{"request_id", request_id},
            {"function", function},
            {"architecture", architecture},
            {"duration_ms", duration_ms},
            {"billed_duration_ms", billed_duration_ms},
            {"memory_size_mb", memory_size_mb},
            {"max_memory_used_mb", max_memory_used_mb},
            {"gb_seconds", gb_seconds},
            {"cost_usd", cost_usd},
            {"start_unix_ms", start_unix_ms},
            {"outcome", outcome}};
  if (init_duration_ms) j["init_duration_ms"] = *init_duration_ms;
  return j;
}

BillingRecord BillingRecord::from_json(const Json& j, std::string_view what) {
  BillingRecord r;
  r.request_id = json_get<std::string>(j, "request_id", what);
  r.function = json_get<std::string>(j, "function", what);
  r.architecture = json_get_or<std::string>(j, "architecture", "x86_64", what);
  r.duration_ms = json_get<double>(j, "duration_ms", what);
  r.billed_duration_ms = json_get<int64_t>(j, "billed_duration_ms", what);
  r.memory_size_mb = json_get<int>(j, "memory_size_mb", what);
  r.max_memory_used_mb = json_get_or<int>(j, "max_memory_used_mb", 0, what);
  if (j.contains("init_duration_ms") && !j.at("init_duration_ms").is_null()) {
    r.init_duration_ms = json_get<double>(j, "init_duration_ms", what);
  }
  r.gb_seconds = json_get_or<double>(j, "gb_seconds", 0.0, what);
  r.cost_usd = json_get_or<double>(j, "cost_usd", 0.0, what);
  r.start_unix_ms = json_get_or<int64_t>(j, "start_unix_ms", 0, what);
  r.outcome = json_get_or<std::string>(j, "outcome", "success", what);
  return r;
}

}  // namespace faasdl::faas
