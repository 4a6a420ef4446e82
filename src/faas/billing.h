// Lambda-style billing: one record per invocation, priced the way Lambda prices it.
//
// Billed duration is the run time rounded up to the next millisecond. On a cold start the init
// phase is billed too (as Lambda bills custom runtimes such as provided.al2023), so
// billed = ceil(duration + init duration). Cost = billed seconds x memory GB x GB-second price
// + the per-request price.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/json.h"

namespace faasdl::faas {

// Prices in USD. Defaults are Lambda's public on-demand prices (us-east-1).
struct Prices {
  // Per GB-second of billed duration on x86_64. Default 0.0000166667.
  double gb_second_x86_64 = 0.0000166667;
  // Per GB-second on arm64 (Graviton). Default 0.0000133334.
  double gb_second_arm64 = 0.0000133334;
  // Per request. Default 0.20 per million.
  double request = 0.20 / 1e6;

  // Price per GB-second for "x86_64" or "arm64"; throws Error for another architecture.
  double gb_second(std::string_view architecture) const;
};

// Reads a prices file. Every field is optional and falls back to the default:
//   {"lambda": {"gb_second": {"x86_64": 0.0000166667, "arm64": 0.0000133334},
//               "per_million_requests": 0.20}}
// Throws Error naming the file and field on malformed input.
Prices load_prices(const std::string& path);
Prices prices_from_json(const Json& json, std::string_view what);

// What one invocation cost, as Lambda's REPORT line states it plus the price.
struct BillingRecord {
  std::string request_id;
  std::string function;
  std::string architecture = "x86_64";
  // Wall time from handing the event to the runtime until its response or error, in ms.
  double duration_ms = 0;
  // ceil(duration_ms + init_duration_ms).
  int64_t billed_duration_ms = 0;
  int memory_size_mb = 0;
  // Peak resident memory of the sandbox process so far, in MB (VmHWM / ru_maxrss).
  int max_memory_used_mb = 0;
  // Only on cold starts: spawn until the runtime's first /next, in ms.
  std::optional<double> init_duration_ms;
  // billed seconds x memory GB.
  double gb_seconds = 0;
  // Compute plus request price, in USD.
  double cost_usd = 0;
  // When the invocation started (Unix ms).
  int64_t start_unix_ms = 0;
  // "success", "error" (function error), "timeout" or "crash" (runtime exited).
  std::string outcome = "success";

  // "REPORT RequestId: <id>\tDuration: 1.23 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\t
  //  Max Memory Used: 20 MB\t[Init Duration: 45.67 ms\t]"
  std::string report_line() const;
  Json to_json() const;
  // Throws Error naming `what` and the field on malformed input.
  static BillingRecord from_json(const Json& json, std::string_view what);
};

// Fills billed_duration_ms, gb_seconds and cost_usd from the other fields.
void price_record(BillingRecord& record, const Prices& prices);

}  // namespace faasdl::faas
