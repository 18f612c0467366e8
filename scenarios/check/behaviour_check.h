// Checks every participant's behaviour parameters by building the behaviour
// (solver/behaviour.h, verifier/behaviour.h) before anything runs, so that a
// bad parameter is reported like any other invalid field of the scenario,
// and measures the parameters that point into the task against it.
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
// Outside a market, also "/participants/<i>/params/<param>: ..." for each
// parameter that names what the task does not have, by the rule the
// behaviour applies at run time where it has one: a false-challenge
// `interval` or a blindfold-topq `honest_intervals` not below the task's
// intervals, a withhold `from_index` past its last checkpoint, a colluding
// `solver` that is not the scenario's solver. (A market's job variants
// differ in their intervals; its strategies are checked at run time.)
Status CheckBehaviourParams(const Scenario& scenario);

}  // namespace veritrain
