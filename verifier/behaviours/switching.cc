#include "verifier/behaviours/switching.h"

#include <map>

#include "core/util/behaviour_params.h"
#include "core/util/strategy_file.h"

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
  const BehaviourParams p("switching", params);
  VT_RETURN_IF_ERROR(p.Only({"strategies", "initial", "file"}));
  if (!params.is_object() || !params.contains("strategies") || !params["strategies"].is_object() ||
      params["strategies"].size() < 2) {
    return Status::InvalidArgument(
        "switching.strategies must be an object naming at least two verifier behaviours");
  }
  if (!params.contains("initial") || !params["initial"].is_string() ||
      !params["strategies"].contains(params["initial"].get<std::string>())) {
    return Status::InvalidArgument("switching.initial must name one of switching.strategies");
  }
  if (!params.contains("file") || !params["file"].is_string() ||
      params["file"].get<std::string>().empty()) {
    return Status::InvalidArgument("switching.file must be the path of the strategy file");
  }
  std::map<std::string, std::unique_ptr<VerifierBehaviour>> strategies;
  for (const auto& [name, inner] : params["strategies"].items()) {
    if (name == "switching") {
      return Status::InvalidArgument("switching.strategies cannot hold 'switching' itself");
    }
    auto made = MakeVerifierBehaviour(name, inner);
    if (!made.ok()) return made.status().WithContext("switching.strategies." + name);
    strategies[name] = std::move(*made);
  }
  return std::unique_ptr<VerifierBehaviour>(new SwitchingVerifier(
      std::move(strategies), params["initial"].get<std::string>(), params["file"].get<std::string>()));
}

}  // namespace veritrain
