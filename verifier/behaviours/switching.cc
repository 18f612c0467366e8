#include "verifier/behaviours/switching.h"

#include <map>

#include "core/util/strategy_file.h"
#include "core/util/switching_params.h"

namespace veritrain {
namespace {

class SwitchingVerifier final : public VerifierBehaviour {
 public:
  SwitchingVerifier(std::map<std::string, std::unique_ptr<VerifierBehaviour>> strategies,
                    std::string initial, std::string file)
      : strategies_(std::move(strategies)), file_(std::move(file)) {
    current_ = strategies_.at(initial).get();
  }

  std::string name() const override { return current_->name(); }

  Result<Verdict> Decide(const std::string& solver, const std::function<Result<Verdict>()>& check,
                         const VerifierTools& tools) override {
    auto named = ReadStrategyFile(file_);
    if (named.ok()) {
      auto it = strategies_.find(*named);
      if (it == strategies_.end()) {
        return Status::InvalidArgument("switching: the strategy file " + file_ + " names '" +
                                       *named + "', which is not one of its strategies");
      }
      current_ = it->second.get();
    } else if (named.status().code() != Status::Code::kNotFound) {
      return named.status();
    }
    return current_->Decide(solver, check, tools);
  }
  bool AnswersGameMove(int64_t move) override { return current_->AnswersGameMove(move); }
  std::optional<int64_t> Choose(const std::vector<int64_t>& legal) override {
    return current_->Choose(legal);
  }

 private:
  std::map<std::string, std::unique_ptr<VerifierBehaviour>> strategies_;
  std::string file_;
  VerifierBehaviour* current_ = nullptr;
};

}  // namespace

Result<std::unique_ptr<VerifierBehaviour>> MakeSwitchingVerifier(const nlohmann::json& params) {
  VT_ASSIGN_OR_RETURN(auto parsed,
                      ParseSwitchingParams<VerifierBehaviour>(params, "verifier", MakeVerifierBehaviour));
  return std::unique_ptr<VerifierBehaviour>(
      new SwitchingVerifier(std::move(parsed.strategies), parsed.initial, parsed.file));
}

}  // namespace veritrain
