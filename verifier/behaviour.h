// VerifierBehaviour: how a verifier reaches its verdict — by honest
// re-execution, or by one of the shortcuts of the adversary library
// (design section 5). A behaviour is a class and a name in the registry.
//
// The role hands the behaviour `check`, which runs the honest procedure
// (fetch, prove, re-execute, compare) and returns its verdict; a lazy
// behaviour may never call it, a colluding one may override its result.
//
// Thread-safety: used by the verifier's one thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>
#include <string>

#include <nlohmann/json.hpp>

#include "core/util/named_factory.h"
#include "core/util/status.h"
#include "core/wire/messages/verdict.h"

namespace veritrain {

// What a behaviour may use besides the honest check.
struct VerifierTools {
  int64_t intervals = 0;  // of the task
  // A challenge of `interval` carrying its two checkpoint hashes and proofs
  // (fetched without tensors: cheap), for behaviours that dispute without
  // re-executing.
  std::function<Result<Verdict>(int64_t interval, const std::string& reason)> challenge;
};

class VerifierBehaviour {
 public:
  virtual ~VerifierBehaviour() = default;
  virtual std::string name() const = 0;
  virtual Result<Verdict> Decide(const std::string& solver,
                                 const std::function<Result<Verdict>()>& check,
                                 const VerifierTools& tools) = 0;

  // Whether the challenger answers move `move` of a dispute (a stalling
  // challenger goes silent and loses on time).
  virtual bool AnswersGameMove(int64_t move) { return true; }
  // The sub-range to choose among the `legal` ones, or nullopt to choose
  // honestly (the first one whose end disagrees with its own computation).
  virtual std::optional<int64_t> Choose(const std::vector<int64_t>& legal) {
    return std::nullopt;
  }
};

using VerifierBehaviourFactory = NamedFactory<VerifierBehaviour>;

// Every verifier behaviour by name.
const std::map<std::string, VerifierBehaviourFactory>& VerifierBehaviours();

// InvalidArgument naming the unknown name (and the known ones) otherwise.
Result<std::unique_ptr<VerifierBehaviour>> MakeVerifierBehaviour(
    const std::string& name, const nlohmann::json& params);

}  // namespace veritrain
