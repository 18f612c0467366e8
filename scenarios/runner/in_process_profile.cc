#include "scenarios/runner/in_process_profile.h"

#include <ATen/Parallel.h>
#include <ATen/Config.h>

#include <mutex>
#include <optional>

namespace veritrain {
namespace {

std::mutex g_mu;
std::optional<HardwareProfile> g_adopted;  // guarded by g_mu

std::string Describe(const HardwareProfile& p) { return p.ToJson().dump(); }

}  // namespace

bool ThreadCountsArePerThread() {
#if AT_PARALLEL_OPENMP
  return true;
#else
  return false;
#endif
}

Status AdmitInProcess(const std::vector<HardwareProfile>& profiles) {
  if (profiles.empty()) return Status::Ok();
  std::lock_guard<std::mutex> lock(g_mu);
  const HardwareProfile& reference = g_adopted ? *g_adopted : profiles.front();
  const char* owner = g_adopted ? "an earlier in-process run in this process"
                                : "the first participant";
  for (const HardwareProfile& p : profiles) {
    std::string field;
    if (p.dtype != reference.dtype) field = "dtype";
    else if (p.deterministic != reference.deterministic) field = "deterministic";
    else if (p.device != reference.device) field = "device";
    else if (!ThreadCountsArePerThread() && p.threads != reference.threads) field = "threads";
    if (!field.empty()) {
      return Status::FailedPrecondition(
          "profile " + Describe(p) + " differs in '" + field + "' from " + owner + "'s " +
          Describe(reference) + ", and '" + field +
          "' is process-wide: roles with different values need their own processes");
    }
  }
  // Applied again for every run: something else in the process (a
  // calibration, which applies profiles of its own) may have changed it.
  VT_RETURN_IF_ERROR(ApplyHardwareProfile(reference));
  if (!g_adopted) g_adopted = profiles.front();
  return Status::Ok();
}

Status ApplyThreadProfile(const HardwareProfile& p) {
  try {
    // LibTorch initialises a thread's count lazily, from the process-wide
    // value, on its first parallel use: do that first, then set ours.
    at::internal::lazy_init_num_threads();
    at::set_num_threads(p.threads);
    if (at::get_num_threads() != p.threads) {
      return Status::Internal("this thread runs " + std::to_string(at::get_num_threads()) +
                              " intra-op threads after asking for " + std::to_string(p.threads));
    }
  } catch (const std::exception& e) {
    return Status::Internal(std::string("setting the thread count: ") + e.what());
  }
  return Status::Ok();
}

}  // namespace veritrain
