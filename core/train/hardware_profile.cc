#include "core/train/hardware_profile.h"

#include <ATen/Parallel.h>
#include <torch/cuda.h>
#include <torch/torch.h>
#include <torch/version.h>

#include <atomic>
#include <mutex>

#include "core/train/allocator_tuning.h"
#include "core/train/json_fields.h"

namespace veritrain {

namespace {

Status ValidateDevice(const std::string& device, const std::string& field) {
  if (device == "cpu" || device == "cuda") return Status::Ok();
  if (device.rfind("cuda:", 0) == 0 && device.size() > 5 &&
      device.find_first_not_of("0123456789", 5) == std::string::npos) {
    return Status::Ok();
  }
  return Status::InvalidArgument(field +
                                 " must be \"cpu\", \"cuda\" or "
                                 "\"cuda:N\", not \"" +
                                 device + "\"");
}

std::mutex g_apply_mu;
bool g_interop_set = false;  // guarded by g_apply_mu

}  // namespace

nlohmann::json HardwareProfile::ToJson() const {
  return {{"threads", threads},
          {"dtype", dtype},
          {"deterministic", deterministic},
          {"device", device}};
}

Result<HardwareProfile> HardwareProfile::FromJson(const nlohmann::json& j) {
  const std::string path = "profile";
  VT_RETURN_IF_ERROR(RequireObject(j, path));
  HardwareProfile p;
  int64_t threads = p.threads;
  VT_RETURN_IF_ERROR(GetInt(j, "threads", path, 1, 1024, &threads));
  p.threads = static_cast<int>(threads);
  VT_RETURN_IF_ERROR(GetString(j, "dtype", path, &p.dtype));
  if (p.dtype != "float32" && p.dtype != "float64") {
    return Status::InvalidArgument(
        "profile.dtype must be \"float32\" or "
        "\"float64\", not \"" +
        p.dtype + "\"");
  }
  VT_RETURN_IF_ERROR(GetBool(j, "deterministic", path, &p.deterministic));
  VT_RETURN_IF_ERROR(GetString(j, "device", path, &p.device));
  VT_RETURN_IF_ERROR(ValidateDevice(p.device, "profile.device"));
  return p;
}

Status ApplyHardwareProfile(const HardwareProfile& p) {
  if (p.threads < 1) {
    return Status::InvalidArgument("profile.threads must be >= 1");
  }
  if (p.dtype != "float32" && p.dtype != "float64") {
    return Status::InvalidArgument(
        "profile.dtype must be \"float32\" or "
        "\"float64\", not \"" +
        p.dtype + "\"");
  }
  VT_RETURN_IF_ERROR(ValidateDevice(p.device, "profile.device"));
  TuneAllocatorForTraining();
  std::lock_guard<std::mutex> lock(g_apply_mu);
  try {
    if (p.device != "cpu" && !torch::cuda::is_available()) {
      return Status::FailedPrecondition(
          "profile.device is \"" + p.device +
          "\" but this LibTorch has no usable CUDA device");
    }
    at::set_num_threads(p.threads);
    if (!g_interop_set) {
      // LibTorch throws if this is called twice or after inter-op work has
      // started; the inter-op pool does not affect the bits of a step.
      g_interop_set = true;
      try {
        at::set_num_interop_threads(p.threads);
      } catch (const std::exception&) {
        // Already started by earlier LibTorch use: keep its setting.
      }
    }
    auto& ctx = at::globalContext();
    ctx.setDeterministicAlgorithms(p.deterministic, /*warn_only=*/false);
    ctx.setDeterministicCuDNN(p.deterministic);
    ctx.setBenchmarkCuDNN(!p.deterministic);
    c10::set_default_dtype(caffe2::TypeMeta::fromScalarType(
        p.dtype == "float64" ? torch::kFloat64 : torch::kFloat32));
  } catch (const std::exception& e) {
    return Status::Internal(std::string("applying the hardware profile: ") +
                            e.what());
  }
  return Status::Ok();
}

nlohmann::json DescribeRuntime() {
  nlohmann::json j;
  j["torch_version"] = TORCH_VERSION;
  j["threads"] = at::get_num_threads();
  j["interop_threads"] = at::get_num_interop_threads();
  j["parallel_info"] = at::get_parallel_info();
  j["default_dtype"] =
      std::string(c10::toString(c10::get_default_dtype_as_scalartype()));
  j["deterministic"] = at::globalContext().deterministicAlgorithms();
  j["cuda_available"] = torch::cuda::is_available();
  return j;
}

}  // namespace veritrain
