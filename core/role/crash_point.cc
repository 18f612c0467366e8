#include "core/role/crash_point.h"

#include <fcntl.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

namespace veritrain {

CrashPoint::CrashPoint(const nlohmann::json& crash) {
  if (!crash.is_object()) return;
  stage_ = crash.value("at", std::string());
  after_ = crash.value("after", int64_t{0});
  marker_ = crash.value("marker", std::string());
}

bool CrashPoint::Due(const std::string& stage, int64_t progress) const {
  return armed() && stage == stage_ && progress >= after_;
}

void CrashPoint::ReachedOnceAnswered(const std::string& stage, int64_t progress,
                                     ArbiterLink& link, uint64_t rid,
                                     const std::function<void(const Message&)>& on_reply) const {
  if (!Due(stage, progress)) return;
  const Status answered = link.AwaitReply(rid, std::chrono::seconds(30), on_reply);
  if (!answered.ok()) {
    spdlog::warn("crash point: no reply to request {} before crashing: {}", rid,
                 answered.ToString());
  }
  Reached(stage, progress);
}

void CrashPoint::Reached(const std::string& stage, int64_t progress) const {
  if (!Due(stage, progress)) return;
  spdlog::warn("crashing now, as the scenario says: SIGKILL at {} {}", stage, progress);
  spdlog::default_logger()->flush();
  if (!marker_.empty()) {
    // Seen by the runner once this process is reaped (no fsync needed: the
    // page cache is shared, and a power loss ends the run anyway).
    const std::string text = "{\"at\": \"" + stage + "\", \"progress\": " +
                             std::to_string(progress) + "}\n";
    const int fd = ::open(marker_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd >= 0) {
      (void)!::write(fd, text.data(), text.size());
      ::close(fd);
    }
  }
  ::kill(::getpid(), SIGKILL);
  ::pause();  // SIGKILL cannot be caught; this is never reached
}

}  // namespace veritrain
