// HardwareProfile: the execution settings that decide a run's floating-point
// bits, and the one place where they are applied to the process.
//
// On CPU, LibTorch training is bit-reproducible for a fixed thread count,
// dtype and BLAS, and differs in the last bits across thread counts. A
// profile is part of each participant's config and of the run manifest;
// exact-mode verification requires equal profiles.
//
// JSON: {"threads": 1, "dtype": "float32", "deterministic": true,
//        "device": "cpu"}. Absent fields take these defaults; fields not
// listed are ignored (left to the caller, e.g. a label).
//
// Thread-safety: HardwareProfile is a value. ApplyHardwareProfile changes
// process-wide state: call it at process start, before training, from one
// thread. The settings are process-wide, so roles running as threads of one
// process share one profile.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "core/util/status.h"

namespace veritrain {

struct HardwareProfile {
  int threads = 1;                // intra-op threads (OpenMP, BLAS)
  std::string dtype = "float32";  // "float32" | "float64"
  bool deterministic = true;      // torch deterministic algorithms
  std::string device = "cpu";     // "cpu" | "cuda" | "cuda:N"

  nlohmann::json ToJson() const;
  // Errors name the field: "profile.threads must be >= 1".
  static Result<HardwareProfile> FromJson(const nlohmann::json& j);

  bool operator==(const HardwareProfile& o) const {
    return threads == o.threads && dtype == o.dtype &&
           deterministic == o.deterministic && device == o.device;
  }
  bool operator!=(const HardwareProfile& o) const { return !(*this == o); }
};

// Applies `p` to the process: intra-op threads (at::set_num_threads, which
// also sets OpenMP's and so OpenBLAS's), inter-op threads (LibTorch allows
// this once per process: the first call sets it to p.threads, later calls
// leave it), deterministic algorithms (and deterministic, non-benchmark
// cuDNN), the default floating dtype, and the C allocator's thresholds
// (allocator_tuning.h: training reuses freed memory instead of faulting it
// in every step). FailedPrecondition when the device
// is not "cpu" and CUDA is not available; InvalidArgument on a malformed
// profile.
Status ApplyHardwareProfile(const HardwareProfile& p);

// What the run actually uses, for the manifest: LibTorch version, threads,
// parallel backend and BLAS description (at::get_parallel_info()), default
// dtype, deterministic flag, CUDA availability.
nlohmann::json DescribeRuntime();

}  // namespace veritrain
