// CrashPoint: where a role kills itself with SIGKILL, for a scenario's
// crash tests ("crashes" in the scenario; docs/reliability.md).
//
// The runner puts the crash into the role's config (RoleConfig::crash) on
// its first start only; a restarted role has none. The role calls
// Reached(stage, progress) at the points the scenario can name —
// "training" after each checkpoint is on disk (progress = its index),
// "verification" after each re-executed interval (progress = intervals
// done), "dispute" after each game move answered (progress = moves
// answered; 0 as the dispute opens) — and the process dies there, with no
// cleanup, as it would from `kill -9`: whatever it had not made durable is
// lost.
//
// Just before dying it writes the crash's "marker" file (a path the runner
// puts in the crash JSON), so that the runner can tell the scenario's crash
// from a kill that came from outside (an operator, the OOM killer): a
// SIGKILL without the marker is a failure of the run, not its crash test.
//
// Thread-safety: Reached may be called from any thread; the process ends.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/transport/arbiter_link.h"

namespace veritrain {

class CrashPoint {
 public:
  CrashPoint() = default;
  // From a RoleConfig's "crash" ({"at", "after", "marker"}; null: never;
  // no "marker": none is written).
  explicit CrashPoint(const nlohmann::json& crash);

  bool armed() const { return !stage_.empty(); }
  // True when `stage` is the crash's stage and `progress` has reached its point.
  bool Due(const std::string& stage, int64_t progress) const;
  // Kills this process with SIGKILL when Due(stage, progress).
  void Reached(const std::string& stage, int64_t progress) const;
  // Reached, at a point just after sending request `rid` on `link` (a game
  // move): when due, it first waits up to 30 s for the request's reply
  // (replies meanwhile go to `on_reply`), so that what the role sent has
  // arrived. A message still in the socket's queue would die with the
  // process, and the game would go differently from run to run.
  void ReachedOnceAnswered(const std::string& stage, int64_t progress, ArbiterLink& link,
                           uint64_t rid,
                           const std::function<void(const Message&)>& on_reply = nullptr) const;

 private:
  std::string stage_;
  int64_t after_ = 0;
  std::string marker_;
};

}  // namespace veritrain
