#include "core/transport/crash_point.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

namespace veritrain {

CrashPoint::CrashPoint(const nlohmann::json& crash) {
  if (!crash.is_object()) return;
  stage_ = crash.value("at", std::string());
  after_ = crash.value("after", int64_t{0});
}

bool CrashPoint::Due(const std::string& stage, int64_t progress) const {
  return armed() && stage == stage_ && progress >= after_;
}

void CrashPoint::Reached(const std::string& stage, int64_t progress) const {
  if (!Due(stage, progress)) return;
  spdlog::warn("crashing now, as the scenario says: SIGKILL at {} {}", stage, progress);
  spdlog::default_logger()->flush();
  ::kill(::getpid(), SIGKILL);
  ::pause();  // SIGKILL cannot be caught; this is never reached
}

}  // namespace veritrain
