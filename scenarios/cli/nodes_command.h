// `veritrain nodes`: a job's step graph, one node a line — the names a
// corrupt-node solver can name, and what a dispute can end on.
//
//   veritrain nodes SCENARIO [--plugin LIB] [--json]
//   veritrain nodes --torchscript FILE --input-shape 1,28,28
//                   [--batch-size 64] [--dtype float32] [--json]
//
// Each line: index in the challenge game, name, kind, estimated FLOPs at the
// job's batch size and their share of one step, coarse (the node stands for
// a whole model) or fine (one primitive layer), and whether its outputs can
// reach the state after the step. The last node is the game's
// state.assemble. The job's notes follow (a TorchScript model trained as
// one coarse node says why). --json prints the description that
// manifest.json records (scenarios/check/job_graph.h).
// Exit status: 0 listed; 2 bad input (an invalid scenario, a file that is
// not TorchScript, a missing --input-shape).
//
// Thread-safety: used from main() only.
#pragma once

#include <memory>
#include <optional>

namespace CLI {
class App;
}  // namespace CLI

namespace veritrain {

class NodesCommand {
 public:
  // Adds the subcommand to `app`.
  explicit NodesCommand(CLI::App& app);
  ~NodesCommand();

  // After app.parse(): the exit status when `nodes` was chosen, else
  // nullopt.
  std::optional<int> Dispatch();

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace veritrain
