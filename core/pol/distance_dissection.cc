#include "core/pol/distance_dissection.h"

#include <algorithm>

namespace veritrain {

nlohmann::json DistanceChoice::ToJson() const {
  nlohmann::json ranges = nlohmann::json::array();
  for (const auto& c : checked) {
    nlohmann::json r = {{"index", c.index}, {"from", c.from}, {"to", c.to}};
    if (!c.problem.empty()) {
      r["problem"] = c.problem;
    } else {
      r["distances"] = c.judgement.distances;
      r["delta"] = c.judgement.delta;
      r["exceeded"] = c.judgement.exceeded;
    }
    ranges.push_back(r);
  }
  return {{"index", index},
          {"outside", outside},
          {"steps_reexecuted", steps_reexecuted},
          {"sub_ranges", ranges}};
}

Result<DistanceChoice> ChooseByDistance(const std::vector<int64_t>& boundaries, int64_t length,
                                        const std::vector<int64_t>& legal,
                                        const SolverStateFn& solver_state,
                                        const ReexecuteFn& reexecute,
                                        const VerificationPolicy& policy) {
  if (legal.empty()) return Status::InvalidArgument("no legal sub-range to choose from");
  DistanceChoice choice;
  double best_ratio = -1;
  for (int64_t i : legal) {
    if (i < 0 || i + 1 >= static_cast<int64_t>(boundaries.size()) || boundaries[i] >= length) {
      return Status::InvalidArgument("sub-range " + std::to_string(i) + " is not legal");
    }
    SubRangeCheck c;
    c.index = i;
    c.from = boundaries[i];
    c.to = std::min(boundaries[i + 1], length);
    auto start = solver_state(c.from);
    auto end = start.ok() ? solver_state(c.to) : start;
    if (!start.ok() || !end.ok()) {
      c.problem = "the solver's state at step " + std::to_string(start.ok() ? c.to : c.from) +
                  " of the interval: " + (start.ok() ? end : start).status().message();
    } else {
      auto ours = reexecute(*start, c.to - c.from);
      choice.steps_reexecuted += c.to - c.from;
      if (!ours.ok()) {
        c.problem = "re-executing from the solver's state at step " + std::to_string(c.from) +
                    ": " + ours.status().message();
      } else {
        auto j = JudgeDistance(policy, ToState(*ours), ToState(*end), c.to - c.from, true);
        if (!j.ok()) {
          c.problem = "the solver's state at step " + std::to_string(c.to) +
                      " cannot be compared: " + j.status().message();
        } else {
          c.judgement = std::move(j).value();
        }
      }
    }
    const bool outside = c.outside();
    const double ratio = c.problem.empty() ? c.judgement.worst_ratio : 0;
    choice.checked.push_back(std::move(c));
    if (outside) {
      choice.index = i;
      choice.outside = true;
      return choice;
    }
    if (ratio > best_ratio) {
      best_ratio = ratio;
      choice.index = i;
    }
  }
  return choice;
}

}  // namespace veritrain
