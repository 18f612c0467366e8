#include "scenarios/check/behaviour_check.h"

#include "solver/behaviour.h"
#include "verifier/behaviour.h"

namespace veritrain {

namespace {

Status MakeBehaviour(const std::string& role, const std::string& name,
                     const nlohmann::json& params) {
  if (role == "solver") return MakeSolverBehaviour(name, params).status();
  if (role == "verifier") return MakeVerifierBehaviour(name, params).status();
  return Status::Ok();
}

}  // namespace

Status CheckBehaviourParams(const Scenario& scenario) {
  std::string errors;
  if (scenario.market) {
    // A market's participants come from its entries: errors name those,
    // the strategy it adapts to included.
    size_t index[2] = {0, 0};
    for (const MarketEntry& e : scenario.market->entries) {
      const bool solver = e.role == "solver";
      const std::string at = std::string("/market/") + (solver ? "solvers/" : "verifiers/") +
                             std::to_string(index[solver ? 0 : 1]++);
      if (Status s = MakeBehaviour(e.role, e.behaviour, e.params); !s.ok()) {
        errors += (errors.empty() ? "" : "\n") + at + "/params: " + s.message();
      }
      if (!e.adapt) continue;
      if (Status s = MakeBehaviour(e.role, e.adapt->to, e.adapt->params); !s.ok()) {
        errors += (errors.empty() ? "" : "\n") + at + "/adapt/params: " + s.message();
      }
    }
    return errors.empty() ? Status::Ok() : Status::InvalidArgument(errors);
  }
  for (size_t i = 0; i < scenario.participants.size(); ++i) {
    const ParticipantSpec& p = scenario.participants[i];
    Status s;
    if (p.role == "solver") {
      s = MakeSolverBehaviour(p.behaviour, p.params).status();
    } else if (p.role == "verifier") {
      s = MakeVerifierBehaviour(p.behaviour, p.params).status();
    }
    if (!s.ok()) {
      errors += (errors.empty() ? "" : "\n") + std::string("/participants/") +
                std::to_string(i) + "/params: " + s.message();
    }
  }
  return errors.empty() ? Status::Ok() : Status::InvalidArgument(errors);
}

}  // namespace veritrain
