// The strategy file of a participant that switches strategy during a run
// (the "switching" solver and verifier behaviours; docs/market.md).
//
// Whoever decides the participant's strategy (the market runner) writes a
// small JSON file {"strategy": "<behaviour name>"} atomically (temp file
// and rename) before it posts the task the strategy is for; the role reads
// it when that task reaches it. One file per participant.
//
// Thread-safety: pure functions of the file.
#pragma once

#include <string>

#include "core/util/status.h"

namespace veritrain {

// The strategy the file at `path` names. NotFound when there is no file;
// InvalidArgument naming the path when it is not {"strategy": "<name>"}
// with a non-empty name; IOError when it cannot be read.
Result<std::string> ReadStrategyFile(const std::string& path);

// The file's contents for `strategy`.
std::string StrategyFileText(const std::string& strategy);

}  // namespace veritrain
