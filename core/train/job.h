// TrainingJob: a model, a dataset, a loss and an optimizer with its
// hyper-parameters, exposed as a step graph over named tensors; and the
// registry that makes jobs by name.
//
// A job's training state is a TensorMap of parameters ("param/..."),
// optimizer state ("opt/...") and "meta/step" (see step_graph.h for the
// naming). One training step is RunStepGraph(job.graph(), state,
// job.Batch(step)); TrainStep does exactly that.
//
// Built-in jobs: "mlp" (Fashion-MNIST) and "synthetic" (a tiny
// teacher–student task for fast tests); see classifier_job.h for their
// fields. More jobs register by name with RegisterJob.
//
// Thread-safety: TrainingJob implementations are thread-compatible: const
// methods may be called concurrently. The registry is thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/crypto/sha256.h"
#include "core/train/job_config.h"
#include "core/train/step_graph.h"
#include "core/train/torch_bridge.h"
#include "core/util/status.h"

namespace veritrain {

// One tensor of a job's states as CheckStateShape checks it: its name, its
// shape and whether its dtype is floating (the precision may differ
// between parties).
struct StateTensorLayout {
  std::string name;
  std::vector<int64_t> shape;
  bool floating = true;

  bool operator==(const StateTensorLayout& o) const {
    return name == o.name && shape == o.shape && floating == o.floating;
  }
};

// The layout of `state`, in name order.
std::vector<StateTensorLayout> LayoutOf(const TensorMap& state);

class TrainingJob {
 public:
  virtual ~TrainingJob() = default;

  virtual const std::string& name() const = 0;
  virtual const JobConfig& config() const = 0;

  // The state before step 0: parameters initialised deterministically from
  // init_seed (the project's own generator, the same on every platform),
  // optimizer state zeros and meta/step = 0.
  virtual TensorMap InitialState(uint64_t init_seed) const = 0;

  // The batch of step `step` ("data/x", "data/y"), fixed by the data seed
  // (see data_order.h). InvalidArgument when step < 0.
  virtual Result<TensorMap> Batch(int64_t step) const = 0;

  virtual const StepGraph& graph() const = 0;

  // Fraction of the held-out set classified correctly with the parameters
  // of `state`. InvalidArgument naming a missing or mis-shaped parameter.
  virtual Result<double> TestAccuracy(const TensorMap& state) const = 0;

  // The Merkle root of the training set (see dataset_commitment.h).
  virtual Digest DatasetRoot() const = 0;

  // Sum of the graph's node FLOPs: one step's estimated cost.
  virtual double StepFlops() const { return graph().TotalFlops(); }

  // What a user should know about how the job trains that its fields do
  // not say, one sentence each: a model that became one coarse node, a
  // module that runs in eval mode. `veritrain check` prints them and a run
  // logs them. Empty by default.
  virtual std::vector<std::string> Notes() const { return {}; }

  // The names of the tensors of the job's states (InitialState's names),
  // sorted: what a one-node ruling needs to know of the state without
  // building one. The default takes them from StateLayout().
  virtual std::vector<std::string> StateNames() const;

  // The names, shapes and kinds of dtype of InitialState's tensors, in name
  // order: what checking a party's state needs without building one (with
  // a large model, a whole state of memory and a random initialisation of
  // every parameter). The default builds InitialState(0); the built-in
  // jobs answer from a list they make once.
  virtual std::vector<StateTensorLayout> StateLayout() const;
};

using JobFactory =
    std::function<Result<std::unique_ptr<TrainingJob>>(const JobConfig&)>;

// Whether `name` is one of the jobs veritrain itself defines (mlp,
// synthetic, cnn, torchscript, transformer), not one a plug-in registered.
bool IsBuiltinJob(const std::string& name);

// Adds a job kind. InvalidArgument when `name` is empty or already taken
// (the built-ins included).
Status RegisterJob(const std::string& name, JobFactory factory);

// The registered job names, sorted.
std::vector<std::string> KnownJobs();

// Makes the job named by config.name. InvalidArgument
// "job.name: unknown job 'x' (known: mlp, synthetic)" for an unknown name;
// otherwise the factory's result (errors name the job's fields).
Result<std::unique_ptr<TrainingJob>> MakeJob(const JobConfig& config);

// OK when `state` has exactly the tensors of the job's states — the same
// names, shapes, and kinds of dtype (floating or integer; the precision may
// differ) — as a checkpoint from another party must before it is trained
// from. InvalidArgument naming the first tensor that differs.
Status CheckStateShape(const TrainingJob& job, const TensorMap& state);

// One training step from `state`: the batch of step state["meta/step"],
// then RunStepGraph (see there for `record`, the errors, and what moving
// `state` in saves).
Result<TensorMap> TrainStep(const TrainingJob& job, TensorMap state,
                            std::vector<NodeRecord>* record = nullptr,
                            const NodeHook& hook = nullptr);

}  // namespace veritrain
