// Whether an honest party can keep the scenario's clocks: the challenge
// game's chess clock (protocol.game.clock_s) and the training and
// verification deadlines, against what the job costs on this machine.
//
// A party out of time loses: with a clock no honest solver can keep, a
// false challenge wins and the honest solver is slashed, and the run exits
// 0 as if the protocol had ruled. So:
//
//  - ClockErrors refuses a game clock below what a dispute's moves alone
//    need on any machine: each of a party's moves (the challenge, one per
//    round of the step dissection, one per round of the node dissection:
//    1 + ⌈log_n k⌉ + ⌈log_n N⌉ for arity n, interval k and N game nodes)
//    crosses processes — a signed message to the arbiter, its durable
//    event log, the update back — at least kMinMoveSeconds each.
//  - ClockWarnings says, from one training step as `check` measured it
//    (JobFacts::step_seconds, an upper bound on a plain step), when an
//    honest party's work likely takes over half its time: the solver's
//    re-execution of the disputed interval and one step node by node on its
//    game clock, the solver's training before training_s, a verifier's
//    intervals before verification_s, and the whole run (starting the
//    roles, every task's training and verification) before timeout_s.
//    Machine-dependent estimates, hence warnings.
//
// Thread-safety: pure functions of their arguments.
#pragma once

#include <string>
#include <vector>

#include "scenarios/check/job_graph.h"
#include "scenarios/spec/scenario.h"

namespace veritrain {

// The least time a party's move in a dispute takes on any machine.
inline constexpr double kMinMoveSeconds = 0.01;

// The least time a run takes besides its compute: starting the role
// processes, connecting them and settling (well over a second on the
// reference machine; timeout_s is warned about against it).
inline constexpr double kMinRunSeconds = 1.0;

// The most moves a party makes in one dispute of `sc` over a job with
// `game_nodes` game nodes.
int64_t DisputeMoves(const Scenario& sc, int64_t game_nodes);

// Errors, each starting with the field's JSON pointer; empty when none.
std::vector<std::string> ClockErrors(const Scenario& sc, const JobFacts& facts);

// Warnings, each starting with the field's JSON pointer; empty when none
// (also when `facts` has no measured step).
std::vector<std::string> ClockWarnings(const Scenario& sc, const JobFacts& facts);

}  // namespace veritrain
