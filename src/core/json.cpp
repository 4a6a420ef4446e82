#include "core/json.h"

namespace faasdl {

Json parse_json(std::string_view text, std::string_view what) {
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::parse_error& e) {
    fail(what, ": invalid JSON at byte ", e.byte, ": ", e.what());
  }
}

}  // namespace faasdl
