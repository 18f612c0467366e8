#include "core/state/distance.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>

#include "core/state/element.h"

namespace veritrain {
namespace {

using ParamMap = std::map<std::string, const TensorData*>;

Result<ParamMap> Params(const State& s, std::string_view prefix,
                        const char* which) {
  ParamMap out;
  for (const TensorData& t : s) {
    if (t.name.compare(0, prefix.size(), prefix) != 0) continue;
    if (!t.consistent()) {
      return Status::InvalidArgument(std::string(which) + " state: tensor '" +
                                     t.name + "' is inconsistent");
    }
    if (!IsFloatingDType(t.dtype)) {
      return Status::InvalidArgument(
          std::string(which) + " state: tensor '" + t.name + "' has dtype " +
          DTypeName(t.dtype) + ", not a floating type");
    }
    if (!out.emplace(t.name, &t).second) {
      return Status::InvalidArgument(std::string(which) +
                                     " state: tensor name '" + t.name +
                                     "' is repeated");
    }
  }
  return out;
}

Status NotFinite(const std::string& name, const char* which) {
  return Status::InvalidArgument(std::string(which) + " state: tensor '" +
                                 name + "' holds a NaN or infinite value");
}

}  // namespace

const char* MetricName(Metric m) {
  switch (m) {
    case Metric::kL1:
      return "l1";
    case Metric::kL2:
      return "l2";
    case Metric::kLinf:
      return "linf";
    case Metric::kCosine:
      return "cosine";
    case Metric::kInvalid:
      break;
  }
  return "invalid";
}

std::optional<Metric> MetricFromName(std::string_view name) {
  for (Metric m : AllMetrics()) {
    if (name == MetricName(m)) return m;
  }
  return std::nullopt;
}

const std::vector<Metric>& AllMetrics() {
  static const std::vector<Metric> kAll = {Metric::kL1, Metric::kL2,
                                           Metric::kLinf, Metric::kCosine};
  return kAll;
}

std::string KnownMetricNames() {
  std::string out;
  for (Metric m : AllMetrics())
    out += (out.empty() ? "" : ", ") + std::string(MetricName(m));
  return out;
}

double StateDistance::Get(Metric m) const {
  switch (m) {
    case Metric::kL1:
      return l1;
    case Metric::kL2:
      return l2;
    case Metric::kLinf:
      return linf;
    case Metric::kCosine:
      return cosine;
    case Metric::kInvalid:
      break;
  }
  return NAN;
}

Result<StateDistance> ParameterDistance(const State& a, const State& b,
                                        std::string_view prefix) {
  VT_ASSIGN_OR_RETURN(ParamMap pa, Params(a, prefix, "first"));
  VT_ASSIGN_OR_RETURN(ParamMap pb, Params(b, prefix, "second"));
  for (const auto& [name, t] : pb) {
    if (pa.count(name) == 0) {
      return Status::InvalidArgument("first state has no tensor '" + name +
                                     "'");
    }
  }
  if (pa.empty()) {
    return Status::InvalidArgument("the states have no tensors named '" +
                                   std::string(prefix) + "...'");
  }
  StateDistance d;
  double sq_a = 0, sq_b = 0;
  // Pass 1: the differences and both norms.
  for (const auto& [name, ta] : pa) {
    auto it = pb.find(name);
    if (it == pb.end()) {
      return Status::InvalidArgument("second state has no tensor '" + name +
                                     "'");
    }
    const TensorData* tb = it->second;
    if (ta->shape != tb->shape) {
      return Status::InvalidArgument(
          "tensor '" + name + "' has different shapes in the two states");
    }
    const int64_t n = ta->numel();
    for (int64_t i = 0; i < n; ++i) {
      const double x = ElementAsDouble(ta->bytes.data(), ta->dtype, i);
      const double y = ElementAsDouble(tb->bytes.data(), tb->dtype, i);
      if (!std::isfinite(x)) return NotFinite(name, "first");
      if (!std::isfinite(y)) return NotFinite(name, "second");
      const double diff = std::fabs(x - y);
      d.l1 += diff;
      d.l2 += diff * diff;
      d.linf = std::max(d.linf, diff);
      sq_a += x * x;
      sq_b += y * y;
    }
    d.elements += n;
  }
  d.l2 = std::sqrt(d.l2);
  // Pass 2: cosine distance as half the squared distance of the unit vectors.
  const double na = std::sqrt(sq_a), nb = std::sqrt(sq_b);
  if (na == 0 && nb == 0) {
    d.cosine = 0;
  } else if (na == 0 || nb == 0) {
    d.cosine = 1;
  } else {
    double sum = 0;
    for (const auto& [name, ta] : pa) {
      const TensorData* tb = pb.at(name);
      const int64_t n = ta->numel();
      for (int64_t i = 0; i < n; ++i) {
        const double u = ElementAsDouble(ta->bytes.data(), ta->dtype, i) / na -
                         ElementAsDouble(tb->bytes.data(), tb->dtype, i) / nb;
        sum += u * u;
      }
    }
    d.cosine = std::min(2.0, sum / 2);
  }
  return d;
}

Result<double> ParameterNorm(const State& a, std::string_view prefix) {
  VT_ASSIGN_OR_RETURN(ParamMap pa, Params(a, prefix, "first"));
  if (pa.empty()) {
    return Status::InvalidArgument("the state has no tensors named '" +
                                   std::string(prefix) + "...'");
  }
  double sq = 0;
  for (const auto& [name, t] : pa) {
    const int64_t n = t->numel();
    for (int64_t i = 0; i < n; ++i) {
      const double x = ElementAsDouble(t->bytes.data(), t->dtype, i);
      if (!std::isfinite(x)) return NotFinite(name, "first");
      sq += x * x;
    }
  }
  return std::sqrt(sq);
}

}  // namespace veritrain
