#include "core/log.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <mutex>

namespace faasdl {
namespace {

LogLevel threshold() {
  static const LogLevel level = [] {
    const char* env = std::getenv("FAASDL_LOG");
    if (env == nullptr) return LogLevel::kInfo;
    if (std::strcmp(env, "debug") == 0) return LogLevel::kDebug;
    if (std::strcmp(env, "warn") == 0) return LogLevel::kWarn;
    if (std::strcmp(env, "error") == 0) return LogLevel::kError;
    return LogLevel::kInfo;
  }();
  return level;
}

}  // namespace

bool log_enabled(LogLevel level) { return level >= threshold(); }

void log_line(LogLevel level, const std::string& message) {
  static std::mutex mu;
  static const char kTag[] = {'D', 'I', 'W', 'E'};
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const int ms = static_cast<int>(
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::lock_guard<std::mutex> lock(mu);
  std::fprintf(stderr, "[faasdl %c %02d:%02d:%02d.%03d] %s\n", kTag[static_cast<int>(level)], tm.tm_hour,
               tm.tm_min, tm.tm_sec, ms, message.c_str());
}

}  // namespace faasdl
