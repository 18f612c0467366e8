// veritrain-arbiter: the arbiter role as its own process.
//   veritrain-arbiter --config ROLE_CONFIG.json
#include "arbiter/arbiter.h"
#include "core/transport/role_main.h"

int main(int argc, char** argv) {
  return veritrain::RoleMain(argc, argv, "arbiter", [](const veritrain::RoleConfig& config) {
    zmq::context_t ctx(1);
    veritrain::SystemClock clock;
    VT_ASSIGN_OR_RETURN(auto arbiter, veritrain::Arbiter::Create(ctx, config, &clock));
    return arbiter->Run();
  });
}
