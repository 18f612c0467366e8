#include "core/train/step_purity.h"

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "core/crypto/sha256.h"

namespace veritrain {
namespace {

// What two evaluations of one output must share: its dtype, shape and bits
// (a digest of the bytes, so that NaN payloads count, unlike torch::equal).
struct Fingerprint {
  torch::ScalarType type;
  std::vector<int64_t> sizes;
  Digest bytes;
  bool operator==(const Fingerprint& o) const {
    return type == o.type && sizes == o.sizes && bytes == o.bytes;
  }
};

Fingerprint FingerprintOf(const torch::Tensor& t) {
  const torch::Tensor c = t.detach().contiguous().cpu();
  return {c.scalar_type(), c.sizes().vec(),
          Sha256Of(c.nbytes() == 0 ? nullptr : c.data_ptr(), c.nbytes())};
}

}  // namespace

Status CheckStepIsPure(const TrainingJob& job, uint64_t init_seed, PurityBudget budget,
                       int* evaluations) {
  const auto t0 = std::chrono::steady_clock::now();
  TensorMap state = job.InitialState(init_seed);
  VT_ASSIGN_OR_RETURN(TensorMap batch, job.Batch(0));
  // The first evaluation keeps a fingerprint of each node's outputs and the
  // others compare against them as they go; none keeps a record of the
  // step's values, so a large model's check holds about one step's memory.
  std::vector<std::vector<Fingerprint>> first(job.graph().size());
  const NodeHook keep = [&first](size_t index, const Node& node, TensorMap& outputs) {
    for (const auto& name : node.outputs) first[index].push_back(FingerprintOf(outputs.at(name)));
  };
  VT_RETURN_IF_ERROR(RunStepGraph(job.graph(), state, batch, nullptr, keep).status());
  std::string differs;  // "node 'x' gave two different values of 'y'", at the first
  const NodeHook compare = [&first, &differs](size_t index, const Node& node,
                                             TensorMap& outputs) {
    if (!differs.empty()) return;
    for (size_t i = 0; i < node.outputs.size() && i < first[index].size(); ++i) {
      if (FingerprintOf(outputs.at(node.outputs[i])) == first[index][i]) continue;
      differs = "node '" + node.name + "' gave two different values of '" + node.outputs[i] + "'";
      return;
    }
  };
  int done = 1;
  auto more = [&] {
    if (!differs.empty() || done >= budget.max_evaluations) return false;
    if (done < budget.min_evaluations) return true;
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() <
           budget.seconds;
  };
  while (more()) {
    // The last one possible takes the state: a large model's check then
    // holds one state less while it steps.
    const bool last = done + 1 == budget.max_evaluations;
    VT_RETURN_IF_ERROR(
        RunStepGraph(job.graph(), last ? std::move(state) : state, batch, nullptr, compare)
            .status());
    ++done;
  }
  if (evaluations != nullptr) *evaluations = done;
  if (!differs.empty()) {
    return Status::FailedPrecondition(
        differs + " for the same inputs (step 0 evaluated " +
        (done == 2 ? std::string("twice") : std::to_string(done) + " times") +
        "): the step is not a pure function of its inputs — randomness in the model's forward "
        "(torch.randn_like, dropout in training mode), or threads whose order decides a "
        "result? Verifiers and the arbiter could not reproduce an honest solver");
  }
  return Status::Ok();
}

Result<std::vector<std::vector<std::string>>> StepFingerprints(const TrainingJob& job,
                                                               uint64_t init_seed) {
  TensorMap state = job.InitialState(init_seed);
  VT_ASSIGN_OR_RETURN(TensorMap batch, job.Batch(0));
  std::vector<std::vector<std::string>> out(job.graph().size());
  const NodeHook keep = [&out](size_t index, const Node& node, TensorMap& outputs) {
    for (const auto& name : node.outputs) {
      const Fingerprint f = FingerprintOf(outputs.at(name));
      std::string shape;
      for (int64_t d : f.sizes) shape += (shape.empty() ? "" : ",") + std::to_string(d);
      out[index].push_back(std::string(c10::toString(f.type)) + " [" + shape + "] " +
                           f.bytes.Hex());
    }
  };
  VT_RETURN_IF_ERROR(RunStepGraph(job.graph(), std::move(state), batch, nullptr, keep).status());
  return out;
}

Status CompareStepFingerprints(const TrainingJob& job,
                               const std::vector<std::vector<std::string>>& mine,
                               const std::vector<std::vector<std::string>>& theirs,
                               const std::string& who) {
  const auto& nodes = job.graph().nodes();
  for (size_t i = 0; i < nodes.size(); ++i) {
    const std::vector<std::string> none;
    const auto& a = i < mine.size() ? mine[i] : none;
    const auto& b = i < theirs.size() ? theirs[i] : none;
    if (a == b) continue;
    std::string value = nodes[i].outputs.empty() ? std::string("its output") : nodes[i].outputs[0];
    for (size_t j = 0; j < a.size() && j < b.size() && j < nodes[i].outputs.size(); ++j) {
      if (a[j] != b[j]) {
        value = nodes[i].outputs[j];
        break;
      }
    }
    return Status::FailedPrecondition(
        "node '" + nodes[i].name + "' gave another value of '" + value + "' in " + who +
        " for the same inputs (step 0): the step depends on something of the process that "
        "computes it — a value drawn when the job's library loads, an order that follows "
        "memory addresses, the process id? Each role is a process of its own: verifiers and "
        "the arbiter could not reproduce an honest solver");
  }
  if (theirs.size() != mine.size()) {
    return Status::FailedPrecondition(who + " gave fingerprints of " +
                                      std::to_string(theirs.size()) + " nodes, the graph has " +
                                      std::to_string(mine.size()));
  }
  return Status::Ok();
}

}  // namespace veritrain
