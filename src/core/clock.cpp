#include "core/clock.h"

#include <algorithm>

namespace faasdl {

int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

double now_s() { return std::chrono::duration<double>(SteadyClock::now().time_since_epoch()).count(); }

int64_t Deadline::remaining_ms() const {
  if (at_ == SteadyClock::time_point::max()) return 86'400'000;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(at_ - SteadyClock::now()).count();
  return std::clamp<int64_t>(left, 0, 86'400'000);
}

}  // namespace faasdl
