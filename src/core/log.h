// Minimal leveled logging to stderr. FAASDL_LOG=debug|info|warn|error sets the threshold
// (default info). Lines: "[faasdl I 12:00:01.234] message".
#pragma once

#include <string>

#include "core/status.h"

namespace faasdl {

enum class LogLevel { kDebug = 0, kInfo, kWarn, kError };

bool log_enabled(LogLevel level);
void log_line(LogLevel level, const std::string& message);

template <typename... Args>
void log_debug(Args&&... args) {
  if (log_enabled(LogLevel::kDebug)) log_line(LogLevel::kDebug, str_cat(std::forward<Args>(args)...));
}
template <typename... Args>
void log_info(Args&&... args) {
  if (log_enabled(LogLevel::kInfo)) log_line(LogLevel::kInfo, str_cat(std::forward<Args>(args)...));
}
template <typename... Args>
void log_warn(Args&&... args) {
  if (log_enabled(LogLevel::kWarn)) log_line(LogLevel::kWarn, str_cat(std::forward<Args>(args)...));
}
template <typename... Args>
void log_error(Args&&... args) {
  if (log_enabled(LogLevel::kError)) log_line(LogLevel::kError, str_cat(std::forward<Args>(args)...));
}

}  // namespace faasdl
