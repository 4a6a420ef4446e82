#pragma once
// Template bodies of core/json.h.
#include "core/status.h"

namespace faasdl {

template <typename T>
T json_get(const Json& obj, const char* field, std::string_view what) {
  if (!obj.is_object() || !obj.contains(field)) fail(what, ": missing field '", field, "'");
  try {
    return obj.at(field).get<T>();
  } catch (const nlohmann::json::exception& e) {
    fail(what, ": field '", field, "' has the wrong type (", obj.at(field).type_name(), ")");
  }
}

template <typename T>
T json_get_or(const Json& obj, const char* field, T fallback, std::string_view what) {
  if (!obj.is_object() || !obj.contains(field) || obj.at(field).is_null()) return fallback;
  return json_get<T>(obj, field, what);
}

}  // namespace faasdl
