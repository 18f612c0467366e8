// data-substitution: a solver that trains every step, but not on the data
// the task fixes: in each batch, the first ceil(fraction·B) samples are
// replaced by other samples of the training set (those the data order
// assigns to step s + T). A sample is a row of the batch's inputs: for a
// sequence job (the transformer) a whole sequence, with its tokens'
// labels. The task's data order is what stops a solver
// from choosing its batches — the freedom the spoof of Zhang et al. (S&P
// 2022) relies on when it crafts the data of each step — so this solver
// simply deviates from it and commits as if it had not: training on its
// own or cheaper data, or poisoning the model.
//
// Parameters:
//   fraction  share of each batch replaced, in (0, 1]; default 0.25. A
//             whole number of samples is replaced, ceil(fraction·B), so a
//             fraction below 1/B replaces one in B: the report gives
//             substituted_fraction, the share actually replaced, beside it,
//             and samples_changed, those whose substitute differs in its
//             bytes. When none does (a one-sample training set, duplicate
//             samples) the trace is the honest training (TrainsHonestly),
//             and a run does not count it as a missed attack.
// Cost: T steps computed — no saving: the attack changes what is learned,
// not how much is computed.
//
// What to expect: every interval deviates; exact mode catches any, and
// tolerance mode catches it when δ is below the effect of the substituted
// samples on k updates.
//
// Thread-safety: used by the solver's one thread.
#pragma once

#include <memory>

#include "solver/behaviour.h"

namespace veritrain {

Result<std::unique_ptr<SolverBehaviour>> MakeDataSubstitutionSolver(
    const nlohmann::json& params);

}  // namespace veritrain
