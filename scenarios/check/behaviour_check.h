// Checks every participant's behaviour parameters by building the behaviour
// (solver/behaviour.h, verifier/behaviour.h) before anything runs, so that a
// bad parameter is reported like any other invalid field of the scenario.
//
// Thread-safety: a pure function.
#pragma once

#include "core/util/status.h"
#include "scenarios/spec/scenario.h"

namespace veritrain {

// InvalidArgument listing, one per line, "/participants/<i>/params: <the
// behaviour's error>" for each participant whose behaviour rejects its
// parameters; in a market, "/market/<solvers|verifiers>/<i>/params" and
// ".../adapt/params" for each entry whose strategies reject theirs.
Status CheckBehaviourParams(const Scenario& scenario);

}  // namespace veritrain
