// The quickstart's work written as a plain LibTorch program, the baseline
// of BM_QuickstartVsPlain: what a user would run to train the same model
// and re-execute part of it without any protocol.
//
// It reads Fashion-MNIST from the same gzipped IDX files
// (/usr/share/datasets/fashion-mnist, or the directory given as the first
// argument), trains the quickstart's mlp (784 → 128 → 10, ReLU, Adam with
// lr 0.001, batch 64, 300 steps, one thread), saves the model and the
// optimizer every 50 steps to files (as the proof-of-learning reference
// does), re-executes two intervals from their saved starts (the one with
// the largest update and the first other one) and checks that each ends
// bit-equal to its saved end, and measures test accuracy. It prints one
// JSON line of its phases' times and results, and exits 1 if a
// re-execution differs or the data cannot be read.
//
// Not thread-safe; a program of its own.
#include <torch/torch.h>
#include <unistd.h>
#include <zlib.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

namespace {

constexpr int64_t kSteps = 300;
constexpr int64_t kInterval = 50;
constexpr int64_t kBatch = 64;
constexpr uint64_t kSeed = 1;

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// The bytes of a gzipped file, or empty if it cannot be read.
std::vector<uint8_t> ReadGz(const std::string& path) {
  std::vector<uint8_t> out;
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) return out;
  gzbuffer(f, 1 << 20);
  size_t size = 0;
  out.resize(size_t{1} << 24);
  int n = 0;
  while ((n = gzread(f, out.data() + size, static_cast<unsigned>(out.size() - size))) > 0) {
    size += static_cast<size_t>(n);
    if (size == out.size()) out.resize(out.size() * 2);
  }
  gzclose(f);
  out.resize(n < 0 ? 0 : size);
  return out;
}

struct Split {
  torch::Tensor images;  // [n, 784] float in [0, 1]
  torch::Tensor labels;  // [n] int64
};

// One IDX split; an empty Split if the files are missing or malformed.
Split Load(const std::string& dir, const std::string& prefix) {
  const auto images = ReadGz(dir + "/" + prefix + "-images-idx3-ubyte.gz");
  const auto labels = ReadGz(dir + "/" + prefix + "-labels-idx1-ubyte.gz");
  if (images.size() < 16 || labels.size() < 8) return {};
  const int64_t n = static_cast<int64_t>(labels.size()) - 8;
  if (static_cast<int64_t>(images.size()) != 16 + n * 784) return {};
  Split s;
  s.images = torch::from_blob(const_cast<uint8_t*>(images.data()) + 16, {n, 784}, torch::kUInt8)
                 .to(torch::kFloat32)
                 .div_(255.0);
  s.labels = torch::from_blob(const_cast<uint8_t*>(labels.data()) + 8, {n}, torch::kUInt8)
                 .to(torch::kInt64);
  return s;
}

struct MlpImpl : torch::nn::Module {
  MlpImpl() {
    fc1 = register_module("fc1", torch::nn::Linear(784, 128));
    fc2 = register_module("fc2", torch::nn::Linear(128, 10));
  }
  torch::Tensor forward(const torch::Tensor& x) { return fc2->forward(torch::relu(fc1->forward(x))); }
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
};
TORCH_MODULE(Mlp);

// The batch of `step`: the same indices whenever the step is run again.
torch::Tensor BatchIndices(int64_t step, int64_t n) {
  std::mt19937_64 rng(kSeed * 1000003 + static_cast<uint64_t>(step));
  std::uniform_int_distribution<int64_t> pick(0, n - 1);
  std::vector<int64_t> idx(kBatch);
  for (auto& i : idx) i = pick(rng);
  return torch::tensor(idx, torch::kInt64);
}

void Train(Mlp& model, torch::optim::Adam& opt, const Split& train, int64_t from, int64_t to) {
  for (int64_t step = from; step < to; ++step) {
    const torch::Tensor idx = BatchIndices(step, train.labels.size(0));
    opt.zero_grad();
    torch::Tensor loss = torch::nn::functional::cross_entropy(
        model->forward(train.images.index_select(0, idx)), train.labels.index_select(0, idx));
    loss.backward();
    opt.step();
  }
}

std::string CheckpointPath(const std::filesystem::path& dir, int64_t index, const char* what) {
  return (dir / (std::to_string(index) + "." + what + ".pt")).string();
}

void Save(Mlp& model, torch::optim::Adam& opt, const std::filesystem::path& dir, int64_t index) {
  torch::save(model, CheckpointPath(dir, index, "model"));
  torch::save(opt, CheckpointPath(dir, index, "adam"));
}

// The parameters after `index` checkpoints, flattened.
torch::Tensor ParametersAt(const std::filesystem::path& dir, int64_t index) {
  Mlp m;
  torch::load(m, CheckpointPath(dir, index, "model"));
  std::vector<torch::Tensor> flat;
  for (const auto& p : m->parameters()) flat.push_back(p.detach().flatten());
  return torch::cat(flat);
}

// Re-executes interval `i` from its saved start: bit-equal to its saved end?
bool Reexecute(const Split& train, const std::filesystem::path& dir, int64_t i) {
  Mlp model;
  torch::optim::Adam opt(model->parameters(), torch::optim::AdamOptions(0.001));
  torch::load(model, CheckpointPath(dir, i, "model"));
  torch::load(opt, CheckpointPath(dir, i, "adam"));
  Train(model, opt, train, i * kInterval, (i + 1) * kInterval);
  std::vector<torch::Tensor> flat;
  for (const auto& p : model->parameters()) flat.push_back(p.detach().flatten());
  return torch::equal(torch::cat(flat), ParametersAt(dir, i + 1));
}

}  // namespace

int main(int argc, char** argv) {
  const auto t_start = Clock::now();
  torch::set_num_threads(1);
  torch::manual_seed(static_cast<uint64_t>(kSeed));
  const std::string data_dir = argc > 1 ? argv[1] : "/usr/share/datasets/fashion-mnist";
  auto t0 = Clock::now();
  const Split train = Load(data_dir, "train");
  const Split test = Load(data_dir, "t10k");
  if (!train.images.defined() || !test.images.defined()) {
    std::fprintf(stderr, "plain_quickstart: cannot read Fashion-MNIST in %s\n", data_dir.c_str());
    return 1;
  }
  const double load_s = Since(t0);
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("plain-quickstart-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);

  t0 = Clock::now();
  Mlp model;
  torch::optim::Adam opt(model->parameters(), torch::optim::AdamOptions(0.001));
  Save(model, opt, dir, 0);
  for (int64_t i = 0; i < kSteps / kInterval; ++i) {
    Train(model, opt, train, i * kInterval, (i + 1) * kInterval);
    Save(model, opt, dir, i + 1);
  }
  const double train_s = Since(t0);

  t0 = Clock::now();
  // The interval with the largest update, and the first other one.
  int64_t largest = 0;
  double largest_norm = -1;
  torch::Tensor prev = ParametersAt(dir, 0);
  for (int64_t i = 0; i < kSteps / kInterval; ++i) {
    torch::Tensor next = ParametersAt(dir, i + 1);
    const double norm = (next - prev).norm().item<double>();
    if (norm > largest_norm) largest_norm = norm, largest = i;
    prev = next;
  }
  const int64_t other = largest == 0 ? 1 : 0;
  const bool equal = Reexecute(train, dir, largest) && Reexecute(train, dir, other);
  const double reexec_s = Since(t0);

  t0 = Clock::now();
  double accuracy = 0;
  {
    torch::NoGradGuard no_grad;
    const torch::Tensor predicted = model->forward(test.images).argmax(1);
    accuracy = predicted.eq(test.labels).to(torch::kFloat64).mean().item<double>();
  }
  const double test_s = Since(t0);
  std::filesystem::remove_all(dir);
  std::printf(
      "{\"load_s\": %.4f, \"train_s\": %.4f, \"reexecute_s\": %.4f, \"test_s\": %.4f, "
      "\"main_s\": %.4f, \"test_accuracy\": %.4f, \"reexecuted_bit_equal\": %s}\n",
      load_s, train_s, reexec_s, test_s, Since(t_start), accuracy, equal ? "true" : "false");
  return equal ? 0 : 1;
}
