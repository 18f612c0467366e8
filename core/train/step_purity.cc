#include "core/train/step_purity.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

namespace veritrain {
namespace {

// Bit-for-bit equality (NaN payloads included, unlike torch::equal).
bool SameBits(const torch::Tensor& a, const torch::Tensor& b) {
  if (a.scalar_type() != b.scalar_type() || a.sizes() != b.sizes()) {
    return false;
  }
  const torch::Tensor x = a.contiguous().cpu(), y = b.contiguous().cpu();
  return std::memcmp(x.data_ptr(), y.data_ptr(), x.nbytes()) == 0;
}

}  // namespace

Status CheckStepIsPure(const TrainingJob& job, uint64_t init_seed) {
  const TensorMap state = job.InitialState(init_seed);
  VT_ASSIGN_OR_RETURN(TensorMap batch, job.Batch(0));
  std::vector<NodeRecord> first, second;
  VT_RETURN_IF_ERROR(RunStepGraph(job.graph(), state, batch, &first).status());
  VT_RETURN_IF_ERROR(RunStepGraph(job.graph(), state, batch, &second).status());
  const std::vector<Node>& nodes = job.graph().nodes();
  const size_t n = std::min({nodes.size(), first.size(), second.size()});
  for (size_t i = 0; i < n; ++i) {
    for (const auto& name : nodes[i].outputs) {
      auto a = first[i].outputs.find(name), b = second[i].outputs.find(name);
      if (a == first[i].outputs.end() || b == second[i].outputs.end()) continue;
      if (SameBits(a->second, b->second)) continue;
      return Status::FailedPrecondition(
          "node '" + nodes[i].name + "' gave two different values of '" + name +
          "' for the same inputs (step 0 evaluated twice): the step is not a "
          "pure function of its inputs — randomness in the model's forward "
          "(torch.randn_like, dropout in training mode)? Verifiers and the "
          "arbiter could not reproduce an honest solver");
    }
  }
  return Status::Ok();
}

}  // namespace veritrain
