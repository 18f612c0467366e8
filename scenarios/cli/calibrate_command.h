// `veritrain calibrate SCENARIO [--out DIR] [--plugin LIB]`: the profiling
// stage on its own (scenarios/calibrate/calibrate.h). Re-runs the scenario's task
// under the listed hardware profiles and seeds, prints the distribution of
// the honest reproduction error per metric next to the δ it implies, δ by
// steps re-executed, the node thresholds by kind and the predicted
// false-positive rate, and writes calibration.json, calibration.csv and
// calibration_nodes.csv to DIR (default results/calibration/<scenario>/). The settings come from the scenario's
// protocol.calibration block, or — without one — the verifiers' profiles.
// Exit status: 0 done; 1 the calibration failed; 2 invalid scenario.
//
// Thread-safety: used from main() only.
#pragma once

#include <memory>
#include <optional>

namespace CLI {
class App;
}  // namespace CLI

namespace veritrain {

class CalibrateCommand {
 public:
  // Adds the subcommand to `app`.
  explicit CalibrateCommand(CLI::App& app);
  ~CalibrateCommand();

  // After app.parse(): the exit status when `calibrate` was chosen, else
  // nullopt.
  std::optional<int> Dispatch();

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace veritrain
