#include "scenarios/check/behaviour_check.h"

#include <algorithm>
#include <string>
#include <vector>

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

// One behaviour with its parameters, as the scenario gives it: a
// participant, or a market entry (or the strategy it adapts to), which
// stands for every participant generated from it.
struct Actor {
  std::string at;    // "/participants/<i>/params", "/market/solvers/<j>/params", ...
  std::string name;  // the participant's, or the entry's
  std::string role;
  std::string behaviour;
  const nlohmann::json* params;
};

// Why parameter `param` of `a` cannot act on the task, as
// "<at>/<param>: '<name>' (<behaviour>): <rule>[: <consequence>]".
std::string ReachError(const Actor& a, const std::string& param, const std::string& rule,
                       const std::string& consequence) {
  return a.at + "/" + param + ": '" + a.name + "' (" + a.behaviour + "): " + rule +
         (consequence.empty() ? "" : ": " + consequence);
}

// The parameters that name a point of the task or another participant,
// measured against the task (`intervals`: in a market, its smallest job
// variant's, since a parameter must fit every task) and the scenario's
// solvers, each with the rule its behaviour applies at run time.
// Parameters that do not parse are left to MakeBehaviour.
std::string ReachErrors(const std::vector<Actor>& actors, int64_t intervals,
                        const std::vector<std::string>& solvers) {
  std::string errors;
  auto add = [&errors](const std::string& line) {
    errors += (errors.empty() ? "" : "\n") + line;
  };
  for (const Actor& a : actors) {
    const nlohmann::json& params = *a.params;
    if (a.role == "verifier" && a.behaviour == "false-challenge" && intervals > 0) {
      auto interval = FalseChallengeInterval(params);
      if (!interval.ok()) continue;
      if (Status s = FalseChallengeIntervalFits(*interval, intervals); !s.ok()) {
        add(ReachError(a, "interval", s.message(),
                       "it would abstain, so the task would end unverified and the honest "
                       "solver go unpaid"));
      }
    }
    if (a.role == "solver" && a.behaviour == "blindfold-topq" && intervals > 0) {
      auto honest = BlindfoldHonestIntervals(params);
      if (!honest.ok()) continue;
      if (Status s = BlindfoldHonestIntervalsFit(*honest, intervals); !s.ok()) {
        add(ReachError(a, "honest_intervals", s.message(),
                       "the solver would give up on every task, which then settles as "
                       "solver_timeout, a fault of the solver's"));
      }
    }
    if (a.role == "solver" && a.behaviour == "withhold" && intervals > 0) {
      auto from = WithholdFromIndex(params);
      if (!from.ok()) continue;
      if (Status s = WithholdFromIndexFits(*from, intervals); !s.ok()) {
        add(ReachError(a, "from_index", s.message(), ""));
      }
    }
    if (a.role == "verifier" && a.behaviour == "colluding" && params.is_object() &&
        params.contains("solver") && params["solver"].is_string()) {
      const std::string partner = params["solver"].get<std::string>();
      bool known = false;
      std::string names;
      for (const std::string& s : solvers) {
        known = known || s == partner;
        if (names.size() < 200) names += (names.empty() ? "'" : ", '") + s + "'";
      }
      if (!known) {
        add(ReachError(a, "solver",
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
  auto add = [&errors](const std::string& line) {
    errors += (errors.empty() ? "" : "\n") + line;
  };
  std::vector<Actor> actors;
  std::vector<std::string> solvers;
  for (const ParticipantSpec* p : scenario.solvers()) solvers.push_back(p->name);
  int64_t intervals = scenario.intervals();
  if (scenario.market) {
    // A market's participants come from its entries: errors name those,
    // the strategy it adapts to included.
    size_t index[2] = {0, 0};
    for (const MarketEntry& e : scenario.market->entries) {
      const bool solver = e.role == "solver";
      const std::string at = std::string("/market/") + (solver ? "solvers/" : "verifiers/") +
                             std::to_string(index[solver ? 0 : 1]++);
      if (Status s = MakeBehaviour(e.role, e.behaviour, e.params); !s.ok()) {
        add(at + "/params: " + s.message());
      } else {
        actors.push_back({at + "/params", e.name, e.role, e.behaviour, &e.params});
      }
      if (!e.adapt) continue;
      if (Status s = MakeBehaviour(e.role, e.adapt->to, e.adapt->params); !s.ok()) {
        add(at + "/adapt/params: " + s.message());
      } else {
        actors.push_back({at + "/adapt/params", e.name, e.role, e.adapt->to, &e.adapt->params});
      }
    }
    // Every task must fit: the smallest job variant's intervals.
    const int64_t k = scenario.protocol.checkpoint_interval;
    int64_t smallest = -1;
    for (const MarketJob& j : scenario.market->jobs) {
      if (j.steps <= 0 || k <= 0) continue;
      smallest = smallest < 0 ? j.steps / k : std::min(smallest, j.steps / k);
    }
    if (smallest > 0) intervals = smallest;
  } else {
    for (size_t i = 0; i < scenario.participants.size(); ++i) {
      const ParticipantSpec& p = scenario.participants[i];
      const std::string at = "/participants/" + std::to_string(i) + "/params";
      if (Status s = MakeBehaviour(p.role, p.behaviour, p.params); !s.ok()) {
        add(at + ": " + s.message());
      } else {
        actors.push_back({at, p.name, p.role, p.behaviour, &p.params});
      }
    }
  }
  const std::string reach = ReachErrors(actors, intervals, solvers);
  if (!reach.empty()) add(reach);
  return errors.empty() ? Status::Ok() : Status::InvalidArgument(errors);
}

}  // namespace veritrain
