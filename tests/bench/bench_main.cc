// The benchmark binary's entry point: Google Benchmark's main plus the
// build's identity in the JSON context, so that a results file says which
// commit it measured and which compiler built it. The process keeps one allocator arena, as every role
// process does (core/train/allocator_tuning.h): a message received by a
// transport thread is then freed into the memory the computation reuses,
// so the benchmarks allocate as the roles they time.
#include <benchmark/benchmark.h>

#include <fstream>
#include <string>
#include <thread>

#include "core/train/allocator_tuning.h"
#include "core/util/build_info.h"

namespace {

// The CPU's model name from /proc/cpuinfo ("" where there is none).
std::string CpuModel() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const size_t colon = line.find(':');
      if (colon != std::string::npos) return line.substr(colon + 2);
    }
  }
  return "";
}

// The compiler that built the benchmarks and the code they time: figures
// of builds by different compilers are not the same measurement.
std::string Compiler() {
#if defined(__clang__)
  return "clang " __clang_version__;
#elif defined(__GNUC__)
  return "g++ " __VERSION__;
#else
  return "unknown compiler";
#endif
}

}  // namespace

int main(int argc, char** argv) {
  veritrain::UseOneAllocatorArena();  // before any thread starts
  benchmark::AddCustomContext("cpu_model", CpuModel());
  // veritrain's own build type ("library_build_type" in the context is
  // Google Benchmark's, which Debian builds without NDEBUG).
  benchmark::AddCustomContext("veritrain_build_type",
                              VERITRAIN_BENCH_BUILD_TYPE);
  benchmark::AddCustomContext("veritrain_compiler", Compiler());
  benchmark::AddCustomContext("veritrain_version",
                              veritrain::VeritrainVersion());
  benchmark::AddCustomContext("veritrain_commit", veritrain::VeritrainCommit());
  benchmark::AddCustomContext(
      "hardware_threads", std::to_string(std::thread::hardware_concurrency()));
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
