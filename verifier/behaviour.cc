#include "verifier/behaviour.h"

#include "core/util/behaviour_params.h"

#include "verifier/behaviours/approve.h"
#include "verifier/behaviours/false_challenge.h"
#include "verifier/behaviours/stall.h"
#include "verifier/behaviours/switching.h"

namespace veritrain {
namespace {

// Always re-executes and reports exactly what it found.
class HonestVerifier final : public VerifierBehaviour {
 public:
  std::string name() const override { return "honest"; }
  Result<Verdict> Decide(const std::string& /*solver*/,
                         const std::function<Result<Verdict>()>& check,
                         const VerifierTools& /*tools*/) override {
    return check();
  }
};

}  // namespace

// The registry: one line per behaviour. Each factory checks its own
// parameters and names the bad one.
const std::map<std::string, VerifierBehaviourFactory>& VerifierBehaviours() {
  static const std::map<std::string, VerifierBehaviourFactory> kRegistry = {
      {"honest",
       [](const nlohmann::json& params) -> Result<std::unique_ptr<VerifierBehaviour>> {
         VT_RETURN_IF_ERROR(BehaviourParams("honest", params).Only({}));
         return std::unique_ptr<VerifierBehaviour>(new HonestVerifier());
       }},
      {"false-challenge", &MakeFalseChallenger},
      {"stall", &MakeStallVerifier},
      {"lazy-approve", &MakeLazyApprover},
      {"colluding", &MakeColludingVerifier},
      // One of several strategies, named by a file (a market's adaptive verifier).
      {"switching", &MakeSwitchingVerifier},
  };
  return kRegistry;
}

Result<std::unique_ptr<VerifierBehaviour>> MakeVerifierBehaviour(const std::string& name,
                                                                 const nlohmann::json& params) {
  return MakeByName(VerifierBehaviours(), "verifier behaviour", name, params);
}

}  // namespace veritrain
