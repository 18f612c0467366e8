// The solver's test-accuracy pass against plain LibTorch's, measured in the
// same iteration:
//
//  - BM_TestAccuracy/cnn: TrainingJob::TestAccuracy of the cnn job over the
//    10,000 Fashion-MNIST test images, against the same model evaluated as
//    a plain LibTorch program would (torch::conv2d, relu, max_pool2d,
//    linear on the same parameters, 1,024 images at a time, inference
//    mode). Counters: job_s and plain_s per pass, job_over_plain.
//    Both count the same images correct (checked every iteration).
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <chrono>
#include <memory>
#include <string>

#include "core/train/dataset.h"
#include "core/train/hardware_profile.h"
#include "core/train/job.h"
#include "tests/bench/bench_util.h"

namespace veritrain::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// The cnn job's model (cnn_job.h, default fields) in plain LibTorch.
int64_t PlainCorrect(const TensorMap& s, const Dataset& test) {
  c10::InferenceMode inference;
  int64_t correct = 0;
  for (int64_t start = 0; start < test.size(); start += 1024) {
    const int64_t n = std::min<int64_t>(1024, test.size() - start);
    torch::Tensor x = test.x.narrow(0, start, n).reshape({n, 1, 28, 28});
    x = torch::max_pool2d(torch::relu(torch::conv2d(x, s.at("param/conv1.weight"),
                                                    s.at("param/conv1.bias"))),
                          2);
    x = torch::max_pool2d(torch::relu(torch::conv2d(x, s.at("param/conv2.weight"),
                                                    s.at("param/conv2.bias"))),
                          2);
    x = torch::relu(torch::linear(x.flatten(1), s.at("param/fc1.weight"), s.at("param/fc1.bias")));
    x = torch::linear(x, s.at("param/fc2.weight"), s.at("param/fc2.bias"));
    correct += x.argmax(1).eq(test.y.narrow(0, start, n)).sum().item<int64_t>();
  }
  return correct;
}

void BM_TestAccuracy(benchmark::State& st, const std::string& name) {
  if (!Check(st, ApplyHardwareProfile(HardwareProfile{}))) return;
  auto config = JobConfig::FromJson({{"name", name}, {"batch_size", 64}, {"init_seed", 1}});
  if (!Check(st, config.status())) return;
  auto job = MakeJob(*config);
  if (!Check(st, job.status())) return;
  auto test = LoadFashionMnist("/usr/share/datasets/fashion-mnist", /*train=*/false, 0);
  if (!Check(st, test.status())) return;
  TensorMap state = (*job)->InitialState(1);
  for (int i = 0; i < 3; ++i) {
    auto next = TrainStep(**job, state);
    if (!Check(st, next.status())) return;
    state = std::move(*next);
  }
  double job_s = 0, plain_s = 0;
  for (auto _ : st) {
    auto t0 = Clock::now();
    auto accuracy = (*job)->TestAccuracy(state);
    if (!Check(st, accuracy.status())) return;
    job_s += Since(t0);
    auto t1 = Clock::now();
    const int64_t correct = PlainCorrect(state, *test);
    plain_s += Since(t1);
    if (static_cast<int64_t>(*accuracy * static_cast<double>(test->size()) + 0.5) != correct) {
      st.SkipWithError("the job and plain LibTorch count different images correct");
      return;
    }
    st.SetIterationTime(Since(t0));
  }
  const double n = static_cast<double>(st.iterations());
  st.counters["job_s"] = job_s / n;
  st.counters["plain_s"] = plain_s / n;
  st.counters["job_over_plain"] = job_s / plain_s;
}
BENCHMARK_CAPTURE(BM_TestAccuracy, cnn, std::string("cnn"))
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime();

}  // namespace
}  // namespace veritrain::bench
