// Warnings about a scenario that is valid but will probably cost an honest
// party money: printed to stderr ("<file>: warning: ...") by `veritrain
// check` and before `veritrain run` and `veritrain sweep` start (for a
// sweep, the file as written and each point of its grid: SweepWarnings),
// without refusing the scenario: presets show some of these outcomes on
// purpose.
//
// Exact mode compares checkpoints bit for bit, so it needs every verifier
// to compute exactly as the solver does. A verifier whose profile differs
// from a solver's in its thread count (LibTorch splits convolutions and
// reductions differently) or its device, or with the determinism flag off
// on either side (a different dtype is refused outright), can re-execute an
// honest interval to other bits: it challenges an honest solver, loses the
// game and its challenge stake (scenarios/pol/honest-threads-exact.json
// shows it). Worse, it cannot win a game against a cheating solver: the
// node dissection stops at the first node whose bits the profiles change,
// where the solver computed right, so the cheat is paid
// (scenarios/pol/data-substitution-threads-exact.json shows it). Tolerance
// mode, or equal profiles, avoid both.
//
// A verifier whose genesis funds (economics.participant_funds) cannot lock
// its verifier stake and a challenge stake can never challenge: the arbiter
// takes a challenge it cannot back as an abstention, so a corrupt solver it
// catches goes unchallenged. (A market checks its entries' funds itself.)
//
// A solver whose genesis funds cannot lock its stake runs the task without
// one (the ledger refuses the transfer; scenarios/econ/stake-overdraft.json
// shows it): cheating then costs it nothing, and catching it pays nothing.
//
// A game clock or a deadline that an honest party's work likely takes
// over half of, from one step as check measured it (clock_check.h).
//
// A party that stops answering a game (a "stall" behaviour, a crash at
// "dispute" without restart) loses only when its game clock runs out: when
// the games it can play add up to timeout_s, the run may be stopped
// unfinished, with no summary.
//
// Network faults delay the moves of a challenge game, and a party's clock
// runs while its move is on the way: when the delays, holds and runs of
// drops (with the retry policy's backoff) that a game of the scenario can
// likely meet add up to more than half a party's clock over the fewest
// moves a dispute takes, an honest party can lose on time.
//
// A jackpot tax of the whole reward (economics.jackpot_tax_bps 10000):
// honest solvers earn nothing.
//
// A solver that withholds its dispute data from a tolerance-mode
// challenger (dispute_data "withhold"): a known gap of the protocol, in
// which a corrupt solver can win the game (docs/protocol.md, Limits).
//
// A `replay` solver whose source_data_seed is the data seed of one of the
// scenario's own tasks replays that task's honest training: no attack at
// all, counted as honest, which a scenario meant to measure the attack
// would not want.
//
// With forced errors, a jackpot at genesis (economics.jackpot_initial) that
// cannot pay one forced error — each selected verifier's whistleblower
// reward for catching it and its verifier fee for verifying the real trace,
// both paid from the jackpot — leaves honest work unpaid until the jackpot
// tax and slashed stakes fill it; the settlement records what it could not
// pay (docs/protocol.md).
//
// network.curve.keys naming a directory while network.curve.enabled is
// false: the run goes unencrypted and unauthenticated, and the keys are not
// read (probably a forgotten "enabled": true).
//
// network.retry.heartbeat_ms 0 sends no heartbeats: every participant
// that computes longer than silence_ms is listed as silent, honest or not.
//
// Tolerance mode with δ calibrated across profiles that compute to other
// bits than a solver's, from fewer than 49 honest first intervals per
// profile (seeds + first_interval_seeds): a new honest first interval
// lands beyond the largest of n with probability 1/(n + 1), and that
// error is heavy-tailed, so an honest verifier can challenge and lose its
// stake (the run's own estimate of the rate comes only after calibrating).
//
// Thread-safety: a pure function.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "scenarios/spec/scenario.h"

namespace veritrain {

// The funds warnings (participants' funds, the jackpot), then one line per
// distinct pair of profiles that differ (a market's generated participants
// are counted, not each listed): which participants, how their profiles
// differ, what it costs and what to do. Empty when nothing warrants a
// warning.
// Without `measure_clocks`, the clock warnings (which time a step on this
// machine) are left out: what is left follows from the scenario alone, as
// the audit of a results folder recomputes it.
std::vector<std::string> ScenarioWarnings(const Scenario& scenario, bool measure_clocks = true);

// Prints each warning as "<source>: warning: <warning>" to `out`.
void PrintScenarioWarnings(const Scenario& scenario, const std::string& source,
                           std::ostream& out);

// The warnings of the points of the scenario's sweep block that the file
// as written does not already get, each once, with the first point that
// has it: "/sweep: point <p> (<values>)[ and <n> more]: <warning>". Empty
// without a sweep block; points that are not valid scenarios are skipped
// (CheckSweep reports them).
std::vector<std::string> SweepWarnings(const Scenario& base);

// Prints each of SweepWarnings as "<source>: warning: <warning>" to `out`.
void PrintSweepWarnings(const Scenario& base, const std::string& source, std::ostream& out);

// What `check` and `sweep` say about a file with a sweep block: the file's
// own warnings, a warning that no point of its sweep gets marked as about
// the file as `veritrain run` runs it (every point overrides what it is
// about, so no run of the sweep sees it), then SweepWarnings. Without a
// sweep block, the file's warnings as they are.
std::vector<std::string> SweepFileWarnings(const Scenario& base);

// Prints each of SweepFileWarnings as "<source>: warning: <warning>".
void PrintSweepFileWarnings(const Scenario& base, const std::string& source, std::ostream& out);

}  // namespace veritrain
