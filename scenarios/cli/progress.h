// ProgressLine: progress of long work — training, verification, the runs
// of a sweep — as one line redrawn in place on a terminal, or as plain log
// lines (at most one every few seconds, plus the last) when the output is
// not a terminal (a file, a CI log, a Slurm job's output).
//
// Line texts come from the callers; CountLine formats the common
// "done/total unit, rate, ETA" form.
//
// Thread-safety: Update() and Finish() may be called from several threads
// at once (the workers of a sweep).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

namespace veritrain {

class ProgressLine {
 public:
  // Writes to file descriptor `fd`. `terminal`: redraw in place (true) or
  // print log lines (false); by default, whether `fd` is a terminal.
  using Clock = std::function<std::chrono::steady_clock::time_point()>;
  explicit ProgressLine(int fd = 2);
  // `now` is the throttle's clock (steady_clock by default; tests pass
  // their own).
  ProgressLine(int fd, bool terminal, std::chrono::milliseconds log_every,
               Clock now = &std::chrono::steady_clock::now);
  ~ProgressLine();  // ends a half-drawn line
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  // Shows `text` as the current progress. On a terminal the line is redrawn
  // at most 10 times a second; otherwise a log line is printed when
  // `log_every` has passed since the last one, or when `force` is set (a
  // new stage), never the same text twice in a row. A forced log line is
  // preceded by the last text the throttle held back, so each stage's last
  // state is in the log.
  void Update(const std::string& text, bool force = false);

  // Prints `text` as the final state, once, and ends the line; what the
  // throttle held back is dropped. Later Updates start a new line.
  void Finish(const std::string& text);

  bool terminal() const { return terminal_; }

 private:
  void Write(const std::string& s);

  int fd_;
  bool terminal_;
  std::chrono::milliseconds log_every_;
  Clock now_;
  std::mutex mu_;
  std::chrono::steady_clock::time_point last_{};  // guarded by mu_
  bool drawn_ = false;                            // guarded by mu_
  bool any_ = false;                              // guarded by mu_
  std::string pending_;  // the last text the throttle held back; guarded by mu_
  std::string printed_;  // the last log line printed; guarded by mu_
};

// "42.0 s", "3m05s", "1h02m" (seconds >= 0; negative or NaN gives "?").
std::string FormatDuration(double seconds);

// "<label> <done>/<total> <unit> · <rate> <unit>/s · ETA <duration>", the
// rate from what was done in `elapsed_s`: done - done_before (what was
// already done when the clock started, e.g. the runs a resumed sweep kept);
// the rate and ETA are left out until some of it is done.
std::string CountLine(const std::string& label, int64_t done, int64_t total,
                      const std::string& unit, double elapsed_s, int64_t done_before = 0);

}  // namespace veritrain
