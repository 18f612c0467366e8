#include "verifier/behaviours/stall.h"

#include <cstdint>

#include "core/util/behaviour_params.h"

namespace veritrain {
namespace {

class StallVerifier final : public VerifierBehaviour {
 public:
  explicit StallVerifier(int64_t after) : after_(after) {}
  std::string name() const override { return "stall"; }
  Result<Verdict> Decide(const std::string& /*solver*/,
                         const std::function<Result<Verdict>()>& check,
                         const VerifierTools& /*tools*/) override {
    return check();
  }
  bool AnswersGameMove(int64_t move) override { return move < after_; }

 private:
  int64_t after_;
};

}  // namespace

Result<std::unique_ptr<VerifierBehaviour>> MakeStallVerifier(const nlohmann::json& params) {
  BehaviourParams p("stall", params);
  VT_RETURN_IF_ERROR(p.Only({"after_moves"}));
  VT_ASSIGN_OR_RETURN(int64_t after, p.Int("after_moves", 0, 0, kMaxBehaviourPosition));
  return std::unique_ptr<VerifierBehaviour>(new StallVerifier(after));
}

}  // namespace veritrain
