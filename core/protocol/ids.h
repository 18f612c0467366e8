// Strong integer types for the protocol's indices, so that a step is never
// passed where an interval or a graph node is expected.
//
//   StepIndex      a training step, 0-based (step s maps batch s)
//   IntervalIndex  a checkpoint interval, 0-based: interval i runs from
//                  checkpoint i to checkpoint i + 1
//   NodeIndex      a node of a step graph, in topological order
//
// Construct with braces: `StepIndex{7}`; read with `.v`.
//
// Thread-safety: values.
#pragma once

#include <cstdint>

namespace veritrain {

template <typename Tag>
struct StrongIndex {
  int64_t v = 0;

  friend bool operator==(StrongIndex a, StrongIndex b) { return a.v == b.v; }
  friend bool operator!=(StrongIndex a, StrongIndex b) { return a.v != b.v; }
  friend bool operator<(StrongIndex a, StrongIndex b) { return a.v < b.v; }
  friend bool operator<=(StrongIndex a, StrongIndex b) { return a.v <= b.v; }
  friend bool operator>(StrongIndex a, StrongIndex b) { return a.v > b.v; }
  friend bool operator>=(StrongIndex a, StrongIndex b) { return a.v >= b.v; }
};

using StepIndex = StrongIndex<struct StepIndexTag>;
using IntervalIndex = StrongIndex<struct IntervalIndexTag>;
using NodeIndex = StrongIndex<struct NodeIndexTag>;

}  // namespace veritrain
