// Ranking departures from the solver's trajectory whose states differ
// widely in size.
//
// A tolerance-mode challenger ranks what lands outside δ by distance / δ:
// the sub-ranges of a dispute round (distance_dissection.h) and the
// intervals its challenge lists (the verifier). δ is absolute, but honest
// rounding is relative to the values computed. Re-executed from a state a
// corruption inflated (a float32 solver's weights of 1e6 after a gradient
// of 1e5 at one step, growing to 1e27 over the next two under SGD), the
// honest steps after the corruption land further outside δ than the
// corruption itself, by orders of magnitude, against a float64 challenger.
// Naming them ends the game on an honest step and pays the cheat.
//
// So each distance / δ is measured against the size of the solver's state
// it was compared with: rank = ratio × smallest / norm, where norm is the
// parameter norm of that committed state (ParameterNorm) and smallest the
// least such norm among those ranked. Where the states are alike in size
// (any ordinary training) the order is distance / δ's; honest rounding
// from an inflated state ranks by its relative size (a few ulps), and the
// corruption, compared with a state it made, by its own. A state holding a
// value that is not finite ranks after every measured one (an honest step
// from an inflated state can overflow; naming it loses the game), and an
// order of ranks keeps equals in the order given (earlier first). Whether a
// range is outside δ is judged as before: only the order changes.
//
// Ranks alone cannot tell every case: from a state a corruption pushed
// into saturation (a transformer's softmax over logits of 1e8, under layer
// norm that keeps the norms alike), honest steps in another precision land
// about as far from the solver's states, relative to their size, as the
// corruption did. What no honest step before a departure does is land far
// outside a calibrated δ: so the first departure at least
// kClearDeparture × δ comes before any rank (the earliest, since what
// follows a departure starts from the state it made), and ranks order
// only what lands less far outside (honest rounding just past δ before a
// departure, and the departure). Honest rounding kClearDeparture × δ out
// means a δ wrong by three orders of magnitude, which calibration's own
// check of the task warns about.
//
// Thread-safety: pure.
#pragma once

#include <optional>
#include <vector>

#include "core/state/tensor_data.h"

namespace veritrain {

// Distance / δ from which a departure is clear: named before any rank.
inline constexpr double kClearDeparture = 1000;

// The parameter norm of a committed state, for ranking: nullopt when it has
// no parameters; +inf when a value is not finite or the norm overflows.
std::optional<double> RankingNorm(const State& committed);

// The ranks of `ratios` (distance / δ, each > 0 or +inf), index for index.
// norms[i] nullopt: unknown, ratio i kept as it is and no reference for
// the others; +inf: rank 0.
// REQUIRES: ratios.size() == norms.size().
std::vector<double> DepartureRanks(const std::vector<double>& ratios,
                                   const std::vector<std::optional<double>>& norms);

}  // namespace veritrain
