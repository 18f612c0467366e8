#include "core/train/node_arbitration.h"

#include <cstdio>

#include <algorithm>
#include <chrono>
#include <exception>
#include <limits>
#include <map>

#include "core/crypto/merkle.h"
#include "core/protocol/node_chain.h"
#include "core/state/state_hash.h"
#include "core/train/node_compare.h"
#include "core/util/helper_pool.h"
#include "core/wire/body_fields.h"

namespace veritrain {
namespace {

constexpr char kNextPrefix[] = "next/";
constexpr char kOutputPrefix[] = "out/";

enum class Source { kState, kBatch, kNode };

struct InputSpec {
  std::string name;
  Source source = Source::kState;
  int64_t producer = -1;
};

// Which node produced each value of the step graph.
std::map<std::string, int64_t> Producers(const StepGraph& g) {
  std::map<std::string, int64_t> out;
  for (size_t i = 0; i < g.nodes().size(); ++i) {
    for (const auto& name : g.nodes()[i].outputs) out.emplace(name, static_cast<int64_t>(i));
  }
  return out;
}

// The inputs of game node `node`, in a fixed order, with their sources.
// `state_names` are the names of the job's state tensors, sorted.
Result<std::vector<InputSpec>> InputsOf(const TrainingJob& job,
                                        const std::vector<std::string>& state_names, int64_t node) {
  const StepGraph& g = job.graph();
  const auto producers = Producers(g);
  std::vector<std::string> names;
  if (node < static_cast<int64_t>(g.size())) {
    names = g.nodes()[node].inputs;
  } else {
    names = state_names;
    for (const auto& [name, i] : producers) {
      if (name.rfind(kNextPrefix, 0) == 0) names.push_back(name);
    }
  }
  std::vector<InputSpec> out;
  for (const auto& name : names) {
    InputSpec s;
    s.name = name;
    auto p = producers.find(name);
    if (std::binary_search(state_names.begin(), state_names.end(), name)) {
      s.source = Source::kState;
    } else if (p != producers.end() && p->second < node) {
      s.source = Source::kNode;
      s.producer = p->second;
    } else if (name.rfind("data/", 0) == 0) {
      s.source = Source::kBatch;
    } else {
      return Status::Internal("input '" + name + "' of node " + std::to_string(node) +
                              " has no source");
    }
    out.push_back(s);
  }
  return out;
}

const char* SourceName(Source s) {
  switch (s) {
    case Source::kState: return "state";
    case Source::kBatch: return "batch";
    case Source::kNode: return "node";
  }
  return "?";
}

TensorMap Restrict(const TensorMap& m, const std::vector<std::string>& names) {
  TensorMap out;
  for (const auto& n : names) {
    auto it = m.find(n);
    if (it != m.end()) out.emplace(n, it->second);
  }
  return out;
}

}  // namespace

int64_t GameNodeCount(const TrainingJob& job) {
  return static_cast<int64_t>(job.graph().size()) + 1;
}

std::string GameNodeName(const TrainingJob& job, int64_t index) {
  if (index >= 0 && index < static_cast<int64_t>(job.graph().size())) {
    return job.graph().nodes()[index].name;
  }
  return index == static_cast<int64_t>(job.graph().size()) ? kAssembleNode : "?";
}

Result<Digest> OutputHash(const TensorMap& outputs) { return StateHash(ToState(outputs)); }

// Exactly what RunStepGraph does after the last node.
Result<TensorMap> AssembleState(const TensorMap& state, const TensorMap& values) {
  auto step = state.find("meta/step");
  if (step == state.end()) return Status::InvalidArgument("the state has no 'meta/step'");
  TensorMap next;
  for (const auto& [name, tensor] : state) {
    auto it = values.find(kNextPrefix + name);
    next.emplace(name, it != values.end() ? it->second : tensor);
  }
  next["meta/step"] = step->second + 1;
  return next;
}

namespace {

// A transcript of the step `state` records (meta/step), nothing else yet.
Result<StepTranscript> TranscriptOfStep(const TensorMap& state) {
  StepTranscript t;
  auto it = state.find("meta/step");
  if (it == state.end() || it->second.numel() != 1) {
    return Status::InvalidArgument("state has no 'meta/step'");
  }
  t.step = it->second.item<int64_t>();
  return t;
}

// The chain and the outputs' root, from the state hash and output hashes.
void SealTranscript(StepTranscript* t) {
  t->chain = Chain(t->state_hash, t->output_hashes);
  std::vector<Digest> leaves;
  for (const auto& h : t->output_hashes) leaves.push_back(MerkleLeafHash(h));
  t->outputs_root = MerkleRoot(leaves);
}

}  // namespace

Result<StepTranscript> RecordStep(const TrainingJob& job, const TensorMap& state,
                                  const NodeHook& hook) {
  VT_ASSIGN_OR_RETURN(StepTranscript t, TranscriptOfStep(state));
  t.state = state;
  VT_ASSIGN_OR_RETURN(t.batch, job.Batch(t.step));
  std::vector<NodeRecord> record;
  VT_ASSIGN_OR_RETURN(t.next_state, RunStepGraph(job.graph(), state, t.batch, &record, hook));
  for (size_t i = 0; i < record.size(); ++i) {
    t.outputs.push_back(Restrict(record[i].outputs, job.graph().nodes()[i].outputs));
  }
  t.outputs.push_back(t.next_state);
  for (const auto& out : t.outputs) {
    VT_ASSIGN_OR_RETURN(Digest h, OutputHash(out));
    t.output_hashes.push_back(h);
  }
  VT_ASSIGN_OR_RETURN(t.state_hash, StateHash(ToState(state)));
  t.next_state_hash = t.output_hashes.back();
  SealTranscript(&t);
  return t;
}

Result<StepTranscript> HashStep(const TrainingJob& job, TensorMap state,
                                const Digest& state_hash) {
  VT_ASSIGN_OR_RETURN(StepTranscript t, TranscriptOfStep(state));
  t.state_hash = state_hash;
  VT_ASSIGN_OR_RETURN(TensorMap batch, job.Batch(t.step));
  Status hashed = Status::Ok();
  auto hash_outputs = [&](size_t, const Node&, TensorMap& outputs) {
    if (!hashed.ok()) return;
    Result<Digest> h = OutputHash(outputs);
    if (h.ok()) {
      t.output_hashes.push_back(*h);
    } else {
      hashed = h.status();
    }
  };
  Result<TensorMap> next = RunStepGraph(job.graph(), std::move(state), batch, nullptr,
                                        hash_outputs);
  VT_RETURN_IF_ERROR(hashed);
  VT_RETURN_IF_ERROR(next.status());
  VT_ASSIGN_OR_RETURN(t.next_state_hash, OutputHash(*next));
  t.output_hashes.push_back(t.next_state_hash);
  SealTranscript(&t);
  return t;
}

Result<NodeEvidence> BuildNodeEvidence(const TrainingJob& job, const StepTranscript& t,
                                       int64_t node, bool with_outputs) {
  if (node < 0 || node >= static_cast<int64_t>(t.outputs.size())) {
    return Status::InvalidArgument("node " + std::to_string(node) + " is not in the step");
  }
  std::vector<std::string> state_names;
  for (const auto& [name, unused] : t.state) state_names.push_back(name);
  VT_ASSIGN_OR_RETURN(auto specs, InputsOf(job, state_names, node));
  NodeEvidence ev;
  ev.node = node;
  ev.output_hash = t.output_hashes[node];
  ev.with_outputs = with_outputs;
  const State state = ToState(t.state);
  for (const auto& s : specs) {
    nlohmann::json entry = {{"name", s.name}, {"source", SourceName(s.source)}};
    if (s.source == Source::kState) {
      VT_ASSIGN_OR_RETURN(auto proof, ProveTensor(state, s.name));
      entry["proof"] = ProofToJson(proof);
      ev.tensors.push_back(ToTensorData(s.name, t.state.at(s.name)));
    } else if (s.source == Source::kNode) {
      const State produced = ToState(t.outputs[s.producer]);
      VT_ASSIGN_OR_RETURN(auto proof, ProveTensor(produced, s.name));
      std::vector<std::string> chain;
      for (int64_t i = s.producer; i < node; ++i) chain.push_back(t.output_hashes[i].Hex());
      entry["producer"] = s.producer;
      entry["proof"] = ProofToJson(proof);
      entry["chain"] = chain;
      entry["chain_base"] = t.chain[s.producer].Hex();
      ev.tensors.push_back(ToTensorData(s.name, t.outputs[s.producer].at(s.name)));
    }
    ev.inputs.push_back(entry);
  }
  if (with_outputs) {
    for (const auto& [name, tensor] : t.outputs[node]) {
      ev.tensors.push_back(ToTensorData(kOutputPrefix + name, tensor));
    }
  }
  return ev;
}

namespace {

// Records `why` as the evidence's failure.
Status Problem(const std::string& why, std::string* problem) {
  *problem = why;
  return Status::Ok();
}

// One input tensor's inclusion proof: its leaf against the root it must
// be in. `failure` begins the problem when the proof does not hold.
struct InclusionCheck {
  const TensorData* tensor = nullptr;
  InclusionProof proof;
  Digest root;
  std::string failure;
};

// The problem of the first check, in order, that fails; empty when all
// hold. Hashes every tensor it checks: the bulk of a ruling's hashing.
std::string FirstFailure(const std::vector<InclusionCheck>& checks) {
  for (const auto& c : checks) {
    Status in = VerifyTensorInclusion(*c.tensor, c.proof, c.root);
    if (!in.ok()) return c.failure + in.message();
  }
  return {};
}

// The proofs the inputs of node ctx.node must pass: a state tensor its
// inclusion in the agreed state, an intermediate one the chain segment
// from its producer (checked here: a few hashes) and its inclusion in the
// producer's output hash. A batch tensor needs none: it is recomputed.
// Sets *problem (and returns OK) at the first input whose evidence is
// malformed; `checks` then holds the proofs of the inputs before it.
Status InputChecks(const ArbitrationContext& ctx, const NodeEvidence& ev,
                   const std::vector<InputSpec>& specs, std::vector<InclusionCheck>* checks,
                   std::string* problem) {
  // Evidence entries and tensors, by name.
  std::map<std::string, const nlohmann::json*> entries;
  std::map<std::string, const TensorData*> tensors;
  for (const auto& e : ev.inputs) {
    if (e.is_object() && e.contains("name") && e["name"].is_string()) {
      entries[e["name"].get<std::string>()] = &e;
    }
  }
  for (const auto& t : ev.tensors) tensors[t.name] = &t;

  for (const auto& s : specs) {
    auto e = entries.find(s.name);
    if (e == entries.end()) return Problem("input '" + s.name + "' is missing", problem);
    const nlohmann::json& entry = *e->second;
    if (entry.value("source", std::string()) != SourceName(s.source)) {
      return Problem("input '" + s.name + "' should come from " + SourceName(s.source), problem);
    }
    if (s.source == Source::kBatch) continue;
    auto t = tensors.find(s.name);
    if (t == tensors.end()) return Problem("input tensor '" + s.name + "' was not sent", problem);
    auto proof = ProofFromJson(entry.value("proof", nlohmann::json()), "proof");
    if (!proof.ok()) return Problem("input '" + s.name + "': " + proof.status().message(), problem);
    InclusionCheck check{t->second, std::move(proof).value(), ctx.agreed_state_hash,
                         "input '" + s.name + "' is not in the agreed state: "};
    if (s.source == Source::kNode) {
      if (entry.value("producer", int64_t{-1}) != s.producer) {
        return Problem("input '" + s.name + "' names the wrong producer", problem);
      }
      auto base = Digest::FromHex(entry.value("chain_base", std::string()));
      auto chain_hex = entry.value("chain", std::vector<std::string>());
      if (!base || static_cast<int64_t>(chain_hex.size()) != ctx.node - s.producer) {
        return Problem("input '" + s.name + "' has a malformed chain segment", problem);
      }
      std::vector<Digest> chain;
      for (const auto& h : chain_hex) {
        auto d = Digest::FromHex(h);
        if (!d) return Problem("input '" + s.name + "' has a malformed chain segment", problem);
        chain.push_back(*d);
      }
      Status seg = VerifyChainSegment(*base, chain, ctx.agreed_chain_hash);
      if (!seg.ok()) return Problem("input '" + s.name + "': " + seg.message(), problem);
      check.root = chain.front();
      check.failure = "input '" + s.name + "' is not an output of node " +
                      std::to_string(s.producer) + ": ";
    }
    // An inconsistent tensor fails its proof without being hashed.
    if (!check.tensor->consistent()) {
      return Problem(FirstFailure({check}), problem);
    }
    checks->push_back(std::move(check));
  }
  return Status::Ok();
}

// The inputs of node ctx.node as tensors: the batch's recomputed from the
// task, the others read from the evidence (whose proofs the caller
// checks). Sets *problem (and returns OK) when a tensor cannot be read.
Status ReadInputs(const TrainingJob& job, const ArbitrationContext& ctx, const NodeEvidence& ev,
                  const std::vector<InputSpec>& specs, TensorMap* inputs, std::string* problem) {
  std::map<std::string, const TensorData*> tensors;
  for (const auto& t : ev.tensors) tensors[t.name] = &t;
  TensorMap batch;
  for (const auto& s : specs) {
    if (s.source == Source::kBatch) {
      if (batch.empty()) {
        VT_ASSIGN_OR_RETURN(batch, job.Batch(ctx.step));
      }
      auto b = batch.find(s.name);
      if (b == batch.end()) return Status::Internal("the batch has no '" + s.name + "'");
      inputs->emplace(s.name, b->second);
      continue;
    }
    auto tensor = FromTensorData(*tensors.at(s.name));
    if (!tensor.ok()) return Problem(tensor.status().message(), problem);
    inputs->emplace(s.name, std::move(tensor).value());
  }
  return Status::Ok();
}

// Tolerance mode: the solver's claimed outputs, checked against its
// output hash before anything is evaluated. Sets *problem (and returns OK)
// when they fail.
Status ClaimedOutputs(const NodeEvidence& ev, TensorMap* claimed_out, std::string* problem) {
  TensorMap& claimed = *claimed_out;
  for (const auto& t : ev.tensors) {
    if (t.name.rfind(kOutputPrefix, 0) != 0) continue;
    auto tensor = FromTensorData(t);
    if (!tensor.ok()) return Problem(tensor.status().message(), problem);
    claimed.emplace(t.name.substr(sizeof(kOutputPrefix) - 1), std::move(tensor).value());
  }
  VT_ASSIGN_OR_RETURN(Digest claimed_hash, OutputHash(claimed));
  if (claimed_hash != ev.output_hash) return Problem("its output tensors do not hash to its claim", problem);
  return Status::Ok();
}

// The one evaluation the arbiter pays for (in tolerance mode with its
// error scale: the node again on the inputs' absolute values), or the
// assembly of the next state for the last node. Sets *problem (and
// returns OK) when the node cannot be evaluated on the evidence.
Status EvaluateOnEvidence(const TrainingJob& job, const ArbitrationContext& ctx,
                          const std::vector<std::string>& state_names, const TensorMap& inputs,
                          const TensorMap& claimed, NodeRuling* r, TensorMap* outputs_out,
                          NodeDeviation* deviation_out, std::string* problem) {
  const bool tolerance = ctx.mode == "tolerance";
  TensorMap& outputs = *outputs_out;
  NodeDeviation& deviation = *deviation_out;
  if (ctx.node < static_cast<int64_t>(job.graph().size())) {
    const Node& node = job.graph().nodes()[ctx.node];
    r->node_flops = node.flops;
    if (tolerance) {
      auto compared = CompareNode(job.graph(), static_cast<size_t>(ctx.node), inputs, claimed,
                                  &outputs);
      if (!compared.ok()) return Problem(compared.status().message(), problem);
      deviation = *compared;
    } else {
      auto out = EvaluateNode(job.graph(), static_cast<size_t>(ctx.node), inputs);
      if (!out.ok()) return Problem("the node cannot be evaluated on it: " + out.status().message(), problem);
      outputs = Restrict(*out, node.outputs);
    }
  } else {
    TensorMap before;
    for (const auto& name : state_names) {
      auto it = inputs.find(name);
      if (it != inputs.end()) before.emplace(name, it->second);
    }
    try {
      auto assembled = AssembleState(before, inputs);
      if (!assembled.ok()) return Problem("the state cannot be assembled from it: " +
                                          assembled.status().message(), problem);
      outputs = std::move(assembled).value();
    } catch (const std::exception& e) {
      return Problem(std::string("the state cannot be assembled from it: ") + ErrorText(e), problem);
    }
    // Assembling copies values: it is exact on every profile.
    if (tolerance) deviation = CompareOutputs(outputs, {}, claimed);
  }
  return Status::Ok();
}

}  // namespace

Result<NodeRuling> ArbitrateNode(const TrainingJob& job, const ArbitrationContext& ctx,
                                 const NodeEvidence& ev) {
  NodeRuling r;
  r.tolerance_mode = ctx.mode == "tolerance";
  r.node_name = GameNodeName(job, ctx.node);
  r.step_flops = job.StepFlops();
  const std::string contradiction = "the assembled state hash is not the one in its trace";
  bool assembly_contradicts_trace = false;
  auto against = [&](const std::string& why) {
    r.solver_correct = false;
    r.reason = "the solver's evidence for " + r.node_name +
               " fails: " + (assembly_contradicts_trace ? contradiction + "; " : "") + why;
    return r;
  };
  const int64_t n = GameNodeCount(job);
  if (ctx.graph_nodes != n) {
    return against("it committed to " + std::to_string(ctx.graph_nodes) +
                   " nodes; the task's step graph has " + std::to_string(n));
  }
  if (ev.node != ctx.node) return against("it is for node " + std::to_string(ev.node));
  if (ChainNext(ctx.agreed_chain_hash, ev.output_hash) != ctx.solver_chain_next) {
    return against("its output hash does not chain to the hash it committed to");
  }
  // The solver's own assembly contradicts its trace. That alone proves only
  // that its claims disagree (a solver could contradict itself on purpose,
  // beside a correct trace, to have the trace's approvers slashed as lazy):
  // the arbiter assembles the proven node outputs itself below, and the
  // trace is proven wrong when that assembly is not the trace's state either.
  assembly_contradicts_trace = ctx.node == n - 1 && ev.output_hash != ctx.solver_next_state_hash;
  // The state names are fixed by the job, not by the evidence.
  const std::vector<std::string> state_names = job.StateNames();
  VT_ASSIGN_OR_RETURN(auto specs, InputsOf(job, state_names, ctx.node));
  std::string problem;
  std::vector<InclusionCheck> checks;
  VT_RETURN_IF_ERROR(InputChecks(ctx, ev, specs, &checks, &problem));
  if (!problem.empty()) {
    // A proof of an earlier input that fails is the first problem.
    const std::string failed = FirstFailure(checks);
    return against(failed.empty() ? problem : failed);
  }
  // The proofs are checked (the inputs hashed) while the inputs are read
  // and the claimed outputs hashed; nothing is evaluated before they hold.
  // On a parked helper of the process (core/util/helper_pool.h): no thread
  // is started per ruling.
  std::string proof_problem;
  Status proof_error = Status::Ok();
  SharedTask proofs(
      [&] {
        try {
          proof_problem = FirstFailure(checks);
        } catch (const std::exception& e) {  // allocation
          proof_error = Status::Internal(std::string("checking the input proofs: ") + ErrorText(e));
        }
      },
      /*on_helper=*/ctx.threads > 1 && !checks.empty());
  TensorMap inputs;
  std::string read_problem;
  Status read = ReadInputs(job, ctx, ev, specs, &inputs, &read_problem);
  const bool tolerance = ctx.mode == "tolerance";
  TensorMap claimed;
  std::string claim_problem;
  if (read.ok() && read_problem.empty() && tolerance) {
    read = ClaimedOutputs(ev, &claimed, &claim_problem);
  }
  proofs.Wait();
  VT_RETURN_IF_ERROR(proof_error);
  if (!proof_problem.empty()) return against(proof_problem);
  VT_RETURN_IF_ERROR(read);
  if (!read_problem.empty()) return against(read_problem);
  if (!claim_problem.empty()) return against(claim_problem);

  const auto t0 = std::chrono::steady_clock::now();
  TensorMap outputs;
  NodeDeviation deviation;
  VT_RETURN_IF_ERROR(EvaluateOnEvidence(job, ctx, state_names, inputs, claimed, &r, &outputs,
                                        &deviation, &problem));
  if (!problem.empty()) return against(problem);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (tolerance && BitEqual(outputs, claimed)) {
    // The claimed outputs hash to the solver's claim (checked above), so
    // bit-equal outputs of the arbiter's do too.
    r.arbiter_output_hash = ev.output_hash;
  } else {
    VT_ASSIGN_OR_RETURN(r.arbiter_output_hash, OutputHash(outputs));
  }
  if (assembly_contradicts_trace) {
    // Exactly, in both modes: assembling copies tensors.
    r.solver_correct = false;
    r.evaluated = r.arbiter_output_hash != ctx.solver_next_state_hash;
    r.reason = "the solver's evidence for " + r.node_name + " fails: " + contradiction +
               (r.evaluated ? ", and the arbiter's assembly of the proven node outputs is not "
                              "either: the trace's state is not the step's result"
                            : "; the arbiter's assembly of the proven node outputs is: its claim "
                              "is wrong, its trace is not proven wrong");
    return r;
  }

  if (tolerance) {
    const bool assemble = ctx.node == n - 1;
    r.tolerance = assemble ? 0 : ctx.tolerance;
    r.deviation = deviation.ratio;
    if (!deviation.problem.empty()) return against(deviation.problem);
    r.evaluated = true;
    r.solver_correct = deviation.Within(r.tolerance);
    char threshold[48];
    std::snprintf(threshold, sizeof(threshold), "%.3g", r.tolerance);
    r.reason = std::string(r.solver_correct ? "the solver's " : "the challenger is right: the solver's ") +
               r.node_name + " output is " + (r.solver_correct ? "within" : "outside") +
               " its threshold " + threshold + " of the arbiter's evaluation on the same inputs (" +
               deviation.Describe() + ")";
    return r;
  }
  r.evaluated = true;
  r.solver_correct = r.arbiter_output_hash == ev.output_hash;
  r.reason = r.solver_correct
                 ? "the arbiter's evaluation of " + r.node_name + " matches the solver's output"
                 : "the arbiter's evaluation of " + r.node_name +
                       " differs from the solver's output: the challenge is upheld";
  return r;
}

}  // namespace veritrain
