// A job's step graph as users see it: what `veritrain nodes` lists, what
// manifest.json records under "graph", and the names `veritrain check`
// resolves a corrupt-node solver's node against.
//
// JSON (DescribeJobGraph):
//   {"job": "mlp", "graph_nodes": N, "game_nodes": N + 1, "step_flops": F,
//    "coarse": false,            // some node stands for a whole model
//    "notes": [...],             // TrainingJob::Notes()
//    "nodes": [{"index": 0, "name": "fc1.forward", "kind": "forward",
//               "flops": 1.6e7, "coarse": false, "reaches_state": true}, …,
//              {"index": N, "name": "state.assemble", "kind": "assemble", …}]}
// The nodes are the challenge game's: the step graph's in order, then
// state.assemble (core/train/node_arbitration.h). "reaches_state" says
// whether the node's outputs can change the state after the step
// (core/train/state_reach.h); a corrupt-node solver must name one that
// does.
//
// Thread-safety: DescribeJobGraph and NodesTable are pure; JobFactsFor is
// thread-safe (a process-wide cache behind a mutex).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "core/train/hardware_profile.h"
#include "core/train/job.h"
#include "core/util/status.h"

namespace veritrain {

nlohmann::json DescribeJobGraph(const TrainingJob& job);

// What is known of a job once it has been built: its graph and whether its
// step is a pure function (core/train/step_purity.h).
struct JobFacts {
  nlohmann::json graph;     // DescribeJobGraph
  Status pure;              // CheckStepIsPure from the config's init_seed
  // One training step on this machine, measured while checking purity (a
  // step with every node's outputs recorded: an upper bound on a plain one).
  double step_seconds = 0;
  // What the process computed with while `pure` was checked: the profile
  // (threads, determinism, the config's dtype) whose purity is known.
  HardwareProfile checked_under;
  bool notes_logged = false;  // the notes were logged once (JobNotesOnce)
};

// The facts of the job `config` names, building it the first time (a job
// whose config differs only in its seeds has the same graph and is built
// once per process). The job's own errors when it cannot be built.
Result<JobFacts> JobFactsFor(const JobConfig& config);

// Whether the job `config` names builds and steps purely under profile `p`
// (its threads, determinism and dtype, applied to this process): the job
// built in p's dtype, step 0 evaluated twice, or 6 to 64 times with more
// than one thread (a race between threads shows only sometimes). A profile
// computes to its own bits, but each participant must reproduce its own
// step: a job that is pure on one thread may not be on two. Once per job
// and profile per process; leaves p applied. The job's own error when it
// cannot be built in p's dtype, FailedPrecondition when it is not pure.
Status StepPurityUnder(const JobConfig& config, const HardwareProfile& p);

// The graph's notes the first time they are asked for per job and process,
// empty afterwards (so that a sweep says them once).
std::vector<std::string> JobNotesOnce(const JobConfig& config);

// The graph as a table, one node a line: index, name, kind, FLOPs and their
// share of the step, coarse or fine, whether it reaches the state.
std::string NodesTable(const nlohmann::json& graph);

}  // namespace veritrain
