// Helpers shared by the benchmarks: synthetic states and a scratch
// directory. Benchmarks that fail set-up report an error through
// benchmark::State::SkipWithError rather than aborting the run.
//
// Thread-safety: call from the benchmark's own thread.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/state/tensor_data.h"
#include "core/util/status.h"

namespace veritrain::bench {

// A state of `tensors` float32 tensors of `total_bytes / tensors` bytes
// each (rounded down to whole floats), filled with deterministic bytes.
// REQUIRES: tensors >= 1.
State SyntheticState(int64_t total_bytes, int tensors);

// Sum of the tensors' byte sizes.
int64_t StateBytes(const State& s);

// A fresh directory under $TMPDIR (or /tmp), removed with its files when
// the ScratchDir goes.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }
  bool ok() const { return !path_.empty(); }

 private:
  std::string path_;
};

// CPU seconds used by the whole process (every thread) so far.
double ProcessCpu();

// The cores this process may run on (its affinity mask), at least 1.
int UsableCores();

// Stops the benchmark with `s`'s message when it is an error; returns
// whether it was ok.
bool Check(benchmark::State& state, const Status& s);

// The directory of this binary, where the build puts veritrain and the
// other programs the benchmarks run.
std::filesystem::path BinDir();

struct Finished {
  double seconds = 0;  // wall, start to exit
  std::string out;     // what it wrote to stdout
};

// Runs `argv` with stdout and stderr in files of `dir`, and waits for it:
// its wall time, or an error naming the command and its stderr's end.
Result<Finished> RunProcess(const std::vector<std::string>& argv, const std::string& dir);

}  // namespace veritrain::bench
