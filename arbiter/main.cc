// veritrain-arbiter: the arbiter role as its own process.
//   veritrain-arbiter --config ROLE_CONFIG.json
#include "arbiter/arbiter.h"
#include "core/train/allocator_tuning.h"
#include "core/train/hardware_profile.h"
#include "core/train/job_environment.h"
#include "core/role/role_main.h"

int main(int argc, char** argv) {
  // Before any thread of the process allocates (allocator_tuning.h).
  veritrain::UseOneAllocatorArena();
  return veritrain::RoleMain(argc, argv, "arbiter", [](const veritrain::RoleConfig& config) {
    // The arbiter builds the job to evaluate a disputed node: plug-in jobs
    // must be registered here too.
    VT_RETURN_IF_ERROR(veritrain::ApplyJobEnvironment({config.plugins, config.job_dir}));
    // The arbiter evaluates one node of a disputed step: it runs under the
    // task's hardware profile (threads, dtype) so exact mode can compare bits.
    VT_ASSIGN_OR_RETURN(auto profile, veritrain::HardwareProfile::FromJson(config.profile));
    VT_RETURN_IF_ERROR(veritrain::ApplyHardwareProfile(profile));
    zmq::context_t ctx(1);
    veritrain::SystemClock clock;
    VT_ASSIGN_OR_RETURN(auto arbiter, veritrain::Arbiter::Create(ctx, config, &clock));
    return arbiter->Run();
  });
}
