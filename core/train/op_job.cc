#include "core/train/op_job.h"

#include <torch/torch.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "core/train/batch_rows.h"
#include "core/train/data_order.h"
#include "core/train/job_limits.h"
#include "core/train/layer_nodes.h"
#include "core/train/optimizer_nodes.h"

namespace veritrain {

namespace {

constexpr int64_t kIgnoredLabel = -100;

torch::ScalarType DTypeOf(const JobConfig& c) {
  return c.dtype == "float64" ? torch::kFloat64 : torch::kFloat32;
}

std::string ShapeText(torch::IntArrayRef s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) {
    out += (i ? ", " : "") + std::to_string(s[i]);
  }
  return out + "]";
}

// An exception's message on one line: the last non-empty line, which is
// where LibTorch and the TorchScript interpreter put the error itself
// (above it come tracebacks).
std::string OneLine(const std::string& what) {
  const size_t end = what.find_last_not_of(" \n");
  if (end == std::string::npos) return what;
  const size_t nl = what.rfind('\n', end);
  const size_t start = nl == std::string::npos ? 0 : nl + 1;
  return what.substr(start, end + 1 - start);
}

// The estimate of the header, for an op whose forward_flops is unset.
double EstimateFlops(const std::vector<torch::Tensor>& params,
                     const torch::Tensor& y) {
  const double out = static_cast<double>(y.numel());
  for (const auto& w : params) {
    if (w.dim() >= 2 && w.size(0) > 0) {
      return 2.0 * static_cast<double>(w.numel()) * out /
                 static_cast<double>(w.size(0)) +
             out;
    }
  }
  return out;
}

class OpJob : public TrainingJob {
 public:
  OpJob(JobConfig config, OptimizerConfig optimizer, OpJobSpec spec)
      : config_(std::move(config)),
        optimizer_(std::move(optimizer)),
        spec_(std::move(spec)),
        order_(config_.data_seed, spec_.train.size()) {}

  Status Build() {
    VT_RETURN_IF_ERROR(CheckOps(spec_.ops, {"data/x"}));
    for (const auto& op : spec_.ops) {
      for (size_t i = 0; i < op.params.size(); ++i) {
        if (op.params[i].init == ParamInit::kGiven &&
            spec_.given_params.count(op.ParamValue(i)) == 0) {
          return Status::InvalidArgument("no initial value for '" +
                                         op.ParamValue(i) + "'");
        }
      }
    }
    int64_t per_sample = 1;
    for (int64_t d : spec_.input_shape) per_sample *= d;
    const int64_t stored = spec_.train.x.numel() / spec_.train.size();
    if (!spec_.input_shape.empty() && per_sample != stored) {
      return Status::InvalidArgument(
          "input_shape " + ShapeText(spec_.input_shape) + " holds " +
          std::to_string(per_sample) + " values, but a sample has " +
          std::to_string(stored));
    }
    // The parameters only: the optimizer's state would be twice their
    // memory for nothing (plain SGD keeps none).
    OptimizerConfig parameters_only;
    parameters_only.name = "sgd";
    const TensorMap params = Initial(parameters_only, config_.init_seed);
    VT_RETURN_IF_ERROR(CheckBatchMemory(params, stored));
    VT_ASSIGN_OR_RETURN(TensorMap batch, Batch(0));
    VT_RETURN_IF_ERROR(DryRun(batch, params));
    const int64_t rows = batch.at("data/y").size(0);
    VT_ASSIGN_OR_RETURN(std::string logits, AddOpForwardNodes(&graph_, spec_.ops));
    VT_RETURN_IF_ERROR(
        AddCrossEntropyNodes(&graph_, logits, "data/y", rows, classes_));
    VT_RETURN_IF_ERROR(AddOpBackwardNodes(&graph_, spec_.ops));
    VT_RETURN_IF_ERROR(AddOpOptimizerNodes(&graph_, optimizer_, spec_.ops));
    // The state's layout without building a state (with a large model, a
    // whole state of memory and a random initialisation for it): the
    // tensors Initial makes, with their shapes.
    std::map<std::string, StateTensorLayout> layout;
    layout["meta/step"] = {"meta/step", {}, /*floating=*/false};
    for (const auto& op : spec_.ops) {
      for (size_t i = 0; i < op.params.size(); ++i) {
        const OpParam& p = op.params[i];
        const std::string value = op.ParamValue(i);
        std::vector<int64_t> shape = p.shape;
        if (p.init == ParamInit::kGiven) {
          const auto sizes = spec_.given_params.at(value).sizes();
          shape.assign(sizes.begin(), sizes.end());
        }
        layout[value] = {value, shape, true};
        for (const auto& s : OptimizerStateNames(optimizer_, op.ParamKey(i))) {
          layout[s] = {s, p.shape, true};
        }
      }
    }
    std::set<std::string> initial = {"data/x", "data/y"};
    for (auto& [name, t] : layout) {
      initial.insert(name);
      layout_.push_back(std::move(t));
    }
    return graph_.Validate(initial);
  }

  const std::string& name() const override { return config_.name; }
  const JobConfig& config() const override { return config_; }
  const StepGraph& graph() const override { return graph_; }
  std::vector<StateTensorLayout> StateLayout() const override { return layout_; }
  Digest DatasetRoot() const override { return spec_.train.root; }
  std::vector<std::string> Notes() const override { return spec_.notes; }

  TensorMap InitialState(uint64_t init_seed) const override {
    TensorMap state = Initial(optimizer_, init_seed);
    state.emplace("meta/step", torch::zeros({}, torch::kInt64));
    return state;
  }

  Result<TensorMap> Batch(int64_t step) const override {
    VT_ASSIGN_OR_RETURN(BatchRows rows, SelectBatchRows(order_, step, config_.batch_size,
                                                        spec_.train.x, spec_.train.y));
    try {
      return TensorMap{{"data/x", Shaped(rows.x)}, {"data/y", rows.y.reshape({-1})}};
    } catch (const std::exception& e) {
      return Status::Internal("batch of step " + std::to_string(step) + ": " + ErrorText(e));
    }
  }

  Result<double> TestAccuracy(const TensorMap& state) const override {
    const Dataset& test = spec_.test;
    int64_t correct = 0;
    int64_t counted = 0;
    try {
      c10::InferenceMode inference;  // no autograd state at all
      const int64_t chunk = TestChunkRows(config_.batch_size);
      for (int64_t start = 0; start < test.size(); start += chunk) {
        const int64_t n = std::min(chunk, test.size() - start);
        torch::Tensor x = Shaped(test.x.narrow(0, start, n));
        torch::Tensor y = test.y.narrow(0, start, n).reshape({-1});
        VT_ASSIGN_OR_RETURN(torch::Tensor logits,
                            RunOpsForward(spec_.ops, state, {{"data/x", x}}));
        torch::Tensor counted_mask = y.ne(kIgnoredLabel);
        correct += logits.argmax(1).eq(y).logical_and(counted_mask)
                       .sum()
                       .item<int64_t>();
        counted += counted_mask.sum().item<int64_t>();
      }
    } catch (const std::exception& e) {
      return Status::Internal(std::string("test accuracy: ") + ErrorText(e));
    }
    if (counted == 0) return Status::InvalidArgument("the test set has no labels");
    return static_cast<double>(correct) / static_cast<double>(counted);
  }

 private:
  // The parameters (and the state `optimizer` keeps for them) at init_seed.
  TensorMap Initial(const OptimizerConfig& optimizer, uint64_t init_seed) const {
    TensorMap state = InitOpParams(spec_.ops, optimizer, init_seed, DTypeOf(config_));
    for (const auto& op : spec_.ops) {
      for (size_t i = 0; i < op.params.size(); ++i) {
        if (op.params[i].init != ParamInit::kGiven) continue;
        state[op.ParamValue(i)] =
            spec_.given_params.at(op.ParamValue(i)).to(DTypeOf(config_)).clone();
      }
    }
    return state;
  }

  torch::Tensor Shaped(const torch::Tensor& rows) const {
    if (spec_.input_shape.empty()) return rows;
    std::vector<int64_t> shape = {rows.size(0)};
    shape.insert(shape.end(), spec_.input_shape.begin(), spec_.input_shape.end());
    return rows.reshape(shape);
  }

  // The batch limit (job_limits.h) before the first batch is drawn: one
  // example's input (`per_sample` values) and the ops' outputs on it, each
  // with its gradient, times the batch size. The outputs are measured by
  // running the ops on the first training example; a model that fails on
  // it is judged by its input alone here, and DryRun reports the failure.
  Status CheckBatchMemory(const TensorMap& state, int64_t per_sample) const {
    SizeCount values;
    values.Add(per_sample);
    try {
      torch::NoGradGuard no_grad;
      TensorMap acts = {{"data/x", Shaped(spec_.train.x.narrow(0, 0, 1))}};
      SizeCount outputs;
      for (const Op& op : spec_.ops) {
        std::vector<torch::Tensor> xs, params;
        for (const auto& x : op.inputs) xs.push_back(acts.at(x));
        for (size_t i = 0; i < op.params.size(); ++i) params.push_back(state.at(op.ParamValue(i)));
        torch::Tensor y = op.forward(xs, params);
        if (!y.defined()) break;
        outputs.Add(y.numel(), 2);  // the output and its gradient
        acts[op.OutputValue()] = y;
      }
      values.Add(outputs.value());
    } catch (const std::exception&) {
      // Judged by the input alone; DryRun names the op that fails.
    }
    return CheckBatchBytes(config_.batch_size, values.value(), DTypeBytes(config_.dtype),
                           "one example's input and the model's outputs on it, measured");
  }

  // Runs the ops on the first batch: checks the logits and fills in FLOP
  // estimates and output sizes. `state` holds the parameters.
  Status DryRun(const TensorMap& batch, const TensorMap& state) {
    torch::NoGradGuard no_grad;
    TensorMap values = batch;
    for (Op& op : spec_.ops) {
      std::vector<torch::Tensor> xs, params;
      for (const auto& x : op.inputs) xs.push_back(values.at(x));
      for (size_t i = 0; i < op.params.size(); ++i) {
        params.push_back(state.at(op.ParamValue(i)));
      }
      torch::Tensor y;
      try {
        y = op.forward(xs, params);
      } catch (const c10::Error& e) {
        return Status::InvalidArgument(
            "op '" + op.name + "' fails on the first batch (data/x " +
            ShapeText(batch.at("data/x").sizes()) +
            "): " + OneLine(e.what_without_backtrace()));
      } catch (const std::exception& e) {
        return Status::InvalidArgument(
            "op '" + op.name + "' fails on the first batch (data/x " +
            ShapeText(batch.at("data/x").sizes()) + "): " + OneLine(e.what()));
      }
      if (!y.defined()) {
        return Status::InvalidArgument("op '" + op.name + "' returns nothing");
      }
      op.output_numel = y.numel();
      if (op.forward_flops == 0.0) op.forward_flops = EstimateFlops(params, y);
      values[op.OutputValue()] = y;
    }
    const torch::Tensor& logits = values.at(spec_.ops.back().OutputValue());
    const torch::Tensor& y = batch.at("data/y");
    const int64_t rows = y.size(0);
    const int64_t top =
        std::max(spec_.train.y.max().item<int64_t>(), spec_.test.y.max().item<int64_t>());
    const int64_t bottom =
        std::min(spec_.train.y.min().item<int64_t>(), spec_.test.y.min().item<int64_t>());
    if (logits.dim() != 2 || logits.size(0) != rows || logits.size(1) <= top ||
        !logits.is_floating_point()) {
      return Status::InvalidArgument(
          "the model outputs " + ShapeText(logits.sizes()) + " for " +
          std::to_string(rows) + " labels; expected floating logits [" +
          std::to_string(rows) + ", >= " + std::to_string(top + 1) +
          "] (the labels go up to " + std::to_string(top) + ")");
    }
    if (bottom < 0 && bottom != kIgnoredLabel) {
      return Status::InvalidArgument("a label is " + std::to_string(bottom) +
                                     "; labels are classes >= 0, or -100 for "
                                     "an ignored position");
    }
    classes_ = logits.size(1);
    return Status::Ok();
  }

  const JobConfig config_;
  const OptimizerConfig optimizer_;
  OpJobSpec spec_;  // ops get FLOP estimates in Build, then stay fixed
  const DataOrder order_;
  int64_t classes_ = 0;
  StepGraph graph_;
  std::vector<StateTensorLayout> layout_;  // InitialState's, in name order
};

}  // namespace

Result<std::unique_ptr<TrainingJob>> MakeOpJob(const JobConfig& config,
                                               OpJobSpec spec) {
  const std::string where = "job '" + config.name + "'";
  VT_ASSIGN_OR_RETURN(OptimizerConfig optimizer, config.Optimizer());
  if (spec.train.size() == 0 || spec.test.size() == 0) {
    return Status::InvalidArgument(where + ": the training or test set is empty");
  }
  try {
    auto job = std::make_unique<OpJob>(config, std::move(optimizer),
                                       std::move(spec));
    VT_RETURN_IF_ERROR(job->Build().WithContext(where));
    return std::unique_ptr<TrainingJob>(std::move(job));
  } catch (const std::exception& e) {
    return Status::Internal(where + ": " + ErrorText(e));
  }
}

}  // namespace veritrain
