#include "tests/bench/bench_util.h"

#include <sched.h>
#include <time.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

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

}  // namespace veritrain::bench
