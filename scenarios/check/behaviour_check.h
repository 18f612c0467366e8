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
// Also "<at>/<param>: ..." for each parameter that names what the task does
// not have, by the rule the behaviour applies at run time where it has one:
// a false-challenge `interval` or a blindfold-topq `honest_intervals` not
// below the task's intervals, a withhold `from_index` past its last
// checkpoint, a colluding `solver` that is not one of the scenario's
// solvers. In a market every entry's parameters (and its adapt strategy's)
// must fit every task: they are measured against its smallest job variant.
Status CheckBehaviourParams(const Scenario& scenario);

}  // namespace veritrain
