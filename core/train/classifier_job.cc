#include "core/train/classifier_job.h"

#include <torch/torch.h>

#include <set>
#include <string>
#include <utility>

#include "core/train/batch_rows.h"
#include "core/train/data_order.h"
#include "core/train/job_files.h"
#include "core/train/job_limits.h"
#include "core/train/json_fields.h"
#include "core/train/layer_nodes.h"
#include "core/train/optimizer_nodes.h"
#include "core/train/rng.h"
#include "core/train/slow_job.h"

namespace veritrain {

namespace {


torch::ScalarType DTypeOf(const JobConfig& c) {
  return c.dtype == "float64" ? torch::kFloat64 : torch::kFloat32;
}

// `shape` filled uniform in [-bound, bound) from SplitMix64(seed).
torch::Tensor UniformTensor(const std::vector<int64_t>& shape, double bound,
                            uint64_t seed, torch::ScalarType dtype) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  std::vector<double> values(static_cast<size_t>(n));
  SplitMix64 rng(seed);
  for (double& v : values) v = rng.Uniform(-bound, bound);
  auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
  return torch::from_blob(values.data(), shape, f64).clone().to(dtype);
}

class ClassifierJob : public TrainingJob {
 public:
  ClassifierJob(JobConfig config, OptimizerConfig optimizer, Dataset train,
                Dataset test)
      : config_(std::move(config)),
        optimizer_(std::move(optimizer)),
        train_(std::move(train)),
        test_(std::move(test)),
        order_(config_.data_seed, train_.size()) {}

  Status Build(std::vector<Layer> layers, int64_t classes) {
    const int64_t batch = config_.batch_size;
    layers_ = std::move(layers);
    VT_ASSIGN_OR_RETURN(std::string logits,
                        AddForwardNodes(&graph_, layers_, "data/x"));
    VT_RETURN_IF_ERROR(
        AddCrossEntropyNodes(&graph_, logits, "data/y", batch, classes));
    VT_RETURN_IF_ERROR(AddBackwardNodes(&graph_, layers_, "data/x"));
    for (const auto& layer : layers_) {
      for (const auto& p : layer.params) {
        int64_t numel = 1;
        for (int64_t s : p.shape) numel *= s;
        VT_RETURN_IF_ERROR(AddOptimizerNode(&graph_, optimizer_,
                                            layer.name + "." + p.name, numel));
      }
    }
    std::set<std::string> initial = {"data/x", "data/y"};
    layout_ = LayoutOf(InitialState(0));
    for (const StateTensorLayout& t : layout_) initial.insert(t.name);
    return graph_.Validate(initial);
  }

  const std::string& name() const override { return config_.name; }
  const JobConfig& config() const override { return config_; }
  const StepGraph& graph() const override { return graph_; }
  std::vector<StateTensorLayout> StateLayout() const override { return layout_; }
  Digest DatasetRoot() const override { return train_.root; }

  TensorMap InitialState(uint64_t init_seed) const override {
    const torch::ScalarType dtype = DTypeOf(config_);
    TensorMap state;
    for (const auto& layer : layers_) {
      for (size_t i = 0; i < layer.params.size(); ++i) {
        const ParamSpec& p = layer.params[i];
        const std::string value = layer.ParamValue(i);
        state.emplace(value,
                      UniformTensor(p.shape, p.init_bound,
                                    DeriveSeed(init_seed, value), dtype));
        for (const auto& s :
             OptimizerStateNames(optimizer_, layer.name + "." + p.name)) {
          state.emplace(s, torch::zeros(p.shape, dtype));
        }
      }
    }
    state.emplace("meta/step", torch::zeros({}, torch::kInt64));
    return state;
  }

  Result<TensorMap> Batch(int64_t step) const override {
    VT_ASSIGN_OR_RETURN(BatchRows rows,
                        SelectBatchRows(order_, step, config_.batch_size, train_.x, train_.y));
    return TensorMap{{"data/x", rows.x}, {"data/y", rows.y}};
  }

  Result<double> TestAccuracy(const TensorMap& state) const override {
    for (const auto& layer : layers_) {
      for (size_t i = 0; i < layer.params.size(); ++i) {
        const std::string value = layer.ParamValue(i);
        auto it = state.find(value);
        if (it == state.end()) {
          return Status::InvalidArgument("state has no tensor '" + value + "'");
        }
        if (it->second.sizes() != torch::IntArrayRef(layer.params[i].shape) ||
            it->second.scalar_type() != test_.x.scalar_type()) {
          return Status::InvalidArgument("state tensor '" + value +
                                         "' has the wrong shape or dtype");
        }
      }
    }
    try {
      // In chunks, as a plain LibTorch evaluation does: the whole test set
      // at once would make activations of GBs for a CNN (10,000 images x
      // the first conv's channels x 24 x 24), paid in page faults. No
      // autograd state at all (inference mode).
      c10::InferenceMode inference;
      int64_t correct = 0;
      const int64_t chunk = TestChunkRows(config_.batch_size);
      for (int64_t start = 0; start < test_.size(); start += chunk) {
        const int64_t n = std::min(chunk, test_.size() - start);
        torch::Tensor logits =
            ForwardChain(layers_, state, test_.x.narrow(0, start, n));
        correct += logits.argmax(1).eq(test_.y.narrow(0, start, n)).sum().item<int64_t>();
      }
      return static_cast<double>(correct) / static_cast<double>(test_.size());
    } catch (const std::exception& e) {
      return Status::Internal(std::string("test accuracy: ") + ErrorText(e));
    }
  }

 private:
  const JobConfig config_;
  const OptimizerConfig optimizer_;
  const Dataset train_;
  const Dataset test_;
  const DataOrder order_;
  std::vector<Layer> layers_;
  StepGraph graph_;
  std::vector<StateTensorLayout> layout_;  // InitialState's, in name order
};

// Parameters of a chain of Linear layers inputs -> hidden... -> outputs.
int64_t LinearChainParameters(int64_t inputs, const std::vector<int64_t>& hidden,
                              int64_t outputs) {
  SizeCount count;
  int64_t width = inputs;
  for (size_t i = 0; i <= hidden.size(); ++i) {
    const int64_t out = i < hidden.size() ? hidden[i] : outputs;
    count.Add(width, out);  // weight
    count.Add(out);         // bias
    width = out;
  }
  return count.value();
}

// The numbers one example holds in a step of that chain: its input, each
// layer's output (a Linear and, below the last, its ReLU) and the gradient
// of each output.
int64_t LinearChainExampleValues(int64_t inputs, const std::vector<int64_t>& hidden,
                                 int64_t outputs) {
  SizeCount count;
  count.Add(inputs);
  for (int64_t h : hidden) count.Add(h, 2, 2);  // Linear and ReLU, value and gradient
  count.Add(outputs, 2);
  return count.value();
}

Status CheckLabels(const Dataset& d, int64_t classes, const char* which) {
  if (d.size() == 0) {
    return Status::InvalidArgument(std::string("the ") + which +
                                   " set is empty");
  }
  const int64_t lo = d.y.min().item<int64_t>();
  const int64_t hi = d.y.max().item<int64_t>();
  if (lo < 0 || hi >= classes) {
    return Status::InvalidArgument(std::string("the ") + which +
                                   " set has labels outside [0, " +
                                   std::to_string(classes) + ")");
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<TrainingJob>> MakeClassifierJob(
    const JobConfig& config, const std::vector<int64_t>& hidden,
    int64_t classes, Dataset train, Dataset test) {
  if (train.x.dim() != 2) {
    return Status::InvalidArgument("job '" + config.name +
                                   "': training inputs must be [N, features]");
  }
  std::vector<Layer> layers;
  int64_t width = train.x.size(1);
  for (size_t i = 0; i <= hidden.size(); ++i) {
    const std::string k = std::to_string(i + 1);
    const int64_t out = i < hidden.size() ? hidden[i] : classes;
    layers.push_back(LinearLayer("fc" + k, width, out, config.batch_size));
    if (i < hidden.size()) {
      layers.push_back(ReluLayer("relu" + k, out, config.batch_size));
    }
    width = out;
  }
  return MakeLayeredClassifierJob(config, std::move(layers), classes,
                                  std::move(train), std::move(test));
}

Result<std::unique_ptr<TrainingJob>> MakeLayeredClassifierJob(
    const JobConfig& config, std::vector<Layer> layers, int64_t classes,
    Dataset train, Dataset test) {
  VT_ASSIGN_OR_RETURN(OptimizerConfig optimizer, config.Optimizer());
  if (layers.empty()) {
    return Status::InvalidArgument("job '" + config.name + "': no layers");
  }
  const std::string where = "job '" + config.name + "': ";
  try {
    VT_RETURN_IF_ERROR(CheckLabels(train, classes, "training")
                           .WithContext("job '" + config.name + "'"));
    VT_RETURN_IF_ERROR(CheckLabels(test, classes, "test")
                           .WithContext("job '" + config.name + "'"));
    if (train.x.dim() != 2 || test.x.dim() != 2 ||
        train.x.size(1) != test.x.size(1)) {
      return Status::InvalidArgument(
          where +
          "training and test inputs must be [N, features] with the "
          "same number of features");
    }
    auto job = std::make_unique<ClassifierJob>(
        config, std::move(optimizer), std::move(train), std::move(test));
    VT_RETURN_IF_ERROR(
        job->Build(std::move(layers), classes).WithContext(where));
    return std::unique_ptr<TrainingJob>(std::move(job));
  } catch (const std::exception& e) {
    return Status::Internal(where + ErrorText(e));
  }
}

Result<std::unique_ptr<TrainingJob>> MakeMlpJob(const JobConfig& config) {
  const nlohmann::json& p = config.params;
  VT_RETURN_IF_ERROR(RequireObject(p, "job"));
  VT_RETURN_IF_ERROR(RejectUnknownFields(
      p, "job",
      {"hidden", "optimizer", "dataset_dir", "train_limit", "test_limit"}));
  std::vector<int64_t> hidden = {128};
  std::string dir = kFashionMnistDefaultDir;
  int64_t train_limit = 0;
  int64_t test_limit = 0;
  VT_RETURN_IF_ERROR(GetIntList(p, "hidden", "job", 1, &hidden));
  VT_RETURN_IF_ERROR(CheckLayerCount(static_cast<int64_t>(hidden.size()), "job.hidden"));
  VT_RETURN_IF_ERROR(CheckModelParameters(
      LinearChainParameters(28 * 28, hidden, kFashionMnistClasses), "job.hidden"));
  VT_RETURN_IF_ERROR(CheckBatchBytes(
      config.batch_size, LinearChainExampleValues(28 * 28, hidden, kFashionMnistClasses),
      DTypeBytes(config.dtype), "job.hidden and the 784 pixels of an image"));
  VT_RETURN_IF_ERROR(GetString(p, "dataset_dir", "job", &dir));
  dir = ResolveJobFile(dir);  // relative to the scenario file
  VT_RETURN_IF_ERROR(
      GetInt(p, "train_limit", "job", 0, int64_t{1} << 40, &train_limit));
  VT_RETURN_IF_ERROR(
      GetInt(p, "test_limit", "job", 0, int64_t{1} << 40, &test_limit));
  VT_ASSIGN_OR_RETURN(FashionMnistSplits data,
                      LoadFashionMnistForJob("job.dataset_dir", dir, train_limit, test_limit, DTypeOf(config)));
  return MakeClassifierJob(config, hidden, 10, std::move(data.train), std::move(data.test));
}

Result<std::unique_ptr<TrainingJob>> MakeSyntheticJob(const JobConfig& config) {
  const nlohmann::json& p = config.params;
  VT_RETURN_IF_ERROR(RequireObject(p, "job"));
  VT_RETURN_IF_ERROR(
      RejectUnknownFields(p, "job",
                          {"hidden", "optimizer", "features", "classes",
                           "train_size", "test_size", "slow_setup_ms",
                           "slow_test_ms"}));
  std::vector<int64_t> hidden = {32};
  SyntheticSpec spec;
  constexpr int64_t kMax = int64_t{1} << 24;
  VT_RETURN_IF_ERROR(GetIntList(p, "hidden", "job", 1, &hidden));
  VT_RETURN_IF_ERROR(GetInt(p, "features", "job", 1, kMax, &spec.features));
  VT_RETURN_IF_ERROR(GetInt(p, "classes", "job", 2, kMax, &spec.classes));
  VT_RETURN_IF_ERROR(GetInt(p, "train_size", "job", 1, kMax, &spec.train_size));
  VT_RETURN_IF_ERROR(GetInt(p, "test_size", "job", 1, kMax, &spec.test_size));
  // Test knobs (slow_job.h): at most ten minutes each.
  constexpr int64_t kMaxSlowMs = 600000;
  int64_t slow_setup_ms = 0;
  int64_t slow_test_ms = 0;
  VT_RETURN_IF_ERROR(GetInt(p, "slow_setup_ms", "job", 0, kMaxSlowMs, &slow_setup_ms));
  VT_RETURN_IF_ERROR(GetInt(p, "slow_test_ms", "job", 0, kMaxSlowMs, &slow_test_ms));
  VT_RETURN_IF_ERROR(CheckLayerCount(static_cast<int64_t>(hidden.size()), "job.hidden"));
  VT_RETURN_IF_ERROR(
      CheckModelParameters(LinearChainParameters(spec.features, hidden, spec.classes),
                           "job.features, job.hidden, job.classes"));
  // Inputs and labels of both sets, and the teacher (classes × features).
  SizeCount values;
  values.Add(spec.train_size, spec.features + 1);
  values.Add(spec.test_size, spec.features + 1);
  values.Add(spec.classes, spec.features + 1);
  VT_RETURN_IF_ERROR(CheckDatasetValues(
      values.value(), "job.features, job.classes, job.train_size, job.test_size"));
  VT_RETURN_IF_ERROR(CheckBatchBytes(
      config.batch_size, LinearChainExampleValues(spec.features, hidden, spec.classes),
      DTypeBytes(config.dtype), "job.features, job.hidden, job.classes"));
  const torch::ScalarType dtype = DTypeOf(config);
  Dataset train = MakeSyntheticDataset(spec, config.data_seed, true, dtype);
  Dataset test = MakeSyntheticDataset(spec, config.data_seed, false, dtype);
  VT_ASSIGN_OR_RETURN(auto job, MakeClassifierJob(config, hidden, spec.classes,
                                                  std::move(train), std::move(test)));
  return WrapSlow(std::move(job), slow_setup_ms, slow_test_ms);
}

}  // namespace veritrain
