// Participant names: what a solver or verifier of a run may be called.
//
// A name is an account of the ledger, a key in the roster, a component of
// file paths in the run's private work directory (<work>/<name>/<task>/,
// <work>/<name>.json, keys/<name>.key) and a column of the results. So it
// must be safe as all four:
//   - 1 to 64 characters from A-Z, a-z, 0-9, '.', '_', '-', the first a
//     letter or digit (no ".", "..", hidden files or option-like "-x");
//   - none of the reserved names: the run's own roles ("arbiter",
//     "submitter"), the ledger's system accounts ("mint", "jackpot", "burn",
//     and "escrow", "stake", "challenge", whose "<name>/<task>/..." accounts
//     hold escrow and stakes) and the work directory's key folder ("keys"),
//     in any case ("Arbiter" and "arbiter" are one file on a case-insensitive
//     file system).
// A verifier once named "jackpot" had its tokens merged into the jackpot;
// one named ".." kept its verdict outside the run's private directory.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/util/status.h"

namespace veritrain {

// The reserved names, as above.
const std::vector<std::string>& ReservedParticipantNames();

// OK for a safe name; InvalidArgument saying why otherwise (the character
// set, the first character, the length, or the reserved name and what it
// is reserved for).
Status CheckParticipantName(std::string_view name);

// `name` in lower case (ASCII): two names that fold alike name the same
// files of a run on a case-insensitive file system (macOS, Windows).
std::string FoldedParticipantName(std::string_view name);

}  // namespace veritrain
