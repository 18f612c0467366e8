#include "core/pol/distance_dissection.h"

#include <algorithm>
#include <limits>

#include "core/pol/departure_rank.h"
#include "core/wire/body_fields.h"

namespace veritrain {

nlohmann::json DistanceChoice::ToJson() const {
  nlohmann::json ranges = nlohmann::json::array();
  for (const auto& c : checked) {
    nlohmann::json r = {{"index", c.index}, {"from", c.from}, {"to", c.to}};
    if (!c.problem.empty()) {
      r["problem"] = c.problem;
      if (c.beyond_precision) r["beyond_precision"] = true;
    } else {
      r["distances"] = c.judgement.distances;
      r["delta"] = c.judgement.delta;
      r["exceeded"] = c.judgement.exceeded;
      r["rank"] = RealToBody(c.rank);
      if (c.end_beyond_precision) r["end_beyond_precision"] = true;
    }
    ranges.push_back(r);
  }
  return {{"index", index},
          {"outside", outside},
          {"largest_within", largest_within},
          {"steps_reexecuted", steps_reexecuted},
          {"sub_ranges", ranges}};
}

Result<DistanceChoice> ChooseByDistance(const std::vector<int64_t>& boundaries, int64_t length,
                                        const std::vector<int64_t>& legal,
                                        const SolverStateFn& solver_state,
                                        const ReexecuteFn& reexecute,
                                        const VerificationPolicy& policy,
                                        const BeyondPrecisionFn& beyond) {
  if (legal.empty()) return Status::InvalidArgument("no legal sub-range to choose from");
  for (int64_t i : legal) {
    if (i < 0 || i + 1 >= static_cast<int64_t>(boundaries.size()) || boundaries[i] >= length) {
      return Status::InvalidArgument("sub-range " + std::to_string(i) + " is not legal");
    }
  }
  DistanceChoice choice;
  for (int64_t i : legal) {
    SubRangeCheck c;
    c.index = i;
    c.from = boundaries[i];
    c.to = std::min(boundaries[i + 1], length);
    auto start = solver_state(c.from);
    auto end = start.ok() ? solver_state(c.to) : start;
    std::optional<std::string> beyond_start;
    if (start.ok() && end.ok() && beyond) beyond_start = beyond(*start);
    if (!start.ok() || !end.ok()) {
      c.problem = "the solver's state at step " + std::to_string(start.ok() ? c.to : c.from) +
                  " of the interval: " + (start.ok() ? end : start).status().message();
    } else if (beyond_start) {
      c.beyond_precision = true;
      c.problem = "not re-executed: the solver's state at step " + std::to_string(c.from) +
                  " of the interval is beyond this precision (" + *beyond_start + ")";
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
          // An end the challenger's precision cannot hold ranks last, as
          // one holding an infinity: re-executed here it overflows, honest
          // or not.
          if (beyond && beyond(*end)) {
            c.end_beyond_precision = true;
            c.end_norm = std::numeric_limits<double>::infinity();
          } else {
            c.end_norm = RankingNorm(ToState(*end));
          }
        }
      }
    }
    choice.checked.push_back(std::move(c));
  }
  // Each judged sub-range's rank (departure_rank.h): honest steps
  // re-executed from a state a corruption inflated must not outrank it.
  {
    std::vector<double> ratios;
    std::vector<std::optional<double>> norms;
    for (const SubRangeCheck& c : choice.checked) {
      ratios.push_back(c.problem.empty() ? c.judgement.worst_ratio : 0.0);
      norms.push_back(c.problem.empty() ? c.end_norm : std::nullopt);
    }
    const std::vector<double> ranks = DepartureRanks(ratios, norms);
    for (size_t k = 0; k < choice.checked.size(); ++k) choice.checked[k].rank = ranks[k];
  }
  // A sub-range the solver cannot back (the first such); else the first
  // clear departure (kClearDeparture × δ: what follows it starts from the
  // state it made); else the one furthest outside δ by rank, not the
  // first: honest rounding just past δ early in the range must not hide a
  // departure further on, since the game played on an honest sub-range
  // ends on an honest step. A start beyond the challenger's precision only
  // when nothing else is outside: the departure that put it there lies
  // before it.
  int64_t furthest = -1, first_beyond = -1, first_clear = -1;
  for (size_t k = 0; k < choice.checked.size(); ++k) {
    const SubRangeCheck& c = choice.checked[k];
    if (!c.outside()) continue;
    if (c.beyond_precision) {
      if (first_beyond < 0) first_beyond = static_cast<int64_t>(k);
      continue;
    }
    if (!c.problem.empty()) {
      furthest = static_cast<int64_t>(k);
      first_clear = -1;
      break;
    }
    // Not an end beyond the challenger's precision: its distance is the
    // challenger's overflow, not the solver's departure.
    if (first_clear < 0 && !c.end_beyond_precision &&
        c.judgement.worst_ratio >= kClearDeparture) {
      first_clear = static_cast<int64_t>(k);
    }
    if (furthest < 0 || c.rank > choice.checked[static_cast<size_t>(furthest)].rank) {
      furthest = static_cast<int64_t>(k);
    }
  }
  if (first_clear >= 0) furthest = first_clear;
  if (furthest < 0) furthest = first_beyond;
  if (furthest >= 0) {
    choice.index = choice.checked[static_cast<size_t>(furthest)].index;
    choice.outside = true;
    return choice;
  }
  choice.index = choice.checked.back().index;
  if (choice.checked.size() > 1) {
    // Every sub-range is within δ although the whole range is not: a
    // departure below δ at one step grew past it over the steps after.
    // Name the largest departure from the solver's own trajectory (the
    // last of equals); an honest solver challenged by mistake wins
    // whichever is named.
    size_t largest = 0;
    for (size_t k = 1; k < choice.checked.size(); ++k) {
      if (choice.checked[k].rank >= choice.checked[largest].rank) {
        largest = k;
      }
    }
    choice.index = choice.checked[largest].index;
    choice.largest_within = true;
  }
  return choice;  // a single legal sub-range, within δ, or the largest departure
}

}  // namespace veritrain
