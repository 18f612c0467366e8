#include "arbiter/process_main.h"

#include "arbiter/arbiter.h"
#include "core/role/role_main.h"
#include "core/train/allocator_tuning.h"
#include "core/train/hardware_profile.h"
#include "core/train/job_environment.h"

namespace veritrain {

int ArbiterProcessMain(int argc, char** argv) {
  UseOneAllocatorArena();
  return RoleMain(argc, argv, "arbiter", [](const RoleConfig& config) {
    // The arbiter builds the job to evaluate a disputed node: plug-in jobs
    // must be registered here too.
    VT_RETURN_IF_ERROR(ApplyJobEnvironment({config.plugins, config.job_dir}));
    // The arbiter evaluates one node of a disputed step: it runs under the
    // task's hardware profile (threads, dtype) so exact mode can compare bits.
    VT_ASSIGN_OR_RETURN(auto profile, HardwareProfile::FromJson(config.profile));
    VT_RETURN_IF_ERROR(ApplyHardwareProfile(profile));
    zmq::context_t ctx(1);
    SystemClock clock;
    VT_ASSIGN_OR_RETURN(auto arbiter, Arbiter::Create(ctx, config, &clock));
    return arbiter->Run();
  });
}

}  // namespace veritrain
