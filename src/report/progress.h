// A one-line progress bar on a terminal (stderr), redrawn at most every 100 ms; silent when
// stderr is not a TTY, so logs and CI output stay clean.
#pragma once

#include <cstdint>
#include <string>

#include "core/clock.h"

namespace faasdl::report {

class ProgressBar {
 public:
  // label: "epoch 1/3"; total: units of work (samples). enabled=false disables it entirely.
  ProgressBar(std::string label, int64_t total, bool enabled = true);
  ~ProgressBar();
  // done units so far; extra: text shown after the bar ("loss 0.512 acc 0.812").
  void update(int64_t done, const std::string& extra);
  // Erases the bar so the caller can print its summary line.
  void finish();

  static bool stderr_is_tty();

 private:
  std::string label_;
  int64_t total_;
  bool enabled_;
  bool drawn_ = false;
  Stopwatch clock_;
  double last_draw_ = -1.0;
};

}  // namespace faasdl::report
