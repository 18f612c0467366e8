// false-challenge: a verifier that disputes an interval without checking
// it (params.interval, default 0), then plays the game with random legal
// choices (seeded by params.seed). Against an honest solver it must lose.
//
// Parameters: {"interval": int >= 0, "seed": int}.
#pragma once

#include "verifier/behaviour.h"

namespace veritrain {

Result<std::unique_ptr<VerifierBehaviour>> MakeFalseChallenger(const nlohmann::json& params);

// params.interval as MakeFalseChallenger reads it (default 0), or the
// parameter's error.
Result<int64_t> FalseChallengeInterval(const nlohmann::json& params);

// InvalidArgument when `interval` is not one of a task's `intervals`
// (0 .. intervals - 1): the verifier then abstains and the task ends
// unverified. The rule Decide applies to each task; check applies it too.
Status FalseChallengeIntervalFits(int64_t interval, int64_t intervals);

}  // namespace veritrain
