// Which nodes of a step graph can change the state after the step.
//
// The state after a step is made of the "next/…" values (the optimizer
// nodes' outputs) and the state before it (step_graph.h). A node can change
// that state when one of its outputs is a "next/…" value or is read, directly
// or through later nodes, by a node that writes one. A node that cannot —
// "loss.forward" writes the loss value, which no node reads (the loss's
// backward recomputes from the logits) — leaves every checkpoint as it was
// whatever it outputs, so perturbing it is invisible to a verifier that
// compares states.
//
// A static check over the nodes' declared inputs and outputs: it says what
// can reach the state, not whether a given perturbation survives (a ReLU
// may zero it).
//
// Thread-safety: a pure function.
#pragma once

#include <vector>

#include "core/train/step_graph.h"

namespace veritrain {

// One entry per node of `g`, in order: whether its outputs reach the state
// after the step.
std::vector<bool> NodesReachingState(const StepGraph& g);

}  // namespace veritrain
