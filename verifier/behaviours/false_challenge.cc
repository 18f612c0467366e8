#include "verifier/behaviours/false_challenge.h"

#include <random>

namespace veritrain {
namespace {

class FalseChallenger final : public VerifierBehaviour {
 public:
  FalseChallenger(int64_t interval, uint64_t seed) : interval_(interval), rng_(seed) {}
  std::string name() const override { return "false-challenge"; }

  Result<Verdict> Decide(const std::string& /*solver*/,
                         const std::function<Result<Verdict>()>& /*check*/,
                         const VerifierTools& tools) override {
    if (interval_ >= tools.intervals) {
      return Status::InvalidArgument("false-challenge: params.interval " +
                                     std::to_string(interval_) + " is past the task's " +
                                     std::to_string(tools.intervals) + " intervals");
    }
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
  auto interval = params.find("interval");
  if (interval != params.end() && (!interval->is_number_integer() || interval->get<int64_t>() < 0)) {
    return Status::InvalidArgument("false-challenge: params.interval must be an integer >= 0");
  }
  return std::unique_ptr<VerifierBehaviour>(
      new FalseChallenger(interval == params.end() ? 0 : interval->get<int64_t>(),
                          params.value("seed", uint64_t{1})));
}

}  // namespace veritrain
