#include "core/train/job.h"

#include <torch/torch.h>

#include <algorithm>
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

bool IsBuiltinJob(const std::string& name) {
  return name == "mlp" || name == "synthetic" || name == "cnn" || name == "torchscript" ||
         name == "transformer";
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
  // A registered job's own factory (a plug-in's): its error names the job,
  // which its message alone may not, and what it throws is an error, not
  // the end of the process.
  const bool builtin = IsBuiltinJob(config.name);
  try {
    Result<std::unique_ptr<TrainingJob>> job = factory(config);
    if (job.ok() || builtin) return job;
    const std::string context = "job '" + config.name + "'";
    if (job.status().message().rfind(context, 0) == 0) return job;
    return job.status().WithContext(context);
  } catch (const std::exception& e) {
    return Status::Internal("job '" + config.name + "': building it threw: " + ErrorText(e));
  }
}

std::vector<StateTensorLayout> LayoutOf(const TensorMap& state) {
  std::vector<StateTensorLayout> out;
  out.reserve(state.size());
  for (const auto& [name, t] : state) {  // a TensorMap iterates in name order
    out.push_back({name, std::vector<int64_t>(t.sizes().begin(), t.sizes().end()),
                   t.is_floating_point()});
  }
  return out;
}

std::vector<std::string> TrainingJob::StateNames() const {
  std::vector<std::string> names;
  for (const StateTensorLayout& t : StateLayout()) names.push_back(t.name);
  return names;
}

std::vector<StateTensorLayout> TrainingJob::StateLayout() const {
  return LayoutOf(InitialState(0));
}

Status CheckStateShape(const TrainingJob& job, const TensorMap& state) {
  const std::vector<StateTensorLayout> expected = job.StateLayout();
  for (const StateTensorLayout& e : expected) {
    auto it = state.find(e.name);
    if (it == state.end()) return Status::InvalidArgument("tensor '" + e.name + "' is missing");
    if (it->second.sizes() != torch::IntArrayRef(e.shape)) {
      return Status::InvalidArgument("tensor '" + e.name + "' has another shape");
    }
    if (it->second.is_floating_point() != e.floating) {
      return Status::InvalidArgument("tensor '" + e.name + "' has another kind of dtype");
    }
  }
  if (state.size() != expected.size()) {
    for (const auto& entry : state) {
      const std::string& name = entry.first;
      const bool known = std::any_of(expected.begin(), expected.end(),
                                     [&](const StateTensorLayout& e) { return e.name == name; });
      if (!known) {
        return Status::InvalidArgument("tensor '" + name + "' is not part of the job's state");
      }
    }
  }
  return Status::Ok();
}

Result<TensorMap> TrainStep(const TrainingJob& job, TensorMap state,
                            std::vector<NodeRecord>* record,
                            const NodeHook& hook) {
  auto it = state.find("meta/step");
  if (it == state.end() || !it->second.defined() ||
      it->second.scalar_type() != torch::kInt64 || it->second.dim() != 0) {
    return Status::InvalidArgument("state has no int64 scalar 'meta/step'");
  }
  const int64_t step = it->second.item<int64_t>();
  VT_ASSIGN_OR_RETURN(TensorMap batch, job.Batch(step));
  return RunStepGraph(job.graph(), std::move(state), batch, record, hook);
}

}  // namespace veritrain
