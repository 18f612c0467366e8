// switching: a verifier that plays one of several strategies, the one its
// strategy file names when it decides a task (core/util/strategy_file.h).
// The market runner uses it for an adaptive verifier (docs/market.md): it
// decides from what the verifier has earned whether it re-executes or
// approves blindly on the next task, writes the file, then posts the task.
//
// Parameters:
//   strategies  {"<behaviour>": {params}, ...}: at least two verifier
//               behaviours (not "switching"), each built once.
//   initial     the strategy played while there is no file (required).
//   file        path of the strategy file (required).
// A file that names a strategy not in `strategies`, or cannot be read,
// makes Decide fail with that reason (the verifier abstains and says so),
// never a silent fallback. The strategy that decided a task also plays its
// dispute (AnswersGameMove, Choose).
//
// Thread-safety: used by the verifier's one thread.
#pragma once

#include <memory>

#include "verifier/behaviour.h"

namespace veritrain {

Result<std::unique_ptr<VerifierBehaviour>> MakeSwitchingVerifier(const nlohmann::json& params);

}  // namespace veritrain
