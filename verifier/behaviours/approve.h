// Verifiers that approve without checking (design section 5):
//
//   lazy-approve  approves every task without re-executing anything, and
//                 so saves the whole compute cost of verification. Without
//                 forced errors it earns the fee for nothing; forced errors
//                 expose it (it approves a result the arbiter knows is
//                 wrong). Parameters: none.
//   colluding     approves the named solver's tasks without checking (as a
//                 partner in its fraud would) and verifies every other
//                 solver honestly. Parameters: {"solver": name} (required).
//
// Both post a verdict that says it checked nothing: no intervals, zero
// steps re-executed, and a reason naming the behaviour.
#pragma once

#include "verifier/behaviour.h"

namespace veritrain {

Result<std::unique_ptr<VerifierBehaviour>> MakeLazyApprover(
    const nlohmann::json& params);
Result<std::unique_ptr<VerifierBehaviour>> MakeColludingVerifier(
    const nlohmann::json& params);

// The verdict of an approval without any check.
Verdict UncheckedApproval(const std::string& why);

}  // namespace veritrain
