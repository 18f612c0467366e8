#include "verifier/behaviours/approve.h"

#include "core/util/behaviour_params.h"

namespace veritrain {
namespace {

class LazyApprover final : public VerifierBehaviour {
 public:
  std::string name() const override { return "lazy-approve"; }
  Result<Verdict> Decide(const std::string& /*solver*/,
                         const std::function<Result<Verdict>()>& /*check*/,
                         const VerifierTools& /*tools*/) override {
    return UncheckedApproval("approved without checking (lazy-approve)");
  }
};

class ColludingVerifier final : public VerifierBehaviour {
 public:
  explicit ColludingVerifier(std::string partner)
      : partner_(std::move(partner)) {}
  std::string name() const override { return "colluding"; }
  Result<Verdict> Decide(const std::string& solver,
                         const std::function<Result<Verdict>()>& check,
                         const VerifierTools& /*tools*/) override {
    if (solver == partner_) {
      return UncheckedApproval("approved its partner " + partner_ +
                               " without checking (colluding)");
    }
    return check();
  }

 private:
  std::string partner_;
};

}  // namespace

Verdict UncheckedApproval(const std::string& why) {
  Verdict v;
  v.accept = true;
  v.reason = why;
  v.intervals = nlohmann::json::array();
  v.steps_reexecuted = 0;
  v.seconds = 0;
  return v;
}

Result<std::unique_ptr<VerifierBehaviour>> MakeLazyApprover(
    const nlohmann::json& params) {
  if (!params.is_object() || !params.empty()) {
    return Status::InvalidArgument("lazy-approve: takes no params");
  }
  return std::unique_ptr<VerifierBehaviour>(new LazyApprover());
}

Result<std::unique_ptr<VerifierBehaviour>> MakeColludingVerifier(
    const nlohmann::json& params) {
  if (!params.is_object())
    return Status::InvalidArgument("colluding: params must be an object");
  VT_RETURN_IF_ERROR(BehaviourParams("colluding", params).Only({"solver"}));
  auto solver = params.find("solver");
  if (solver == params.end() || !solver->is_string() ||
      solver->get<std::string>().empty()) {
    return Status::InvalidArgument(
        "colluding: params.solver must name the solver it approves");
  }
  return std::unique_ptr<VerifierBehaviour>(
      new ColludingVerifier(solver->get<std::string>()));
}

}  // namespace veritrain
