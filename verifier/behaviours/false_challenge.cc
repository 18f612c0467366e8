#include "verifier/behaviours/false_challenge.h"

#include <cstdint>
#include <random>

#include "core/util/behaviour_params.h"

namespace veritrain {
namespace {

class FalseChallenger final : public VerifierBehaviour {
 public:
  FalseChallenger(int64_t interval, uint64_t seed) : interval_(interval), rng_(seed) {}
  std::string name() const override { return "false-challenge"; }

  Result<Verdict> Decide(const std::string& /*solver*/,
                         const std::function<Result<Verdict>()>& /*check*/,
                         const VerifierTools& tools) override {
    VT_RETURN_IF_ERROR(FalseChallengeIntervalFits(interval_, tools.intervals));
    return tools.challenge(interval_, "disputed without re-execution (false-challenge)");
  }
  std::optional<int64_t> Choose(const std::vector<int64_t>& legal) override {
    return legal[rng_() % legal.size()];
  }

 private:
  int64_t interval_;
  std::mt19937_64 rng_;
};

}  // namespace

Result<std::unique_ptr<VerifierBehaviour>> MakeFalseChallenger(const nlohmann::json& params) {
  BehaviourParams p("false-challenge", params);
  VT_RETURN_IF_ERROR(p.Only({"interval", "seed"}));
  VT_ASSIGN_OR_RETURN(int64_t interval, FalseChallengeInterval(params));
  VT_ASSIGN_OR_RETURN(uint64_t seed, p.Seed("seed", 1));
  return std::unique_ptr<VerifierBehaviour>(new FalseChallenger(interval, seed));
}

Result<int64_t> FalseChallengeInterval(const nlohmann::json& params) {
  return BehaviourParams("false-challenge", params).Int("interval", 0, 0, kMaxBehaviourPosition);
}

Status FalseChallengeIntervalFits(int64_t interval, int64_t intervals) {
  if (interval < intervals) return Status::Ok();
  return Status::InvalidArgument("false-challenge: params.interval " + std::to_string(interval) +
                                 " is past the task's " + std::to_string(intervals) +
                                 " intervals (0 to " + std::to_string(intervals - 1) + ")");
}

}  // namespace veritrain
