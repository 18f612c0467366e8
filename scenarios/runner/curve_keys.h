// The CURVE key pairs of one run (the scenario's "network.curve";
// core/transport/curve.h): a fresh pair per participant, or the pairs in
// the scenario's keys directory, one <participant>.curve file each.
//
// The runner calls RunCurveKeys before anything starts, so that a missing
// or malformed key file is a bad scenario (exit 2) that names the file; it
// then writes each pair into the run's private key folder and hands every
// role its own file and everyone's public keys (RoleConfig).
//
// Thread-safety: free functions; safe to call concurrently.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/transport/curve.h"
#include "core/util/status.h"
#include "scenarios/spec/scenario.h"

namespace veritrain {

// The keys directory of `scenario` as a path: "keys" made absolute against
// scenario.source_dir when relative. "" when the keys are generated.
std::string CurveKeysDir(const Scenario& scenario);

// One key pair for each of `names` (the run's participants: arbiter,
// submitter, solvers and verifiers), by name; empty when CURVE is off.
// Errors: NotFound naming the directory or a participant's missing file;
// Corruption naming a malformed file; InvalidArgument naming two
// participants that share a public key (the ZAP handler could not tell
// them apart); FailedPrecondition when libzmq has no CURVE.
Result<std::map<std::string, CurveKeyPair>> RunCurveKeys(
    const Scenario& scenario, const std::vector<std::string>& names);

}  // namespace veritrain
