// SlowJob: a job that takes at least a given time to build and to evaluate
// its test set — real computation, not sleeping — for tests of what must go
// on while a role computes for a long time (heartbeats: a participant busy
// for longer than silence_ms must not be taken for a silent one).
//
// The synthetic job makes one when its "slow_setup_ms" or "slow_test_ms"
// field is set (classifier_job.h). Building: WrapSlow evaluates the
// initial state's test accuracy over and over until slow_setup_ms has
// passed (every role that builds the job pays it: the solver, each
// verifier, the arbiter in a dispute, `veritrain check`). Evaluating:
// TestAccuracy repeats the inner job's pass until slow_test_ms has passed
// (the solver's pass after training). Results are the inner job's, bit for
// bit; everything else is forwarded.
//
// Thread-safety: as the inner job (thread-compatible).
#pragma once

#include <cstdint>
#include <memory>

#include "core/train/job.h"

namespace veritrain {

// `inner` after computing for at least setup_ms, wrapped so that its
// TestAccuracy takes at least test_ms. `inner` itself when both are 0.
// REQUIRES: setup_ms >= 0, test_ms >= 0.
Result<std::unique_ptr<TrainingJob>> WrapSlow(std::unique_ptr<TrainingJob> inner,
                                              int64_t setup_ms, int64_t test_ms);

}  // namespace veritrain
