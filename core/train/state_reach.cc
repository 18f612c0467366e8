#include "core/train/state_reach.h"

#include <set>
#include <string>

namespace veritrain {

std::vector<bool> NodesReachingState(const StepGraph& g) {
  const std::vector<Node>& nodes = g.nodes();
  std::vector<bool> reach(nodes.size(), false);
  // Values some later node that reaches the state reads; walking backwards,
  // every reader of a value comes after its writer.
  std::set<std::string> needed;
  for (size_t k = nodes.size(); k > 0; --k) {
    const Node& n = nodes[k - 1];
    bool live = false;
    for (const auto& out : n.outputs) {
      live = live || out.rfind("next/", 0) == 0 || needed.count(out) > 0;
    }
    if (!live) continue;
    reach[k - 1] = true;
    needed.insert(n.inputs.begin(), n.inputs.end());
  }
  return reach;
}

}  // namespace veritrain
