#include "scenarios/behaviour_check.h"

#include "solver/behaviour.h"
#include "verifier/behaviour.h"

namespace veritrain {

Status CheckBehaviourParams(const Scenario& scenario) {
  std::string errors;
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
