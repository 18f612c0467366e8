#include "tests/bench/bench_util.h"

#include <sched.h>
#include <time.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

#include "tests/support/command.h"

namespace veritrain::bench {

State SyntheticState(int64_t total_bytes, int tensors) {
  State s;
  const int64_t floats = total_bytes / tensors / 4;
  uint32_t x = 0x9e3779b9u;
  for (int i = 0; i < tensors; ++i) {
    std::string bytes(static_cast<size_t>(floats) * 4, '\0');
    for (char& c : bytes) {
      x = x * 1664525u + 1013904223u;  // any fixed filler will do
      c = static_cast<char>(x >> 24);
    }
    TensorData t;
    t.name = "param/t" + std::to_string(i);
    t.dtype = DType::kFloat32;
    t.shape = {floats};
    t.bytes = Bytes::FromString(std::move(bytes));
    s.push_back(std::move(t));
  }
  return s;
}

int64_t StateBytes(const State& s) {
  int64_t n = 0;
  for (const TensorData& t : s) n += static_cast<int64_t>(t.bytes.size());
  return n;
}

ScratchDir::ScratchDir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string templ = std::string(tmp != nullptr && *tmp ? tmp : "/tmp") +
                      "/veritrain-bench-XXXXXX";
  if (::mkdtemp(templ.data()) != nullptr) path_ = templ;
}

ScratchDir::~ScratchDir() {
  if (path_.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

double ProcessCpu() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

int UsableCores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof(set), &set) != 0) return 1;
  const int n = CPU_COUNT(&set);
  return n > 0 ? n : 1;
}

bool Check(benchmark::State& state, const Status& s) {
  if (s.ok()) return true;
  state.SkipWithError(s.ToString().c_str());
  return false;
}

std::filesystem::path BinDir() {
  return std::filesystem::read_symlink("/proc/self/exe").parent_path();
}

Result<Finished> RunProcess(const std::vector<std::string>& argv, const std::string& dir) {
  const std::string out_path = dir + "/stdout.txt", err_path = dir + "/stderr.txt";
  const auto t0 = std::chrono::steady_clock::now();
  const pid_t pid = test_support::SpawnCommand(argv, out_path, err_path);
  if (pid < 0) return Status::Internal("fork failed");
  const test_support::CommandResult r = test_support::WaitCommand(pid, out_path, err_path);
  Finished f;
  f.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  f.out = r.out;
  if (r.exit_code != 0) {
    std::string tail = r.err;
    if (tail.size() > 400) tail = tail.substr(tail.size() - 400);
    return Status::Internal(argv[0] + " failed (status " + std::to_string(r.exit_code) +
                            "): " + tail);
  }
  return f;
}

}  // namespace veritrain::bench
