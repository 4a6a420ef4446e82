// JSON values (nlohmann::json from Debian's nlohmann-json3-dev) and strict field readers that
// name the missing or mistyped field in their error.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace faasdl {

using Json = nlohmann::json;

// Parses text; throws Error("<what>: invalid JSON at byte N: ...") on malformed input.
Json parse_json(std::string_view text, std::string_view what);

// Reads a required field of the given type; throws Error naming `what` and the field.
template <typename T>
T json_get(const Json& obj, const char* field, std::string_view what);

// Reads an optional field; returns fallback when absent, throws when present with a wrong type.
template <typename T>
T json_get_or(const Json& obj, const char* field, T fallback, std::string_view what);

}  // namespace faasdl

#include "core/json_inl.h"
