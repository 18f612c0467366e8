// Waiting for a role's log to say something, without sleeping: the log file
// is watched with inotify (IN_MODIFY), and re-read each time it grows.
// Header-only, for the integration tests.
//
// Thread-safety: call from the test's main thread.
#pragma once

#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "tests/support/veritrain_process.h"

namespace veritrain::test_support {

// Occurrences of `needle` in `text`.
inline int64_t CountOccurrences(const std::string& text,
                                const std::string& needle) {
  int64_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

// True once the file at `path` holds `needle` at least `count` times; false
// when `wait` passes first (or the file cannot be watched).
inline bool WaitForLogCount(const std::string& path, const std::string& needle,
                            int64_t count, std::chrono::milliseconds wait) {
  const int fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (fd < 0) return false;
  const bool watched = inotify_add_watch(fd, path.c_str(), IN_MODIFY) >= 0;
  const auto deadline = std::chrono::steady_clock::now() + wait;
  bool found = false;
  while (watched) {
    // Checked after the watch is set, so no write between is missed.
    if (CountOccurrences(ReadWholeFile(path), needle) >= count) {
      found = true;
      break;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) > 0) {
      char buf[4096];
      while (read(fd, buf, sizeof(buf)) > 0) {
      }
    }
  }
  close(fd);
  return found;
}

}  // namespace veritrain::test_support
