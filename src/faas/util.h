// Small helpers shared by the platform, the invoker and the runtime: ids, timestamps, base64.
#pragma once

#include <string>
#include <string_view>

namespace faasdl::faas {

// Random lowercase hex of n characters (thread-safe).
std::string random_hex(size_t n);
// A random UUID v4, the shape of Lambda request ids.
std::string new_request_id();
// An X-Ray trace header: "Root=1-<8 hex>-<24 hex>;Parent=<16 hex>;Sampled=0".
std::string new_trace_id();
// "2024-01-31T12:00:00.123Z" (now, UTC).
std::string utc_timestamp();
// "2024/01/31" (now, UTC), as in log stream names.
std::string utc_date_slashes();
// 3 -> "3.00".
std::string format_seconds(double seconds);
std::string base64_encode(std::string_view bytes);
// Decodes standard base64 (padding optional); skips characters outside the alphabet.
std::string base64_decode(std::string_view text);

}  // namespace faasdl::faas
