#include "core/state/distance.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <map>
#include <thread>
#include <vector>

#include "core/state/element.h"
#include "core/util/helper_pool.h"

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

// A parameter of both states, by name.
struct TensorPair {
  const TensorData* a;
  const TensorData* b;
  const std::string& name() const { return a->name; }
};

// The parameters of a and b paired by name, in name order. InvalidArgument
// as ParameterDistance documents it.
Result<std::vector<TensorPair>> PairUp(const State& a, const State& b,
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
  std::vector<TensorPair> out;
  out.reserve(pa.size());
  for (const auto& [name, ta] : pa) {
    auto it = pb.find(name);
    if (it == pb.end()) {
      return Status::InvalidArgument("second state has no tensor '" + name +
                                     "'");
    }
    if (ta->shape != it->second->shape) {
      return Status::InvalidArgument(
          "tensor '" + name + "' has different shapes in the two states");
    }
    out.push_back({ta, it->second});
  }
  return out;
}

// Sums and maxima kept in kLanes interleaved parts (element i of a tensor
// goes to part i % kLanes) and combined in a fixed order: independent
// additions the processor overlaps, with the same result on every run and
// thread count.
constexpr int64_t kLanes = 4;
struct Lanes {
  double v[kLanes] = {};
  double Sum() const { return (v[0] + v[1]) + (v[2] + v[3]); }
  double Max() const { return std::max(std::max(v[0], v[1]), std::max(v[2], v[3])); }
};

// body(k, i) for i in [0, n), k = i % kLanes, a group of kLanes at a time
// (the inner loop unrolls, so each part stays in a register).
template <typename Body>
void ForEachLane(int64_t n, Body&& body) {
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int64_t k = 0; k < kLanes; ++k) body(k, i + k);
  }
  for (; i < n; ++i) body(i % kLanes, i);
}

// Sums of each tensor pair, kN of them, each tensor's started from zero:
// totals added in tensor order afterwards are the same however the tensors
// were shared among threads.
template <size_t kN>
using Sums = std::array<Lanes, kN>;

// Every block but a tensor's last holds kBlock elements, a multiple of
// kLanes, so element i of a block is element i % kLanes of its part in the
// tensor too.
constexpr int64_t kBlock = 4096;
static_assert(kBlock % kLanes == 0);
// From this many elements on, the tensors are shared between two threads.
constexpr int64_t kTwoThreadElements = int64_t{1} << 20;

// Calls body(pair, n, x, y, sums) for consecutive blocks of every pair's
// elements, decoded to doubles (x from a, y from b), with that pair's
// sums; large states on two threads, the pairs split where half the
// elements are behind. The first error in pair order.
template <size_t kN, typename Body>
Result<std::vector<Sums<kN>>> SumPerTensor(const std::vector<TensorPair>& pairs, Body body) {
  std::vector<Sums<kN>> sums(pairs.size());
  auto run = [&](size_t begin, size_t end) -> Status {
    try {
      std::vector<double> x(kBlock), y(kBlock);
      for (size_t t = begin; t < end; ++t) {
        const TensorPair& p = pairs[t];
        const int64_t n = p.a->numel();
        for (int64_t start = 0; start < n; start += kBlock) {
          const int64_t m = std::min(kBlock, n - start);
          ElementsAsDouble(p.a->bytes.data(), p.a->dtype, start, m, x.data());
          ElementsAsDouble(p.b->bytes.data(), p.b->dtype, start, m, y.data());
          VT_RETURN_IF_ERROR(body(p, m, x.data(), y.data(), sums[t]));
        }
      }
      return Status::Ok();
    } catch (const std::exception& e) {  // allocation
      return Status::Internal(std::string("distance: ") + e.what());
    }
  };
  int64_t total = 0;
  for (const TensorPair& p : pairs) total += p.a->numel();
  size_t split = 0;
  for (int64_t behind = 0; split < pairs.size() && 2 * behind < total; ++split) {
    behind += pairs[split].a->numel();
  }
  if (total < kTwoThreadElements || split == 0 || split == pairs.size() ||
      std::thread::hardware_concurrency() < 2) {
    VT_RETURN_IF_ERROR(run(0, pairs.size()));
    return sums;
  }
  // The halves on the caller's thread and a parked helper (helper_pool.h);
  // the first half's error is the first in pair order.
  Status half[2] = {Status::Ok(), Status::Ok()};
  RunShared(2, 2, [&](size_t k) {
    half[k] = k == 0 ? run(0, split) : run(split, pairs.size());
  });
  VT_RETURN_IF_ERROR(half[0]);
  VT_RETURN_IF_ERROR(half[1]);
  return sums;
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
  VT_ASSIGN_OR_RETURN(std::vector<TensorPair> pairs, PairUp(a, b, prefix));
  // Pass 1: the differences and both norms.
  enum { kL1, kL2, kLinf, kSqA, kSqB };
  VT_ASSIGN_OR_RETURN(
      auto pass1,
      SumPerTensor<5>(pairs, [](const TensorPair& p, int64_t n, const double* x,
                                const double* y, Sums<5>& sums) -> Status {
        Sums<5> s = sums;  // a local: registers
        bool finite = true;
        ForEachLane(n, [&](int64_t k, int64_t i) {
          finite &= std::isfinite(x[i]) && std::isfinite(y[i]);
          const double diff = std::fabs(x[i] - y[i]);
          s[kL1].v[k] += diff;
          s[kL2].v[k] += diff * diff;
          s[kLinf].v[k] = std::max(s[kLinf].v[k], diff);
          s[kSqA].v[k] += x[i] * x[i];
          s[kSqB].v[k] += y[i] * y[i];
        });
        sums = s;
        if (finite) return Status::Ok();
        for (int64_t i = 0; i < n; ++i) {
          if (!std::isfinite(x[i])) return NotFinite(p.name(), "first");
          if (!std::isfinite(y[i])) return NotFinite(p.name(), "second");
        }
        return Status::Ok();
      }));
  StateDistance d;
  double sq_a = 0, sq_b = 0;
  for (size_t t = 0; t < pairs.size(); ++t) {
    d.elements += pairs[t].a->numel();
    d.l1 += pass1[t][kL1].Sum();
    d.l2 += pass1[t][kL2].Sum();
    d.linf = std::max(d.linf, pass1[t][kLinf].Max());
    sq_a += pass1[t][kSqA].Sum();
    sq_b += pass1[t][kSqB].Sum();
  }
  d.l2 = std::sqrt(d.l2);
  // Pass 2: cosine distance as half the squared distance of the unit vectors.
  const double na = std::sqrt(sq_a), nb = std::sqrt(sq_b);
  if (na == 0 && nb == 0) {
    d.cosine = 0;
  } else if (na == 0 || nb == 0) {
    d.cosine = 1;
  } else {
    VT_ASSIGN_OR_RETURN(
        auto pass2,
        SumPerTensor<1>(pairs, [na, nb](const TensorPair&, int64_t n, const double* x,
                                        const double* y, Sums<1>& sums) -> Status {
          Lanes s = sums[0];
          ForEachLane(n, [&](int64_t k, int64_t i) {
            const double u = x[i] / na - y[i] / nb;
            s.v[k] += u * u;
          });
          sums[0] = s;
          return Status::Ok();
        }));
    double sum = 0;
    for (const Sums<1>& s : pass2) sum += s[0].Sum();
    d.cosine = std::min(2.0, sum / 2);
  }
  return d;
}

Result<double> L2Distance(const State& a, const State& b, std::string_view prefix) {
  VT_ASSIGN_OR_RETURN(std::vector<TensorPair> pairs, PairUp(a, b, prefix));
  VT_ASSIGN_OR_RETURN(
      auto sums, SumPerTensor<1>(pairs, [](const TensorPair&, int64_t n, const double* x,
                                           const double* y, Sums<1>& out) -> Status {
        Lanes s = out[0];
        ForEachLane(n, [&](int64_t k, int64_t i) {
          const double diff = y[i] - x[i];
          s.v[k] += diff * diff;
        });
        out[0] = s;
        return Status::Ok();
      }));
  double sum = 0;
  for (const Sums<1>& s : sums) sum += s[0].Sum();
  return std::sqrt(sum);
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
