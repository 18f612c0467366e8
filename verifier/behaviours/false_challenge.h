// false-challenge: a verifier that disputes an interval without checking
// it (params.interval, default 0), then plays the game with random legal
// choices (seeded by params.seed). Against an honest solver it must lose.
//
// Parameters: {"interval": int >= 0, "seed": int}.
#pragma once

#include "verifier/behaviour.h"

namespace veritrain {

Result<std::unique_ptr<VerifierBehaviour>> MakeFalseChallenger(const nlohmann::json& params);

}  // namespace veritrain
