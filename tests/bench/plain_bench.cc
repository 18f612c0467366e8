// Training through the step graph against plain LibTorch training of the
// same model with the same optimizer, measured in the same run.
//
//  - BM_GraphVsPlain/<job>: kSteps steps of the job as the solver trains
//    (TrainStep: the batch of the step, then every node of the step graph)
//    and kSteps steps of a plain LibTorch program (torch::nn modules of
//    the same shapes, autograd, torch::optim::Adam with the job's
//    hyper-parameters), each fed the same batches from job.Batch(step).
//    The two sides alternate which goes first. Counters: seconds per step
//    of each, graph_over_plain (the target's ratio: ≤ 1.15), and minor
//    page faults per step of each (a freed-and-refaulted allocation shows
//    here first).
//
//  - BM_GraphVsPlain/torchscript-simple-conv: the same for the
//    proof-of-learning reference's Fashion-MNIST model (Simple_Conv: conv
//    1→32 5×5, ReLU, max-pool, conv 32→64 3×3, ReLU, max-pool, fc 1600→128,
//    ReLU, fc 128→10) as a TorchScript file in chain form, batch 128, Adam:
//    the torchscript job trains it through the step graph; the plain side
//    is the same model as torch::nn modules (graph_over_plain), and a
//    third side loads the file itself with torch::jit::load and trains its
//    forward (script_step_s, graph_over_script). The three rotate which
//    goes first. The file is built here with torch::jit::Module::define
//    (no Python needed) and written to a scratch directory; graph_nodes
//    shows it is split into its layers.
//
//  - BM_GraphVsPlain/transformer and /transformer-256: the transformer job
//    at the preset's shape (width 32, 2 blocks, 16 tokens, batch 16: many
//    small nodes, the hardest case for per-node costs) and at width 256
//    (4 heads, 2 blocks, 32 tokens, batch 16). The plain side runs the
//    same ops' forward functions (TransformerOps: the same LibTorch calls)
//    as one autograd graph, with torch::optim::Adam.
//
// The plain side is what a user would write for the same training; its
// parameters start from the job's initial state, so both train the same
// numbers, but the benchmark does not compare the results (the step graph's
// bits are the protocol's; the plain loop's kernels may differ).
#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <torch/torch.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <torch/script.h>
#include <vector>

#include "core/train/hardware_profile.h"
#include "core/train/transformer_job.h"
#include "core/train/job.h"
#include "tests/bench/bench_util.h"

namespace veritrain::bench::graph_vs_plain {

using Clock = std::chrono::steady_clock;

constexpr int64_t kSteps = 50;

double Since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

int64_t MinorFaults() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return u.ru_minflt;
}

constexpr char kTorchScript[] = "torchscript-simple-conv";

// A child of the chain: a module of its own class with `params` and a
// one-line forward.
torch::jit::Module Child(const std::shared_ptr<torch::jit::CompilationUnit>& cu,
                         const std::string& name, const std::string& body,
                         const std::vector<std::pair<std::string, torch::Tensor>>& params = {}) {
  torch::jit::Module m("__torch__.SimpleConv_" + name, cu, /*shouldMangle=*/true);
  for (const auto& [pname, value] : params) {
    m.register_parameter(pname, value.clone().set_requires_grad(true), /*is_buffer=*/false);
  }
  m.define("def forward(self, x):\n    return " + body + "\n");
  return m;
}

// Simple_Conv as a TorchScript chain, its parameters initialised as
// torch::nn's layers are (a fixed seed), saved to `path`.
Status WriteSimpleConv(const std::string& path) {
  torch::manual_seed(0);
  auto cu = std::make_shared<torch::jit::CompilationUnit>();
  torch::jit::Module root("__torch__.SimpleConv", cu, /*shouldMangle=*/true);
  torch::nn::Conv2d conv1(1, 32, 5), conv2(32, 64, 3);
  torch::nn::Linear fc1(1600, 128), fc2(128, 10);
  const std::vector<std::pair<std::string, torch::jit::Module>> chain = {
      {"unflatten", Child(cu, "unflatten", "x.reshape([-1, 1, 28, 28])")},
      {"conv1", Child(cu, "conv1", "torch.conv2d(x, self.weight, self.bias)",
                      {{"weight", conv1->weight}, {"bias", conv1->bias}})},
      {"relu1", Child(cu, "relu1", "torch.relu(x)")},
      {"pool1", Child(cu, "pool1", "torch.max_pool2d(x, [2, 2])")},
      {"conv2", Child(cu, "conv2", "torch.conv2d(x, self.weight, self.bias)",
                      {{"weight", conv2->weight}, {"bias", conv2->bias}})},
      {"relu2", Child(cu, "relu2", "torch.relu(x)")},
      {"pool2", Child(cu, "pool2", "torch.max_pool2d(x, [2, 2])")},
      {"flatten", Child(cu, "flatten", "torch.flatten(x, 1)")},
      {"fc1", Child(cu, "fc1", "torch.linear(x, self.weight, self.bias)",
                    {{"weight", fc1->weight}, {"bias", fc1->bias}})},
      {"relu3", Child(cu, "relu3", "torch.relu(x)")},
      {"fc2", Child(cu, "fc2", "torch.linear(x, self.weight, self.bias)",
                    {{"weight", fc2->weight}, {"bias", fc2->bias}})},
  };
  std::string forward = "def forward(self, x):\n";
  for (const auto& [name, child] : chain) {
    root.register_module(name, child);
    // Called by name: a module defined from C++ has no __call__.
    forward += "    x = self." + name + ".forward(x)\n";
  }
  forward += "    return x\n";
  try {
    root.define(forward);
    root.save(path);
  } catch (const std::exception& e) {
    return Status::Internal(std::string("building Simple_Conv: ") + e.what());
  }
  return Status::Ok();
}

// The transformer shapes benchmarked, by name.
TransformerSpec TransformerShape(const std::string& name) {
  TransformerSpec t;  // the defaults: the preset's shape
  if (name == "transformer-256") {
    t.seq_len = 32;
    t.d_model = 256;
    t.heads = 4;
    t.mlp_hidden = 512;
  }
  return t;
}

bool IsTransformer(const std::string& name) { return name.rfind("transformer", 0) == 0; }

nlohmann::json JobJson(const std::string& name, const std::string& model_path = "") {
  if (IsTransformer(name)) {
    const TransformerSpec t = TransformerShape(name);
    return {{"name", "transformer"}, {"batch_size", 16},      {"dtype", "float32"},
            {"init_seed", 1},        {"data_seed", 2},        {"vocab", t.vocab},
            {"seq_len", t.seq_len},  {"d_model", t.d_model},  {"heads", t.heads},
            {"layers", t.layers},    {"mlp_hidden", t.mlp_hidden},
            {"optimizer", {{"name", "adam"}, {"lr", 0.001}}}};
  }
  if (name == kTorchScript) {
    const std::string dir = "/usr/share/datasets/fashion-mnist/";
    return {{"name", "torchscript"},
            {"batch_size", 128},
            {"dtype", "float32"},
            {"init_seed", 1},
            {"data_seed", 2},
            {"model", model_path},
            {"optimizer", {{"name", "adam"}, {"lr", 0.001}}},
            {"dataset",
             {{"format", "idx"},
              {"train_samples", dir + "train-images-idx3-ubyte.gz"},
              {"train_labels", dir + "train-labels-idx1-ubyte.gz"},
              {"test_samples", dir + "t10k-images-idx3-ubyte.gz"},
              {"test_labels", dir + "t10k-labels-idx1-ubyte.gz"},
              {"scale", 255},
              {"mean", 0.2860},
              {"std", 0.3530}}}};
  }
  // The quickstart's mlp and the built-in cnn at its default size.
  nlohmann::json j = {
      {"name", name},       {"batch_size", 64},
      {"dtype", "float32"}, {"init_seed", 1},
      {"data_seed", 2},     {"optimizer", {{"name", "adam"}, {"lr", 0.001}}}};
  if (name == "mlp") j["hidden"] = {128};
  return j;
}

// The job's model as torch::nn modules: the mlp (784 → 128 → 10), the
// default cnn (conv 1→8 5×5, relu, max-pool 2, conv 8→16 5×5, relu,
// max-pool 2, fc 256 → 64, relu, fc 64 → 10) or Simple_Conv (the same
// shape at conv 1→32 5×5, conv 32→64 3×3, fc 1600 → 128 → 10).
struct PlainModelImpl : torch::nn::Module {
  explicit PlainModelImpl(const std::string& name) : cnn(name != "mlp") {
    if (name == kTorchScript) {
      conv1 = register_module("conv1", torch::nn::Conv2d(1, 32, 5));
      conv2 = register_module("conv2", torch::nn::Conv2d(32, 64, 3));
      fc1 = register_module("fc1", torch::nn::Linear(1600, 128));
      fc2 = register_module("fc2", torch::nn::Linear(128, 10));
    } else if (cnn) {
      conv1 = register_module("conv1", torch::nn::Conv2d(1, 8, 5));
      conv2 = register_module("conv2", torch::nn::Conv2d(8, 16, 5));
      fc1 = register_module("fc1", torch::nn::Linear(256, 64));
      fc2 = register_module("fc2", torch::nn::Linear(64, 10));
    } else {
      fc1 = register_module("fc1", torch::nn::Linear(784, 128));
      fc2 = register_module("fc2", torch::nn::Linear(128, 10));
    }
  }
  torch::Tensor forward(torch::Tensor x) {
    if (cnn) {
      x = x.reshape({x.size(0), 1, 28, 28});
      x = torch::max_pool2d(torch::relu(conv1->forward(x)), 2);
      x = torch::max_pool2d(torch::relu(conv2->forward(x)), 2);
      x = x.flatten(1);
    } else {
      x = x.reshape({x.size(0), 784});
    }
    return fc2->forward(torch::relu(fc1->forward(x)));
  }
  bool cnn;
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
};
TORCH_MODULE(PlainModel);

// The plain side's model: its forward and its named parameters.
struct PlainNet {
  std::function<torch::Tensor(const torch::Tensor&)> forward;
  std::vector<std::pair<std::string, torch::Tensor>> params;
};

// `script`: the TorchScript file itself (torch::jit::load), else the same
// model as torch::nn modules.
Result<PlainNet> MakePlainNet(const std::string& name, const std::string& model_path,
                              bool script) {
  PlainNet net;
  if (IsTransformer(name)) {
    auto ops = std::make_shared<std::vector<Op>>(TransformerOps(TransformerShape(name), 16));
    auto by_op = std::make_shared<std::vector<std::vector<torch::Tensor>>>();
    for (const Op& op : *ops) {
      by_op->emplace_back();
      for (size_t i = 0; i < op.params.size(); ++i) {
        torch::Tensor t = torch::zeros(op.params[i].shape).set_requires_grad(true);
        by_op->back().push_back(t);
        net.params.emplace_back(op.ParamKey(i), t);
      }
    }
    net.forward = [ops, by_op](const torch::Tensor& x) {
      std::map<std::string, torch::Tensor> values = {{"data/x", x}};
      for (size_t k = 0; k < ops->size(); ++k) {
        const Op& op = (*ops)[k];
        std::vector<torch::Tensor> in;
        for (const auto& name : op.inputs) in.push_back(values.at(name));
        values[op.OutputValue()] = op.forward(in, (*by_op)[k]);
      }
      return values.at(ops->back().OutputValue());
    };
    return net;
  }
  if (script) {
    auto module = std::make_shared<torch::jit::Module>(torch::jit::load(model_path));
    for (const auto& p : module->named_parameters(/*recurse=*/true)) {
      net.params.emplace_back(p.name, p.value);
    }
    net.forward = [module](const torch::Tensor& x) {
      return module->forward({x}).toTensor();
    };
    return net;
  }
  PlainModel model(name);
  for (auto& p : model->named_parameters()) net.params.emplace_back(p.key(), p.value());
  net.forward = [model](const torch::Tensor& x) mutable { return model->forward(x); };
  return net;
}

// Copies the job's parameters ("param/<module>.<weight|bias>") into the
// plain model's, so both start from the same numbers.
Status LoadParameters(const TensorMap& state, PlainNet& net) {
  torch::NoGradGuard no_grad;
  for (auto& [key, value] : net.params) {
    auto it = state.find("param/" + key);
    if (it == state.end()) {
      return Status::Internal("plain model: no job parameter for " + key);
    }
    if (it->second.numel() != value.numel()) {
      return Status::Internal("plain model: size of " + key + " differs from the job's");
    }
    value.copy_(it->second.reshape(value.sizes()));
  }
  return Status::Ok();
}

struct Side {
  double seconds = 0;
  int64_t faults = 0;
};

Status RunGraph(const TrainingJob& job, const TensorMap& start, Side* side) {
  const int64_t faults = MinorFaults();
  const auto t0 = Clock::now();
  TensorMap state = start;
  for (int64_t i = 0; i < kSteps; ++i) {
    VT_ASSIGN_OR_RETURN(state, TrainStep(job, state));
  }
  side->seconds += Since(t0);
  side->faults += MinorFaults() - faults;
  return Status::Ok();
}

Status RunPlain(const TrainingJob& job, const std::string& name, const std::string& model_path,
                bool script, const TensorMap& start, Side* side) {
  VT_ASSIGN_OR_RETURN(PlainNet net, MakePlainNet(name, model_path, script));
  VT_RETURN_IF_ERROR(LoadParameters(start, net));
  VT_ASSIGN_OR_RETURN(const OptimizerConfig o, job.config().Optimizer());
  std::vector<torch::Tensor> params;
  for (const auto& [key, value] : net.params) params.push_back(value);
  torch::optim::Adam opt(
      params,
      torch::optim::AdamOptions(o.lr).betas({o.beta1, o.beta2}).eps(o.eps));
  const int64_t faults = MinorFaults();
  const auto t0 = Clock::now();
  for (int64_t i = 0; i < kSteps; ++i) {
    VT_ASSIGN_OR_RETURN(TensorMap batch, job.Batch(i));
    opt.zero_grad();
    torch::Tensor loss = torch::nn::functional::cross_entropy(
        net.forward(batch.at("data/x")), batch.at("data/y").reshape({-1}));
    loss.backward();
    opt.step();
  }
  side->seconds += Since(t0);
  side->faults += MinorFaults() - faults;
  return Status::Ok();
}

void BM_GraphVsPlain(benchmark::State& st, const std::string& name) {
  if (!Check(st, ApplyHardwareProfile(HardwareProfile{}))) return;
  ScratchDir scratch;
  const std::string model_path = scratch.path() + "/simple_conv.pt";
  if (name == kTorchScript && !Check(st, WriteSimpleConv(model_path))) return;
  auto config = JobConfig::FromJson(JobJson(name, model_path));
  if (!Check(st, config.status())) return;
  auto job = MakeJob(*config);
  if (!Check(st, job.status())) return;
  const TensorMap start = (*job)->InitialState(config->init_seed);
  // The sides in the order of the first round; each round starts one later.
  enum Kind { kGraph, kPlain, kScript };
  std::vector<Kind> order = {kGraph, kPlain};
  if (name == kTorchScript) order.push_back(kScript);
  Side sides[3];
  int64_t round = 0;
  for (auto _ : st) {
    const auto t0 = Clock::now();
    for (size_t part = 0; part < order.size(); ++part) {
      const Kind kind = order[(part + static_cast<size_t>(round)) % order.size()];
      Status s = kind == kGraph ? RunGraph(**job, start, &sides[kGraph])
                                : RunPlain(**job, name, model_path, kind == kScript, start,
                                           &sides[kind]);
      if (!Check(st, s)) return;
    }
    ++round;
    st.SetIterationTime(Since(t0));
  }
  const Side& graph = sides[kGraph];
  const Side& plain = sides[kPlain];
  const double steps = static_cast<double>(st.iterations() * kSteps);
  st.counters["graph_step_s"] = graph.seconds / steps;
  st.counters["plain_step_s"] = plain.seconds / steps;
  st.counters["graph_over_plain"] = graph.seconds / plain.seconds;
  // The nodes of one step: a TorchScript file that is not a chain would be
  // one coarse node pair, and this shows it.
  st.counters["graph_nodes"] = static_cast<double>((*job)->graph().size());
  if (name == kTorchScript) {
    // The file itself trained by LibTorch's TorchScript interpreter.
    st.counters["script_step_s"] = sides[kScript].seconds / steps;
    st.counters["graph_over_script"] = graph.seconds / sides[kScript].seconds;
  }
  st.counters["graph_faults_per_step"] =
      static_cast<double>(graph.faults) / steps;
  st.counters["plain_faults_per_step"] =
      static_cast<double>(plain.faults) / steps;
}
BENCHMARK_CAPTURE(BM_GraphVsPlain, mlp, std::string("mlp"))
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime();
BENCHMARK_CAPTURE(BM_GraphVsPlain, cnn, std::string("cnn"))
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime();
BENCHMARK_CAPTURE(BM_GraphVsPlain, transformer, std::string("transformer"))
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime();
BENCHMARK_CAPTURE(BM_GraphVsPlain, transformer_256, std::string("transformer-256"))
    ->Name("BM_GraphVsPlain/transformer-256")
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime();
BENCHMARK_CAPTURE(BM_GraphVsPlain, torchscript_simple_conv, std::string(kTorchScript))
    ->Name("BM_GraphVsPlain/torchscript-simple-conv")
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime();

}  // namespace veritrain::bench::graph_vs_plain
