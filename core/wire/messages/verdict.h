// verdict (verifier → arbiter, v1): stage 5. Accept, or challenge the
// first interval whose re-execution disagrees, or abstain: the verifier
// could not verify for a reason of its own (it cannot build the job, its
// computation failed) and says so, rather than going silent or blaming the
// solver (`reason` says why; accept is false, disputed_interval -1). `intervals` reports every
// interval checked: {index, reason, expected, computed, match}. The cost
// report (steps re-executed, seconds) feeds the metrics. A challenge
// carries the disputed interval's two checkpoint hashes with their
// inclusion proofs in the trace root, so the arbiter can open the game on
// hashes the solver itself committed to. `trace_root` names the trace the
// verdict is on: after a forced error the same task is verified twice (the
// posted trace, then the real one), and a verdict on the other trace is
// refused.
//
// A challenge may list further intervals (`further`, strongest first after
// `disputed_interval`), each with its reason and evidence: the verifier
// found them failing too. When the game on one interval is lost on the
// merits (the arbiter's ruling), the arbiter plays the next before it
// calls the challenge rejected
// (docs/protocol.md, "Several intervals"): across hardware honest rounding
// may land one interval just past δ while the cheat lies in another, and
// no verifier can tell which of two failing intervals a game will uphold.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "core/wire/body_fields.h"

namespace veritrain {

// One further interval a challenge disputes (see above).
struct FurtherChallenge {
  int64_t interval = -1;
  std::string reason;
  nlohmann::json evidence = nlohmann::json::object();  // as Verdict::evidence

  bool operator==(const FurtherChallenge& o) const {
    return interval == o.interval && reason == o.reason && evidence == o.evidence;
  }
};

struct Verdict {
  static constexpr const char* kType = "verdict";
  static constexpr int kVersion = 1;
  // At most this many intervals in one challenge, `disputed_interval`
  // included: each is a game the arbiter may have to play.
  static constexpr size_t kMaxChallengedIntervals = 64;
  // At most this many intervals checked, each reported in `intervals`: an
  // interval's report takes at most about 1.6 KB (its hashes, distances
  // and δ, and a claim of hyper-parameters of at most 256 bytes,
  // core/pol/tolerance.h), and the verdict travels in a header of at most
  // 1 MiB with its challenge's evidence. `check` refuses a task whose
  // verifiers would check more (top_q + random_samples).
  static constexpr int64_t kMaxCheckedIntervals = 400;
  bool accept = true;
  bool abstain = false;            // neither accept nor challenge (see above)
  int64_t disputed_interval = -1;  // -1 when accepting or abstaining
  std::string reason;              // why it challenges, or "all intervals match"
  nlohmann::json intervals = nlohmann::json::array();
  int64_t steps_reexecuted = 0;
  double seconds = 0;
  nlohmann::json evidence = nlohmann::json::object();  // challenge: {start, end}: {hash, proof}
  std::vector<FurtherChallenge> further;  // challenge: the next intervals to play, in order
  Digest trace_root;

  nlohmann::json ToBody() const {
    nlohmann::json body = {{"accept", accept},
            {"abstain", abstain},
            {"disputed_interval", disputed_interval},
            {"reason", reason},
            {"intervals", intervals},
            {"steps_reexecuted", steps_reexecuted},
            {"seconds", seconds},
            {"evidence", evidence},
            {"trace_root", trace_root.Hex()}};
    if (!further.empty()) {
      nlohmann::json list = nlohmann::json::array();
      for (const auto& f : further) {
        list.push_back({{"interval", f.interval}, {"reason", f.reason}, {"evidence", f.evidence}});
      }
      body["further"] = std::move(list);
    }
    return body;
  }
  static Result<Verdict> FromBody(const nlohmann::json& b) {
    Verdict v;
    VT_ASSIGN_OR_RETURN(v.accept, BodyBool(b, "accept"));
    if (b.contains("abstain")) {
      VT_ASSIGN_OR_RETURN(v.abstain, BodyBool(b, "abstain"));
    }
    VT_ASSIGN_OR_RETURN(v.disputed_interval, BodyInt(b, "disputed_interval"));
    if (v.abstain && (v.accept || v.disputed_interval != -1)) {
      return Status::InvalidArgument(
          "an abstaining verdict neither accepts nor names an interval");
    }
    VT_ASSIGN_OR_RETURN(v.reason, BodyString(b, "reason"));
    auto it = b.find("intervals");
    if (it == b.end() || !it->is_array()) {
      return Status::InvalidArgument("body field 'intervals' must be an array");
    }
    v.intervals = *it;
    VT_ASSIGN_OR_RETURN(v.steps_reexecuted, BodyInt(b, "steps_reexecuted"));
    VT_ASSIGN_OR_RETURN(v.seconds, BodyNumber(b, "seconds"));
    VT_ASSIGN_OR_RETURN(v.evidence, BodyObject(b, "evidence"));
    VT_ASSIGN_OR_RETURN(v.trace_root, BodyDigest(b, "trace_root"));
    if (auto f = b.find("further"); f != b.end()) {
      VT_ASSIGN_OR_RETURN(v.further, FurtherFromBody(*f, v));
    }
    return v;
  }

 private:
  static Result<std::vector<FurtherChallenge>> FurtherFromBody(const nlohmann::json& list,
                                                               const Verdict& v) {
    if (!list.is_array()) return Status::InvalidArgument("body field 'further' must be an array");
    if (list.empty()) return std::vector<FurtherChallenge>();
    if (v.accept || v.abstain) {
      return Status::InvalidArgument("only a challenge lists 'further' intervals");
    }
    if (list.size() + 1 > kMaxChallengedIntervals) {
      return Status::InvalidArgument("a challenge lists at most " +
                                     std::to_string(kMaxChallengedIntervals) +
                                     " intervals, not " + std::to_string(list.size() + 1));
    }
    std::vector<FurtherChallenge> out;
    std::set<int64_t> seen = {v.disputed_interval};
    for (const auto& e : list) {
      if (!e.is_object()) {
        return Status::InvalidArgument("each of 'further' must be an object");
      }
      FurtherChallenge f;
      VT_ASSIGN_OR_RETURN(f.interval, BodyInt(e, "interval"));
      VT_ASSIGN_OR_RETURN(f.reason, BodyString(e, "reason"));
      VT_ASSIGN_OR_RETURN(f.evidence, BodyObject(e, "evidence"));
      if (!seen.insert(f.interval).second) {
        return Status::InvalidArgument("'further' names interval " + std::to_string(f.interval) +
                                       " twice, or the disputed interval again");
      }
      out.push_back(std::move(f));
    }
    return out;
  }
};

}  // namespace veritrain
