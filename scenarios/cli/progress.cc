#include "scenarios/cli/progress.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <utility>

namespace veritrain {

ProgressLine::ProgressLine(int fd)
    : ProgressLine(fd, ::isatty(fd) == 1, std::chrono::seconds(5)) {}

ProgressLine::ProgressLine(int fd, bool terminal, std::chrono::milliseconds log_every, Clock now)
    : fd_(fd), terminal_(terminal), log_every_(log_every), now_(std::move(now)) {}

ProgressLine::~ProgressLine() {
  std::lock_guard<std::mutex> lock(mu_);
  if (terminal_ && drawn_) Write("\n");
}

void ProgressLine::Write(const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::write(fd_, s.data() + off, s.size() - off);
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

void ProgressLine::Update(const std::string& text, bool force) {
  std::lock_guard<std::mutex> lock(mu_);
  const auto now = now_();
  const auto min_gap = terminal_ ? std::chrono::milliseconds(100) : log_every_;
  if (any_ && !force && now - last_ < min_gap) {
    pending_ = text;
    return;
  }
  // A forced line starts a new stage: in a log, the last state of the one
  // before comes first, so that it is never lost to the throttle.
  if (force && !terminal_ && !pending_.empty() && pending_ != printed_ && pending_ != text) {
    Write(pending_ + "\n");
  }
  pending_.clear();
  last_ = now;
  any_ = true;
  if (terminal_) {
    Write("\r\033[K" + text);
    drawn_ = true;
  } else if (text != printed_) {
    Write(text + "\n");
    printed_ = text;
  }
}

void ProgressLine::Finish(const std::string& text) {
  std::lock_guard<std::mutex> lock(mu_);
  // The final state, once: it replaces whatever the throttle held back.
  if (terminal_) {
    Write("\r\033[K" + text + "\n");
  } else {
    Write(text + "\n");
  }
  pending_.clear();
  printed_.clear();
  drawn_ = false;
  any_ = false;
}

std::string FormatDuration(double seconds) {
  if (!(seconds >= 0) || std::isinf(seconds)) return "?";
  char buf[32];
  if (seconds < 60) {
    std::snprintf(buf, sizeof(buf), "%.1f s", seconds);
  } else if (seconds < 3600) {
    const long s = std::lround(seconds);
    std::snprintf(buf, sizeof(buf), "%ldm%02lds", s / 60, s % 60);
  } else {
    const long m = std::lround(seconds / 60);
    std::snprintf(buf, sizeof(buf), "%ldh%02ldm", m / 60, m % 60);
  }
  return buf;
}

std::string CountLine(const std::string& label, int64_t done, int64_t total,
                      const std::string& unit, double elapsed_s, int64_t done_before) {
  std::string out = label + " " + std::to_string(done) + "/" + std::to_string(total) + " " + unit;
  if (done > done_before && elapsed_s > 0) {
    const double rate = static_cast<double>(done - done_before) / elapsed_s;
    char buf[64];
    std::snprintf(buf, sizeof(buf), " · %.3g %s/s", rate, unit.c_str());
    out += buf;
    if (total >= done) {
      out += " · ETA " + FormatDuration(static_cast<double>(total - done) / rate);
    }
  }
  return out;
}

}  // namespace veritrain
