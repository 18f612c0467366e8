#include "core/state/non_finite.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <vector>

#include "core/state/element.h"

namespace veritrain {
namespace {

enum class ValueKind { kFinite, kNaN, kPosInf, kNegInf };

const char* ElementKindName(ValueKind k) {
  switch (k) {
    case ValueKind::kNaN:
      return "NaN";
    case ValueKind::kPosInf:
      return "+inf";
    case ValueKind::kNegInf:
      return "-inf";
    case ValueKind::kFinite:
      break;
  }
  return "finite";
}

ValueKind ElementKind(const TensorData& t, int64_t i) {
  const double v = ElementAsDouble(t.bytes.data(), t.dtype, i);
  if (std::isnan(v)) return ValueKind::kNaN;
  if (std::isinf(v)) return v > 0 ? ValueKind::kPosInf : ValueKind::kNegInf;
  return ValueKind::kFinite;
}

bool UsableParameter(const TensorData& t) {
  return t.consistent() && IsFloatingDType(t.dtype);
}

bool HasNamePrefix(const std::string& name, std::string_view prefix) {
  return name.compare(0, prefix.size(), prefix) == 0;
}

// `t` with the elements at `zero` set to +0.0 (all-zero bytes in every
// floating dtype).
TensorData WithZeroes(const TensorData& t, const std::vector<int64_t>& zero) {
  const size_t size = DTypeSize(t.dtype);
  std::string bytes(t.bytes.view());
  for (int64_t i : zero)
    std::memset(bytes.data() + size * static_cast<size_t>(i), 0, size);
  TensorData out = t;
  out.bytes = Bytes::FromString(std::move(bytes));
  return out;
}

}  // namespace

Result<ToleranceComparison> CompareParameters(const State& a, const State& b,
                                              std::string_view prefix) {
  // Every value finite, the usual case: one distance computation.
  if (auto d = ParameterDistance(a, b, prefix); d.ok()) {
    ToleranceComparison out;
    out.distance = *d;
    return out;
  }
  // A NaN or an infinity, or states that do not pair up (named below).
  std::map<std::string, const TensorData*> in_b;
  for (const TensorData& t : b) {
    if (HasNamePrefix(t.name, prefix)) in_b.emplace(t.name, &t);
  }
  ToleranceComparison out;
  State masked_a = a;
  State masked_b = b;
  std::map<std::string, std::vector<int64_t>>
      zero;  // by tensor: elements non-finite in both
  bool any = false;
  for (const TensorData& ta : a) {
    if (!HasNamePrefix(ta.name, prefix)) continue;
    auto it = in_b.find(ta.name);
    // Tensors that do not pair up: ParameterDistance names the problem.
    if (it == in_b.end() || !UsableParameter(ta) ||
        !UsableParameter(*it->second) || ta.numel() != it->second->numel()) {
      return ParameterDistance(a, b, prefix).status();
    }
    const TensorData& tb = *it->second;
    for (int64_t i = 0, n = ta.numel(); i < n; ++i) {
      const ValueKind ka = ElementKind(ta, i);
      const ValueKind kb = ElementKind(tb, i);
      if (ka == ValueKind::kFinite && kb == ValueKind::kFinite) continue;
      if (ka != kb) {
        if (out.mismatch.empty()) {
          out.mismatch = ta.name + "[" + std::to_string(i) +
                         "]: " + ElementKindName(ka) + " in the first state, " +
                         ElementKindName(kb) + " in the second";
        }
        continue;
      }
      zero[ta.name].push_back(i);
      ++out.non_finite;
      any = true;
    }
  }
  if (!out.mismatch.empty()) {
    // Still a structural check of the pair, with the non-finite values out
    // of the way: the distance itself is +inf.
    const double inf = std::numeric_limits<double>::infinity();
    out.distance.l1 = out.distance.l2 = out.distance.linf =
        out.distance.cosine = inf;
    out.distance.elements = 0;
    for (const TensorData& t : a) {
      if (HasNamePrefix(t.name, prefix)) out.distance.elements += t.numel();
    }
    return out;
  }
  if (any) {
    for (State* s : {&masked_a, &masked_b}) {
      for (TensorData& t : *s) {
        auto z = zero.find(t.name);
        if (z != zero.end() && HasNamePrefix(t.name, prefix))
          t = WithZeroes(t, z->second);
      }
    }
  }
  VT_ASSIGN_OR_RETURN(out.distance,
                      ParameterDistance(masked_a, masked_b, prefix));
  return out;
}

Result<double> UpdateL2(const State& a, const State& b,
                        std::string_view prefix) {
  // IEEE arithmetic gives the rule: NaN or +inf as soon as a value is.
  return L2Distance(a, b, prefix);
}

bool SameUpdateNorm(double claimed, double actual, double rel) {
  if (std::isnan(claimed) || std::isnan(actual))
    return std::isnan(claimed) && std::isnan(actual);
  if (std::isinf(claimed) || std::isinf(actual)) return claimed == actual;
  return std::fabs(claimed - actual) <= rel * std::max(1.0, std::fabs(actual));
}

}  // namespace veritrain
