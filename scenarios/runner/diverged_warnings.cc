#include "scenarios/runner/diverged_warnings.h"

#include <cmath>
#include <set>

#include "core/protocol/events.h"
#include "scenarios/spec/real_value.h"

namespace veritrain {

std::vector<std::string> DivergedTrainingWarnings(const std::vector<Event>& events) {
  std::vector<std::string> out;
  std::set<std::string> said;
  for (const Event& e : events) {
    if (e.type != TraceCommittedEvent::kType || said.count(e.task) > 0) continue;
    const nlohmann::json body = e.data.value("body", nlohmann::json::object());
    if (!body.is_object()) continue;
    const nlohmann::json norms = body.value("update_norms", nlohmann::json::array());
    if (!norms.is_array()) continue;
    for (size_t i = 0; i < norms.size(); ++i) {
      const std::optional<double> x = RealValue(norms[i]);
      if (!x || std::isfinite(*x)) continue;
      said.insert(e.task);
      out.push_back(e.task + ": the training diverged (update norm " + std::to_string(i) +
                    " is not finite): from there its states are NaN or infinite, so "
                    "verification cannot tell a cheat from the honest trace, and the model "
                    "is unusable whatever the outcome");
      break;
    }
  }
  return out;
}

}  // namespace veritrain
