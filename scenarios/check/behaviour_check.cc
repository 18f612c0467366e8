#include "scenarios/check/behaviour_check.h"

#include "solver/behaviour.h"
#include "solver/behaviours/blindfold_topq.h"
#include "solver/behaviours/withhold.h"
#include "verifier/behaviour.h"
#include "verifier/behaviours/false_challenge.h"

namespace veritrain {

namespace {

Status MakeBehaviour(const std::string& role, const std::string& name,
                     const nlohmann::json& params) {
  if (role == "solver") return MakeSolverBehaviour(name, params).status();
  if (role == "verifier") return MakeVerifierBehaviour(name, params).status();
  return Status::Ok();
}

// Why parameter `param` of participant `i` cannot act on the task, as
// "/participants/<i>/params/<param>: '<name>' (<behaviour>): <rule>[:
// <consequence>]".
std::string ReachError(size_t i, const ParticipantSpec& p, const std::string& param,
                       const std::string& rule, const std::string& consequence) {
  return "/participants/" + std::to_string(i) + "/params/" + param + ": '" + p.name + "' (" +
         p.behaviour + "): " + rule + (consequence.empty() ? "" : ": " + consequence);
}

// The parameters that name a point of the task or another participant,
// measured against the scenario, each with the rule its behaviour applies
// at run time. Parameters that do not parse are left to MakeBehaviour.
std::string ReachErrors(const Scenario& scenario) {
  std::string errors;
  auto add = [&errors](const std::string& line) {
    errors += (errors.empty() ? "" : "\n") + line;
  };
  const int64_t intervals = scenario.intervals();
  const std::vector<const ParticipantSpec*> solvers = scenario.solvers();
  for (size_t i = 0; i < scenario.participants.size(); ++i) {
    const ParticipantSpec& p = scenario.participants[i];
    if (p.role == "verifier" && p.behaviour == "false-challenge" && intervals > 0) {
      auto interval = FalseChallengeInterval(p.params);
      if (!interval.ok()) continue;
      if (Status s = FalseChallengeIntervalFits(*interval, intervals); !s.ok()) {
        add(ReachError(i, p, "interval", s.message(),
                       "it would abstain, so the task would end unverified and the honest "
                       "solver go unpaid"));
      }
    }
    if (p.role == "solver" && p.behaviour == "blindfold-topq" && intervals > 0) {
      auto honest = BlindfoldHonestIntervals(p.params);
      if (!honest.ok()) continue;
      if (Status s = BlindfoldHonestIntervalsFit(*honest, intervals); !s.ok()) {
        add(ReachError(i, p, "honest_intervals", s.message(),
                       "the solver would give up on every task, which then settles as "
                       "solver_timeout, a fault of the solver's"));
      }
    }
    if (p.role == "solver" && p.behaviour == "withhold" && intervals > 0) {
      auto from = WithholdFromIndex(p.params);
      if (!from.ok()) continue;
      if (Status s = WithholdFromIndexFits(*from, intervals); !s.ok()) {
        add(ReachError(i, p, "from_index", s.message(), ""));
      }
    }
    if (p.role == "verifier" && p.behaviour == "colluding" && p.params.is_object() &&
        p.params.contains("solver") && p.params["solver"].is_string()) {
      const std::string partner = p.params["solver"].get<std::string>();
      bool known = false;
      std::string names;
      for (const ParticipantSpec* s : solvers) {
        known = known || s->name == partner;
        names += (names.empty() ? "'" : ", '") + s->name + "'";
      }
      if (!known) {
        add(ReachError(i, p, "solver",
                       "colluding.solver '" + partner + "' is not a solver of the scenario (" +
                           (names.empty() ? std::string("none") : names) + ")",
                       "it would check every task like an honest verifier"));
      }
    }
  }
  return errors;
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
  const std::string reach = ReachErrors(scenario);
  if (!reach.empty()) errors += (errors.empty() ? "" : "\n") + reach;
  return errors.empty() ? Status::Ok() : Status::InvalidArgument(errors);
}

}  // namespace veritrain
