#include "solver/process_main.h"

#include "core/role/role_main.h"
#include "core/train/allocator_tuning.h"
#include "core/train/hardware_profile.h"
#include "core/train/job_environment.h"
#include "solver/solver.h"

namespace veritrain {

int SolverProcessMain(int argc, char** argv) {
  UseOneAllocatorArena();
  return RoleMain(argc, argv, "solver", [](const RoleConfig& config) {
    VT_ASSIGN_OR_RETURN(auto profile, HardwareProfile::FromJson(config.profile));
    VT_RETURN_IF_ERROR(ApplyHardwareProfile(profile));
    VT_RETURN_IF_ERROR(ApplyJobEnvironment({config.plugins, config.job_dir}));
    zmq::context_t ctx(1);
    VT_ASSIGN_OR_RETURN(auto solver, Solver::Create(ctx, config));
    return solver->Run();
  });
}

}  // namespace veritrain
