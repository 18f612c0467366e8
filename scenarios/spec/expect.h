// Expectations: the "expect" list of a scenario, checked against a run's
// summary.json.
//
// Each expectation is {"path": JSON pointer, one comparison, optional
// "description"}; the comparisons are
//   "equals": V       the value equals V (JSON equality; numbers compare
//                     numerically, so 100 equals 100.0)
//   "not_equals": V   the value exists and differs from V
//   "min": X / "max": X   the value is a number with X <= value / value <= X
//                     (both together: a range)
//   "greater_than": P / "less_than": P   the value is a number strictly
//                     greater / less than the number at JSON pointer P in
//                     the same summary (one figure against another, e.g.
//                     one verifier's profit against another's)
// A missing value fails every comparison, and the detail names the first
// part of the path that is missing and what is there instead. Paths that no
// summary can hold are refused before the run (summary_shape.h).
//
// Thread-safety: pure functions.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace veritrain {

struct ExpectationResult {
  std::string description;  // given, or the comparison written out:
                            // "/tasks/0/outcome == \"accepted\""
  bool passed = false;
  nlohmann::json actual;  // the value at the path; null if there is none
  std::string detail;     // why it passed or failed: "got 0.65, below the
                          // minimum 0.7", "no value at /tasks/0/x: /tasks/0
                          // has no field \"x\" (it has: …)"
};

// Evaluates every expectation in `expect` (a JSON array, normally
// Scenario::expect) against `summary`, in order. Malformed entries (not an
// object, no path, no comparison) fail with a detail saying so.
std::vector<ExpectationResult> EvaluateExpectations(
    const nlohmann::json& expect, const nlohmann::json& summary);

}  // namespace veritrain
