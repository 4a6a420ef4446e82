// Small string helpers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace faasdl {

std::vector<std::string> split(std::string_view s, char sep);
std::string_view trim(std::string_view s);
bool starts_with(std::string_view s, std::string_view prefix);
std::string to_lower(std::string_view s);
// 197002 -> "197,002"
std::string with_commas(int64_t n);
// Parses a whole string as an integer / double; throws Error naming `what` on failure.
int64_t parse_int(std::string_view s, std::string_view what);
double parse_double(std::string_view s, std::string_view what);
// Lowercase hex of bytes.
std::string hex(std::string_view bytes);

}  // namespace faasdl
