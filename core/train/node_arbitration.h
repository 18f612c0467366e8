// One step as the challenge game sees it, and the arbiter's one-node
// ruling.
//
// The game dissects the job's step graph plus one final node,
// "state.assemble", which builds the next state from the state before the
// step and the "next/…" values the optimizer nodes produced; its output
// hash is therefore the state hash after the step, which ties phase 2 to
// the trace. Every node's output hash o_j is the state hash (Merkle root,
// name order) over its named outputs, so a single output tensor can be
// proven against it.
//
// The solver records the disputed step (RecordStep, with its behaviour's
// node hook, so its answers match its trace) and builds the evidence for
// the node the dissection ends on (BuildNodeEvidence). The arbiter checks
// every input against what was agreed — the state before the step (by the
// agreed state hash), earlier nodes' outputs (by a chain segment ending in
// the agreed prefix hash), the batch (derived from the task itself) — and
// evaluates that node alone (ArbitrateNode).
//
// Thread-safety: free functions; a TrainingJob's const methods may be
// called concurrently.
#pragma once

#include <string>
#include <vector>

#include "core/crypto/sha256.h"
#include "core/train/job.h"
#include "core/train/torch_bridge.h"
#include "core/util/status.h"
#include "core/wire/messages/node_evidence.h"

namespace veritrain {

inline constexpr const char* kAssembleNode = "state.assemble";

// Nodes the game dissects: the job's graph nodes plus state.assemble.
int64_t GameNodeCount(const TrainingJob& job);
std::string GameNodeName(const TrainingJob& job, int64_t index);

struct StepTranscript {
  int64_t step = 0;
  TensorMap state;                  // before the step
  TensorMap batch;
  std::vector<TensorMap> outputs;   // per game node
  std::vector<Digest> output_hashes;
  std::vector<Digest> chain;        // h_0 .. h_N
  Digest outputs_root;              // Merkle root over the output hashes
  Digest state_hash;                // before the step
  Digest next_state_hash;           // after the step (= output_hashes.back())
  TensorMap next_state;
};

// The hash of a node's named outputs (a state hash over them).
Result<Digest> OutputHash(const TensorMap& outputs);

// What state.assemble computes: the state after the step from the state
// before it and the step's values (`values` holding "next/<name>" for each
// state tensor the optimizer replaced; the others carry over), with
// meta/step incremented. InvalidArgument when `state` has no meta/step.
Result<TensorMap> AssembleState(const TensorMap& state, const TensorMap& values);

// Runs the step at state's meta/step through the graph with `hook`,
// recording every node. REQUIRES: state is a state of `job`.
Result<StepTranscript> RecordStep(const TrainingJob& job, const TensorMap& state,
                                  const NodeHook& hook);

// RecordStep's hashes alone (step, output_hashes, chain, outputs_root and
// both state hashes; no tensors), computed as each node runs: the step
// takes `state` and frees each tensor after its last reader, so it holds
// about one state rather than the state before, the state after and every
// gradient at once (what RecordStep keeps). For a side that only compares
// the chain (the challenger). `state_hash` is the state's, already known.
// The hashes equal RecordStep's with no hook. REQUIRES: state is a state
// of `job` and hashes to `state_hash`.
Result<StepTranscript> HashStep(const TrainingJob& job, TensorMap state,
                                const Digest& state_hash);

// The evidence for game node `node` (inputs with proofs; outputs too when
// `with_outputs`).
Result<NodeEvidence> BuildNodeEvidence(const TrainingJob& job, const StepTranscript& t,
                                       int64_t node, bool with_outputs);

struct ArbitrationContext {
  int64_t step = 0;             // the disputed step (global)
  int64_t node = 0;             // the disputed game node
  int64_t graph_nodes = 0;      // N the solver committed to
  Digest agreed_state_hash;     // state before the step
  Digest agreed_chain_hash;     // h_node (agreed)
  Digest solver_chain_next;     // h_{node+1} (the solver's, disputed)
  Digest solver_next_state_hash;  // the solver's trace hash after the step
  std::string mode = "exact";   // "exact" | "tolerance"
  // Tolerance mode: the node's threshold on the componentwise relative
  // error of its outputs (core/train/node_compare.h); state.assemble is
  // always compared exactly.
  double tolerance = 0;
  // Threads the ruling may use: with 2 or more, the input proofs are
  // checked (the inputs hashed) on a second thread while the caller reads
  // the inputs and, in tolerance mode, hashes the claimed outputs. The
  // verdict is the same for any count.
  int threads = 2;
};

struct NodeRuling {
  bool solver_correct = false;
  // The arbiter evaluated the node and compared its output with the
  // solver's: a ruling against the solver then proves its step wrong. A
  // ruling on evidence that fails a check proves only that the solver
  // could not back its claim.
  bool evaluated = false;
  std::string reason;
  std::string node_name;
  double node_flops = 0;
  double step_flops = 0;
  double seconds = 0;            // evaluating the node
  bool tolerance_mode = false;   // ctx.mode was "tolerance"
  double deviation = 0;          // tolerance mode: componentwise relative error
  double tolerance = 0;          // tolerance mode: the threshold applied
  Digest arbiter_output_hash;
};

// Checks the evidence and evaluates the node (in the precision of the
// evidence: `job` should be built in the dtype the solver committed in).
// Nothing is evaluated before every input's proof holds. Each tensor is
// hashed once: the inputs for their proofs, then the arbiter's outputs
// (exact mode); in tolerance mode the claimed outputs, and the arbiter's
// only when they are not bit-equal to those (else its hash is the
// claim's). The state's names come from job.StateNames(), not from a
// state built for them.
// Evidence that fails a check
// (a bad proof, a missing input, an output hash that does not chain) is a
// ruling against the solver, not an error; errors are the arbiter's own
// failures.
Result<NodeRuling> ArbitrateNode(const TrainingJob& job, const ArbitrationContext& ctx,
                                 const NodeEvidence& evidence);

}  // namespace veritrain
