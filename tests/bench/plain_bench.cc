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
// The plain side is what a user would write for the same training; its
// parameters start from the job's initial state, so both train the same
// numbers, but the benchmark does not compare the results (the step graph's
// bits are the protocol's; the plain loop's kernels may differ).
#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <torch/torch.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/train/hardware_profile.h"
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

nlohmann::json JobJson(const std::string& name) {
  // The quickstart's mlp and the built-in cnn at its default size.
  nlohmann::json j = {
      {"name", name},       {"batch_size", 64},
      {"dtype", "float32"}, {"init_seed", 1},
      {"data_seed", 2},     {"optimizer", {{"name", "adam"}, {"lr", 0.001}}}};
  if (name == "mlp") j["hidden"] = {128};
  return j;
}

// The job's model as torch::nn modules: the mlp (784 → 128 → 10) or the
// default cnn (conv 1→8 5×5, relu, max-pool 2, conv 8→16 5×5, relu,
// max-pool 2, fc 256 → 64, relu, fc 64 → 10).
struct PlainModelImpl : torch::nn::Module {
  explicit PlainModelImpl(const std::string& name) : cnn(name == "cnn") {
    if (cnn) {
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

// Copies the job's parameters ("param/<module>.<weight|bias>") into the
// plain model's, so both start from the same numbers.
Status LoadParameters(const TensorMap& state, PlainModel& model) {
  torch::NoGradGuard no_grad;
  for (auto& p : model->named_parameters()) {
    auto it = state.find("param/" + p.key());
    if (it == state.end()) {
      return Status::Internal("plain model: no job parameter for " + p.key());
    }
    if (it->second.numel() != p.value().numel()) {
      return Status::Internal("plain model: size of " + p.key() +
                              " differs from the job's");
    }
    p.value().copy_(it->second.reshape(p.value().sizes()));
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

Status RunPlain(const TrainingJob& job, const std::string& name,
                const TensorMap& start, Side* side) {
  PlainModel model(name);
  VT_RETURN_IF_ERROR(LoadParameters(start, model));
  VT_ASSIGN_OR_RETURN(const OptimizerConfig o, job.config().Optimizer());
  torch::optim::Adam opt(
      model->parameters(),
      torch::optim::AdamOptions(o.lr).betas({o.beta1, o.beta2}).eps(o.eps));
  const int64_t faults = MinorFaults();
  const auto t0 = Clock::now();
  for (int64_t i = 0; i < kSteps; ++i) {
    VT_ASSIGN_OR_RETURN(TensorMap batch, job.Batch(i));
    opt.zero_grad();
    torch::Tensor loss = torch::nn::functional::cross_entropy(
        model->forward(batch.at("data/x")), batch.at("data/y"));
    loss.backward();
    opt.step();
  }
  side->seconds += Since(t0);
  side->faults += MinorFaults() - faults;
  return Status::Ok();
}

void BM_GraphVsPlain(benchmark::State& st, const std::string& name) {
  if (!Check(st, ApplyHardwareProfile(HardwareProfile{}))) return;
  auto config = JobConfig::FromJson(JobJson(name));
  if (!Check(st, config.status())) return;
  auto job = MakeJob(*config);
  if (!Check(st, job.status())) return;
  const TensorMap start = (*job)->InitialState(config->init_seed);
  Side graph, plain;
  int64_t round = 0;
  for (auto _ : st) {
    const auto t0 = Clock::now();
    for (int part = 0; part < 2; ++part) {
      const bool do_plain = (part == 0) == (round % 2 == 0);
      Status s = do_plain ? RunPlain(**job, name, start, &plain)
                          : RunGraph(**job, start, &graph);
      if (!Check(st, s)) return;
    }
    ++round;
    st.SetIterationTime(Since(t0));
  }
  const double steps = static_cast<double>(st.iterations() * kSteps);
  st.counters["graph_step_s"] = graph.seconds / steps;
  st.counters["plain_step_s"] = plain.seconds / steps;
  st.counters["graph_over_plain"] = graph.seconds / plain.seconds;
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

}  // namespace veritrain::bench::graph_vs_plain
