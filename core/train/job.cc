#include "core/train/job.h"

#include <torch/torch.h>

#include <map>
#include <mutex>
#include <utility>

#include "core/train/classifier_job.h"
#include "core/train/cnn_job.h"
#include "core/train/torchscript_job.h"
#include "core/train/transformer_job.h"

namespace veritrain {

namespace {

struct Registry {
  std::mutex mu;
  std::map<std::string, JobFactory> factories;  // guarded by mu
};

// The built-ins are added here rather than by static registrars, which the
// linker would drop from a static library.
Registry& GetRegistry() {
  static Registry* r = [] {
    auto* reg = new Registry;
    reg->factories.emplace("mlp", MakeMlpJob);
    reg->factories.emplace("synthetic", MakeSyntheticJob);
    reg->factories.emplace("cnn", MakeCnnJob);
    reg->factories.emplace("torchscript", MakeTorchScriptJob);
    reg->factories.emplace("transformer", MakeTransformerJob);
    return reg;
  }();
  return *r;
}

}  // namespace

Status RegisterJob(const std::string& name, JobFactory factory) {
  if (name.empty()) return Status::InvalidArgument("job name is empty");
  if (!factory) {
    return Status::InvalidArgument("job '" + name + "': no factory");
  }
  Registry& r = GetRegistry();
  std::lock_guard<std::mutex> lock(r.mu);
  if (!r.factories.emplace(name, std::move(factory)).second) {
    return Status::InvalidArgument("job '" + name + "' is already registered");
  }
  return Status::Ok();
}

std::vector<std::string> KnownJobs() {
  Registry& r = GetRegistry();
  std::lock_guard<std::mutex> lock(r.mu);
  std::vector<std::string> names;
  for (const auto& [name, f] : r.factories) names.push_back(name);
  return names;
}

Result<std::unique_ptr<TrainingJob>> MakeJob(const JobConfig& config) {
  JobFactory factory;
  {
    Registry& r = GetRegistry();
    std::lock_guard<std::mutex> lock(r.mu);
    auto it = r.factories.find(config.name);
    if (it != r.factories.end()) factory = it->second;
  }
  if (!factory) {
    std::string known;
    for (const auto& n : KnownJobs()) known += (known.empty() ? "" : ", ") + n;
    return Status::InvalidArgument("job.name: unknown job '" + config.name +
                                   "' (known: " + known + ")");
  }
  return factory(config);
}

std::vector<std::string> TrainingJob::StateNames() const {
  std::vector<std::string> names;
  for (const auto& [name, unused] : InitialState(0)) names.push_back(name);
  return names;  // a TensorMap iterates in name order
}

Status CheckStateShape(const TrainingJob& job, const TensorMap& state) {
  const TensorMap expected = job.InitialState(0);
  for (const auto& [name, t] : expected) {
    auto it = state.find(name);
    if (it == state.end()) return Status::InvalidArgument("tensor '" + name + "' is missing");
    if (it->second.sizes() != t.sizes()) {
      return Status::InvalidArgument("tensor '" + name + "' has another shape");
    }
    if (it->second.is_floating_point() != t.is_floating_point()) {
      return Status::InvalidArgument("tensor '" + name + "' has another kind of dtype");
    }
  }
  for (const auto& [name, t] : state) {
    if (expected.count(name) == 0) {
      return Status::InvalidArgument("tensor '" + name + "' is not part of the job's state");
    }
  }
  return Status::Ok();
}

Result<TensorMap> TrainStep(const TrainingJob& job, const TensorMap& state,
                            std::vector<NodeRecord>* record,
                            const NodeHook& hook) {
  auto it = state.find("meta/step");
  if (it == state.end() || !it->second.defined() ||
      it->second.scalar_type() != torch::kInt64 || it->second.dim() != 0) {
    return Status::InvalidArgument("state has no int64 scalar 'meta/step'");
  }
  const int64_t step = it->second.item<int64_t>();
  VT_ASSIGN_OR_RETURN(TensorMap batch, job.Batch(step));
  return RunStepGraph(job.graph(), state, batch, record, hook);
}

}  // namespace veritrain
