// Distances between two training states over their flattened parameters:
// the comparison of proof-of-learning's tolerance mode (design stage 5) and
// of threshold calibration.
//
// The parameters of a state are its tensors whose name starts with a prefix
// ("param/" by default), concatenated in name order into one vector. For
// states a and b with parameter vectors x and y:
//   l1      sum |x_i - y_i|
//   l2      sqrt(sum (x_i - y_i)^2)
//   linf    max |x_i - y_i|
//   cosine  1 - <x, y> / (|x| |y|), computed as |x/|x| - y/|y||^2 / 2 (the
//           same value, without the cancellation of 1 - cos when the
//           vectors are nearly parallel); 0 when both are zero, 1 when
//           exactly one is.
// Sums are kept per tensor, in a few interleaved parts, and combined in a
// fixed order, so the result is the same on every run and machine, though
// it may differ from a plain running sum in the last bits. States of a
// million elements or more are summed on two threads (the tensors shared
// between them), which does not change the result.
// Everything is computed in double precision from the tensors' bytes
// (float32, float64, float16 or bfloat16; a and b may differ in dtype, as
// when two participants compute in different precisions), without LibTorch,
// so the arbiter and tools can use it cheaply.
//
// Thread-safety: pure functions (large states share the work with a parked
// helper thread of the process, core/util/helper_pool.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/state/tensor_data.h"
#include "core/util/status.h"

namespace veritrain {

// Scenario and wire names: "l1", "l2", "linf", "cosine". Numbered for
// tables and never reused.
enum class Metric : uint8_t {
  kInvalid = 0,  // deliberately not a metric
  kL1 = 1,
  kL2 = 2,
  kLinf = 3,
  kCosine = 4,
};

// "l1", "l2", "linf", "cosine"; "invalid" for kInvalid.
const char* MetricName(Metric m);
// nullopt for any other name.
std::optional<Metric> MetricFromName(std::string_view name);
// Every metric, in the order above.
const std::vector<Metric>& AllMetrics();
// "l1, l2, linf, cosine": for error messages.
std::string KnownMetricNames();

struct StateDistance {
  double l1 = 0;
  double l2 = 0;
  double linf = 0;
  double cosine = 0;
  int64_t elements = 0;  // parameters compared

  // The value of metric m. REQUIRES: m != Metric::kInvalid.
  double Get(Metric m) const;
};

// The distances between the parameters of a and b (tensors named
// `prefix`...). InvalidArgument naming the tensor when one state has a
// parameter the other lacks, shapes differ, a dtype is not floating, a
// tensor is inconsistent, or a value is NaN or infinite; InvalidArgument
// when neither state has a parameter.
Result<StateDistance> ParameterDistance(const State& a, const State& b,
                                        std::string_view prefix = "param/");

// The l2 distance alone, sqrt(sum (y_i - x_i)^2), in one pass: NaN or
// +inf when a value of either state is (IEEE arithmetic), not an error.
// The other errors as for ParameterDistance.
Result<double> L2Distance(const State& a, const State& b,
                          std::string_view prefix = "param/");

// The l2 norm of the parameters of a (tensors named `prefix`...), in double
// precision. Errors as for ParameterDistance.
Result<double> ParameterNorm(const State& a,
                             std::string_view prefix = "param/");

}  // namespace veritrain
