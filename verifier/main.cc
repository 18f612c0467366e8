// veritrain-verifier: the verifier role as its own process.
//   veritrain-verifier --config ROLE_CONFIG.json
#include "core/train/allocator_tuning.h"
#include "core/train/hardware_profile.h"
#include "core/train/job_environment.h"
#include "core/role/role_main.h"
#include "verifier/verifier.h"

int main(int argc, char** argv) {
  // Before any thread of the process allocates (allocator_tuning.h).
  veritrain::UseOneAllocatorArena();
  return veritrain::RoleMain(argc, argv, "verifier", [](const veritrain::RoleConfig& config) {
    VT_ASSIGN_OR_RETURN(auto profile, veritrain::HardwareProfile::FromJson(config.profile));
    VT_RETURN_IF_ERROR(veritrain::ApplyHardwareProfile(profile));
    VT_RETURN_IF_ERROR(veritrain::ApplyJobEnvironment({config.plugins, config.job_dir}));
    zmq::context_t ctx(1);
    VT_ASSIGN_OR_RETURN(auto verifier, veritrain::Verifier::Create(ctx, config));
    return verifier->Run();
  });
}
