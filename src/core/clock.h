// Clocks and deadlines. Every call that waits on something outside the process takes a Deadline.
#pragma once

#include <chrono>
#include <cstdint>

namespace faasdl {

using SteadyClock = std::chrono::steady_clock;

// Milliseconds since the Unix epoch (wall clock, for records and Lambda deadlines).
int64_t unix_ms();

// Seconds on the steady clock, for measuring durations.
double now_s();

class Stopwatch {
 public:
  Stopwatch() : start_(SteadyClock::now()) {}
  void reset() { start_ = SteadyClock::now(); }
  double seconds() const { return std::chrono::duration<double>(SteadyClock::now() - start_).count(); }
  double ms() const { return seconds() * 1e3; }

 private:
  SteadyClock::time_point start_;
};

// A point in time after which an operation gives up.
class Deadline {
 public:
  static Deadline after_ms(int64_t ms) { return Deadline(SteadyClock::now() + std::chrono::milliseconds(ms)); }
  static Deadline never() { return Deadline(SteadyClock::time_point::max()); }

  bool expired() const { return SteadyClock::now() >= at_; }
  // Milliseconds left, at least 0; capped at one day for "never".
  int64_t remaining_ms() const;
  SteadyClock::time_point time_point() const { return at_; }

 private:
  explicit Deadline(SteadyClock::time_point at) : at_(at) {}
  SteadyClock::time_point at_;
};

}  // namespace faasdl
