// stall (verifier): verifies honestly, challenges what it finds, and stops
// answering the dispute after `after_moves` game moves (default 0), so it
// loses on time.
//
// Parameters: {"after_moves": int >= 0}.
#pragma once

#include "verifier/behaviour.h"

namespace veritrain {

Result<std::unique_ptr<VerifierBehaviour>> MakeStallVerifier(const nlohmann::json& params);

}  // namespace veritrain
