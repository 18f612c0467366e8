// Training-side costs, each as figures measured in the same iteration so
// that their ratio holds even on a noisy machine:
//
//  - BM_SolverOverhead/<job>: the quickstart's training (300 steps) plain,
//    against the same training as the solver does it, with the protocol's
//    work: a checkpoint every k = 50 steps (CheckpointRecorder: update
//    norm, then hashing and the crash-safe write on the recorder's thread,
//    overlapped with the next steps), the socket poll the solver does every
//    50 ms while training, and the wait for the last write. Counters:
//    plain_s and protocol_s per training, overhead = protocol_s / plain_s
//    - 1, the same in process CPU time (cpu_overhead), and the protocol
//    work's parts per checkpoint.
//  - BM_Dispute/mlp: the compute of one dispute over an interval of a
//    10,000-step task, by party, as solver/defence.cc and
//    verifier/challenge.cc do it: the solver reads the agreed checkpoint,
//    recomputes the interval (k steps), hashes its end state and the
//    states at the dissection's split points, records the disputed step
//    and builds the node evidence; the challenger recomputes the same
//    interval, hashes the same split points and records the step; the
//    arbiter evaluates one node with its hash checks. Re-execution is 10,000
//    steps at the plain step time measured in the same iteration (computed, not
//    run: a 10,000-step run per iteration would take minutes). The game's
//    signed messages (about 20 moves, each signed once and checked three times,
//    and the node evidence) are not counted: see BM_MessageEncode/Decode
//    for their cost and results/reference/bench-notes.md for the estimate.
//  - BM_ToleranceDispute/<job>: the same dispute in tolerance mode, as the
//    challenger plays it across hardware (core/pol/): at every round of the
//    step dissection it takes the solver's states at the round's boundaries
//    (fetched: checked against the posted hash), re-executes each legal
//    sub-range from the solver's state at its start and compares its end
//    under δ for that length; then it takes the solver's outputs of every
//    node of the disputed step and evaluates each from the solver's inputs
//    (ScanStep); the arbiter rules on one node with its output tensors
//    (tolerance mode). The solver is honest, so the challenger
//    finds every sub-range within δ and checks them all: its worst case.
//    Counters: compute by party against re-executing the task as above, and
//    the bytes the dispute moves (states, node outputs, evidence) against
//    the task's checkpoints.
//  - BM_IntervalCheck/mlp: a verifier's check of one interval of k steps
//    (CheckInterval, core/pol/check_interval.h), exact and tolerance,
//    against k plain steps: its overhead is the end state's hash or its
//    distances.
//  - BM_NodeEvaluation/<job>: the arbiter's ruling on the most expensive
//    node of the step (ArbitrateNode: input proofs, evaluation, output
//    hash) against one full training step.
//
// The variants named .../transformer-100mb time the same at the size
// people use: the job of scenarios/large/transformer-100mb.json (read from
// the preset; a 113.7 MB state with Adam's moments), with k = 10 and 3
// intervals for the solver (its step is ~1,000x the mlp's), and a fixed
// count of iterations, each lasting seconds.
#include <benchmark/benchmark.h>
#include <time.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "core/pol/check_interval.h"
#include "core/pol/distance_dissection.h"
#include "core/pol/step_scan.h"
#include "core/protocol/dissection.h"
#include "core/state/checkpoint_file.h"
#include "core/state/state_hash.h"
#include "core/train/hardware_profile.h"
#include "core/train/job.h"
#include "core/train/node_arbitration.h"
#include "core/train/trajectory.h"
#include "core/transport/zmq_frames.h"
#include "scenarios/check/job_check.h"
#include "scenarios/spec/scenario.h"
#include "solver/checkpoint_recorder.h"
#include "tests/bench/bench_util.h"

namespace veritrain::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int64_t kInterval = 50;      // the quickstart's k
constexpr int64_t kIntervals = 6;      // 300 steps, as the quickstart
constexpr int64_t kLargeInterval = 10;  // the large job's k
constexpr int64_t kTaskSteps = 10000;  // the long task of the dispute target

double Since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// The large job: the transformer of scenarios/large/transformer-100mb.json
// (its state with Adam's moments is >= 100 MB), read from the preset so
// that the benchmarks time the job the preset runs.
constexpr char kLargeJob[] = "transformer-100mb";

std::string LargePresetPath() {
  // VERITRAIN_SCHEMA_PATH is <source>/scenarios/schema/scenario.schema.json.
  return (std::filesystem::path(VERITRAIN_SCHEMA_PATH).parent_path().parent_path() / "large" /
          (std::string(kLargeJob) + ".json"))
      .string();
}

Result<JobConfig> BenchJobConfig(const std::string& name) {
  if (name == kLargeJob) {
    VT_ASSIGN_OR_RETURN(Scenario sc, LoadScenario(LargePresetPath()));
    VT_ASSIGN_OR_RETURN(JobConfig config, ScenarioJobConfig(sc));
    config.dtype = "float32";
    return config;
  }
  // The quickstart's mlp and the built-in cnn at its default size.
  nlohmann::json j = {
      {"name", name},       {"batch_size", 64},
      {"dtype", "float32"}, {"init_seed", 1},
      {"data_seed", 2},     {"optimizer", {{"name", "adam"}, {"lr", 0.001}}}};
  if (name == "mlp") j["hidden"] = {128};
  return JobConfig::FromJson(j);
}

struct Fixture {
  std::unique_ptr<TrainingJob> job;
  TensorMap state;  // after a few steps, so Adam's moments are non-zero
  // The interval k and the intervals of a solver's run: the quickstart's
  // (k = 50, 6 intervals) for the small jobs; k = kLargeInterval and 3
  // intervals for the large job, whose step is ~100x longer.
  int64_t k = kInterval;
  int64_t intervals = kIntervals;
};

// The job named `name` (made once per process, at the quickstart's
// hardware profile: one thread, float32, deterministic).
Result<const Fixture*> GetFixture(const std::string& name) {
  static std::map<std::string, std::unique_ptr<Fixture>> cache;
  auto it = cache.find(name);
  if (it != cache.end()) return it->second.get();
  VT_RETURN_IF_ERROR(ApplyHardwareProfile(HardwareProfile{}));
  VT_ASSIGN_OR_RETURN(JobConfig config, BenchJobConfig(name));
  auto f = std::make_unique<Fixture>();
  VT_ASSIGN_OR_RETURN(f->job, MakeJob(config));
  f->state = f->job->InitialState(config.init_seed);
  for (int i = 0; i < 3; ++i) {
    VT_ASSIGN_OR_RETURN(f->state, TrainStep(*f->job, f->state));
  }
  if (name == kLargeJob) {
    f->k = kLargeInterval;
    f->intervals = 3;
  }
  const Fixture* out = f.get();
  cache[name] = std::move(f);
  return out;
}

Result<TensorMap> Train(const TrainingJob& job, TensorMap state,
                        int64_t steps) {
  for (int64_t i = 0; i < steps; ++i) {
    VT_ASSIGN_OR_RETURN(state, TrainStep(job, state));
  }
  return state;
}

// ------------------------------------------------------ solver overhead

// The quickstart's training as the solver does it (solver/solver.cc):
// checkpoint 0, then `intervals` intervals of k steps each ending in
// a checkpoint, polling the serving socket every 50 ms, and waiting at the
// end until the trace can be committed: the last checkpoint hashed and its
// bytes written (that wait in *final_wait_s: paid once per task, however
// many intervals it has). The solver commits then; the last checkpoint's
// fsyncs and rename follow while the commitment travels (the wait for them
// in *after_commit_s, outside the protocol's time).

Status ProtocolRun(const TrainingJob& job, TensorMap state, int64_t k, int64_t intervals,
                   zmq::socket_t& serve, CheckpointRecorder* recorder,
                   double* final_wait_s, double* after_commit_s) {
  auto meta = [k](int64_t index) {
    return nlohmann::json{{"task", "task-0001"},
                          {"index", index},
                          {"step", index * k},
                          {"optimizer", {{"name", "adam"}, {"lr", 0.001}}}};
  };
  VT_RETURN_IF_ERROR(recorder->Record(state, 0, meta(0)));
  auto last_poll = Clock::now();
  for (int64_t step = 0; step < intervals * k; ++step) {
    VT_ASSIGN_OR_RETURN(state, TrainStep(job, state));
    if ((step + 1) % k == 0) {
      VT_RETURN_IF_ERROR(recorder->Record(state, (step + 1) / k, meta((step + 1) / k)));
    }
    if (Since(last_poll) > 0.05) {
      zmq::pollitem_t item = {serve.handle(), 0, ZMQ_POLLIN, 0};
      VT_RETURN_IF_ERROR(
          PollSockets(&item, 1, std::chrono::milliseconds(0)).status());
      last_poll = Clock::now();
    }
  }
  const auto t0 = Clock::now();
  VT_RETURN_IF_ERROR(recorder->WaitUntilCommittable());
  *final_wait_s += Since(t0);
  return Status::Ok();
}

// `task_intervals` > 0 replaces the fixture's number of intervals: the
// wait for the last checkpoint is paid once a task, so a longer task shows
// what the protocol costs a solver over a run of realistic length.
void BM_SolverOverhead(benchmark::State& st, const std::string& name,
                       int64_t task_intervals = 0) {
  auto f = GetFixture(name);
  if (!Check(st, f.status())) return;
  const TrainingJob& job = *(*f)->job;
  const int64_t k = (*f)->k;
  const int64_t intervals = task_intervals > 0 ? task_intervals : (*f)->intervals;
  zmq::context_t ctx(1);
  zmq::socket_t serve(ctx, zmq::socket_type::router);
  ConfigureSocket(serve);
  if (!Check(st, BindSocket(serve, "tcp://127.0.0.1:*").status())) return;
  double plain = 0, protocol = 0, hash = 0, write = 0, norm = 0, wait = 0,
         bytes = 0, final_wait = 0, after_commit = 0;
  double plain_cpu = 0, protocol_cpu = 0;
  int64_t round = 0;
  for (auto _ : st) {
    auto iteration = Clock::now();
    // Alternate which goes first, so neither always follows the other.
    for (int part = 0; part < 2; ++part) {
      const bool do_plain = (part == 0) == (round % 2 == 0);
      auto t0 = Clock::now();
      const double cpu0 = ProcessCpu();
      if (do_plain) {
        auto s = Train(job, (*f)->state, intervals * k);
        if (!Check(st, s.status())) return;
        plain += Since(t0);
        plain_cpu += ProcessCpu() - cpu0;
      } else {
        ScratchDir dir;
        auto recorder = std::make_unique<CheckpointRecorder>(
            dir.path(), /*hash_threads=*/1);
        Status s = ProtocolRun(job, (*f)->state, k, intervals, serve, recorder.get(),
                               &final_wait, &after_commit);
        protocol += Since(t0);
        protocol_cpu += ProcessCpu() - cpu0;
        if (!Check(st, s)) return;
        const auto t1 = Clock::now();
        if (!Check(st, recorder->Finish())) return;
        after_commit += Since(t1);
        hash += recorder->hash_seconds();
        write += recorder->write_seconds();
        norm += recorder->norm_seconds();
        wait += recorder->wait_seconds();
        bytes = static_cast<double>(recorder->checkpoint_bytes()) /
                static_cast<double>(recorder->files().size());
      }
    }
    ++round;
    st.SetIterationTime(Since(iteration));  // the figures are the counters
  }
  const double n = static_cast<double>(st.iterations());
  const double checkpoints = n * static_cast<double>(intervals + 1);
  st.counters["plain_s"] = plain / n;
  st.counters["protocol_s"] = protocol / n;
  st.counters["overhead"] = protocol / plain - 1.0;
  // Training's wait at the end for the last checkpoint's hash and write,
  // and the overhead without it: what each further interval adds.
  st.counters["final_wait_s"] = final_wait / n;
  st.counters["overhead_before_final_wait"] = (protocol - final_wait) / plain - 1.0;
  // The last checkpoint's fsyncs and rename, after the commit.
  st.counters["after_commit_s"] = after_commit / n;
  // The same in CPU time over all threads: what the protocol's work costs
  // whatever else the machine runs (wall time on a shared machine also
  // measures the neighbours).
  st.counters["plain_cpu_s"] = plain_cpu / n;
  st.counters["protocol_cpu_s"] = protocol_cpu / n;
  st.counters["cpu_overhead"] = protocol_cpu / plain_cpu - 1.0;
  // Per checkpoint: on the recorder's thread (hash, write) and on the
  // training thread (norm, wait).
  st.counters["hash_s"] = hash / checkpoints;
  st.counters["write_s"] = write / checkpoints;
  st.counters["norm_s"] = norm / checkpoints;
  st.counters["wait_s"] = wait / checkpoints;
  st.counters["checkpoint_bytes"] = bytes;
  st.counters["k"] = static_cast<double>(k);
  st.counters["steps"] = static_cast<double>(intervals * k);
}
BENCHMARK_CAPTURE(BM_SolverOverhead, mlp, std::string("mlp"))
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime();
BENCHMARK_CAPTURE(BM_SolverOverhead, cnn, std::string("cnn"))
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime();
BENCHMARK_CAPTURE(BM_SolverOverhead, transformer-100mb, std::string(kLargeJob))
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime()
    ->Iterations(2);
// The large job over a 100-step task (10 intervals, 11 checkpoints).
BENCHMARK_CAPTURE(BM_SolverOverhead, transformer-100mb-100-steps, std::string(kLargeJob),
                  int64_t{10})
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime()
    ->Iterations(2);

// ------------------------------------------------------ node arbitration

// The game node with the largest FLOP estimate (the arbiter's worst case).
int64_t CostliestNode(const TrainingJob& job) {
  const auto& nodes = job.graph().nodes();
  int64_t best = 0;
  for (size_t i = 1; i < nodes.size(); ++i) {
    if (nodes[i].flops > nodes[static_cast<size_t>(best)].flops) {
      best = static_cast<int64_t>(i);
    }
  }
  return best;
}

ArbitrationContext ContextFor(const TrainingJob& job, const StepTranscript& t,
                              int64_t node) {
  ArbitrationContext ctx;
  ctx.step = t.step;
  ctx.node = node;
  ctx.graph_nodes = GameNodeCount(job);
  ctx.agreed_state_hash = t.state_hash;
  ctx.agreed_chain_hash = t.chain[static_cast<size_t>(node)];
  ctx.solver_chain_next = t.chain[static_cast<size_t>(node) + 1];
  ctx.solver_next_state_hash = t.next_state_hash;
  return ctx;
}

// The arbiter's ruling; an error unless it finds for the (honest) solver.
Result<NodeRuling> Arbitrate(const TrainingJob& job, const StepTranscript& t,
                             int64_t node, const NodeEvidence& ev) {
  VT_ASSIGN_OR_RETURN(NodeRuling r,
                      ArbitrateNode(job, ContextFor(job, t, node), ev));
  if (!r.solver_correct)
    return Status::Internal("honest evidence refused: " + r.reason);
  return r;
}

void BM_NodeEvaluation(benchmark::State& st, const std::string& name) {
  auto f = GetFixture(name);
  if (!Check(st, f.status())) return;
  const TrainingJob& job = *(*f)->job;
  const int64_t node = CostliestNode(job);
  auto t = RecordStep(job, (*f)->state, nullptr);
  if (!Check(st, t.status())) return;
  auto ev = BuildNodeEvidence(job, *t, node, /*with_outputs=*/false);
  if (!Check(st, ev.status())) return;
  double node_s = 0, step_s = 0;
  for (auto _ : st) {
    auto iteration = Clock::now();
    auto t0 = Clock::now();
    auto r = Arbitrate(job, *t, node, *ev);
    if (!Check(st, r.status())) return;
    node_s += Since(t0);
    auto t1 = Clock::now();
    auto next = TrainStep(job, (*f)->state);
    if (!Check(st, next.status())) return;
    step_s += Since(t1);
    st.SetIterationTime(Since(iteration));
  }
  const double n = static_cast<double>(st.iterations());
  st.SetLabel(GameNodeName(job, node));
  st.counters["node_s"] = node_s / n;
  st.counters["step_s"] = step_s / n;
  st.counters["node_over_step"] = node_s / step_s;
}
BENCHMARK_CAPTURE(BM_NodeEvaluation, mlp, std::string("mlp"))
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime();
BENCHMARK_CAPTURE(BM_NodeEvaluation, cnn, std::string("cnn"))
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime();
BENCHMARK_CAPTURE(BM_NodeEvaluation, transformer-100mb, std::string(kLargeJob))
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime()
    ->Iterations(4);

// -------------------------------------------------------- interval check

// A verifier's check of one interval (core/pol/check_interval.h, what
// verifier/verifier.cc calls per selected interval), exact and tolerance,
// against k plain steps timed in the same iteration: the check's own cost
// is the end state's hash (exact) or its distances and update norm
// (tolerance).
void BM_IntervalCheck(benchmark::State& st, const std::string& name) {
  auto f = GetFixture(name);
  if (!Check(st, f.status())) return;
  const TrainingJob& job = *(*f)->job;
  const TensorMap& start = (*f)->state;  // after 3 steps
  const int64_t k = (*f)->k;
  auto honest = Train(job, start, k);
  if (!Check(st, honest.status())) return;
  const State end_state = ToState(*honest);
  auto end_hash = StateHash(end_state);
  if (!Check(st, end_hash.status())) return;
  ClaimedEnd exact_end;
  exact_end.hash = *end_hash;
  ClaimedEnd tolerance_end = exact_end;
  tolerance_end.tensors = &end_state;
  VerificationPolicy policy;
  policy.metrics = {"l2", "cosine"};
  policy.delta = {{"l2", 1e-4}, {"cosine", 1e-9}};
  const IntervalSpan span{3, k};
  double plain_s = 0, exact_s = 0, tolerance_s = 0;
  for (auto _ : st) {
    auto iteration = Clock::now();
    auto t0 = Clock::now();
    auto plain = Train(job, start, k);
    if (!Check(st, plain.status())) return;
    plain_s += Since(t0);
    auto t1 = Clock::now();
    auto exact = CheckInterval(job, policy, IntervalMode::kExact, start, exact_end, span);
    if (!Check(st, exact.status())) return;
    exact_s += Since(t1);
    auto t2 = Clock::now();
    auto tolerance =
        CheckInterval(job, policy, IntervalMode::kTolerance, start, tolerance_end, span);
    if (!Check(st, tolerance.status())) return;
    tolerance_s += Since(t2);
    if (!exact->passed() || !tolerance->passed()) {
      st.SkipWithError("an honest interval does not pass");
      return;
    }
    st.SetIterationTime(Since(iteration));
  }
  const double n = static_cast<double>(st.iterations());
  st.counters["plain_s"] = plain_s / n;
  st.counters["exact_s"] = exact_s / n;
  st.counters["tolerance_s"] = tolerance_s / n;
  st.counters["exact_overhead"] = exact_s / plain_s - 1;
  st.counters["tolerance_overhead"] = tolerance_s / plain_s - 1;
  st.counters["k"] = static_cast<double>(k);
}
BENCHMARK_CAPTURE(BM_IntervalCheck, mlp, std::string("mlp"))
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime();
BENCHMARK_CAPTURE(BM_IntervalCheck, transformer-100mb, std::string(kLargeJob))
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime()
    ->Iterations(2);

// ------------------------------------------------------------- dispute

// k steps from `state` as the roles recompute a disputed interval: states
// when asked for, within the trajectory's memory budget (core/train/
// trajectory.h), hashes only when asked.
Trajectory Recompute(const TrainingJob& job, TensorMap state, int64_t k,
                     std::optional<Digest> start_hash) {
  return Trajectory(std::move(state), k,
                    [&job](const TensorMap& from) { return TrainStep(job, from); },
                    start_hash);
}

// The step dissection over the interval with the default arity (2), the
// challenger always choosing the last sub-range (so the disputed step is
// the interval's last): the positions whose hashes the solver posts and
// the challenger compares, round by round.
std::vector<int64_t> SplitPositions(int64_t k) {
  std::vector<int64_t> out;
  Dissection d(k, /*arity=*/2);
  while (!d.done()) {
    for (int64_t p : d.PositionsToPost()) out.push_back(p);
    const std::vector<int64_t> b = d.Boundaries();
    int64_t choice = 0;
    for (int64_t i = 0; i + 1 < static_cast<int64_t>(b.size()); ++i) {
      if (b[static_cast<size_t>(i)] < k) choice = i;
    }
    if (!d.Choose(choice).ok()) break;
  }
  return out;
}

void BM_Dispute(benchmark::State& st, const std::string& name) {
  auto f = GetFixture(name);
  if (!Check(st, f.status())) return;
  const TrainingJob& job = *(*f)->job;
  ScratchDir dir;
  const std::string agreed = dir.path() + "/agreed.vtc";
  if (!Check(st, WriteCheckpoint(agreed, ToState((*f)->state),
                                 nlohmann::json::object())))
    return;
  const int64_t node = CostliestNode(job);
  const int64_t k = (*f)->k;
  const int64_t disputed = k - 1;  // the last step: the longest replay
  const std::vector<int64_t> splits = SplitPositions(k);
  double solver_s = 0, challenger_s = 0, arbiter_s = 0, step_s = 0;
  for (auto _ : st) {
    auto iteration = Clock::now();
    // Solver: read the agreed checkpoint, recompute the interval, record
    // the disputed step, build the evidence.
    auto t0 = Clock::now();
    auto ckpt = ReadCheckpoint(agreed);
    if (!Check(st, ckpt.status())) return;
    auto start = ViewState(ckpt->state);
    if (!Check(st, start.status())) return;
    Trajectory states = Recompute(job, *start, k, ckpt->state_hash);
    // Its own end hash (the check that it reproduces its trace), then the
    // hashes at the split points.
    if (!Check(st, states.Hash(states.size() - 1).status())) return;
    for (int64_t p : splits) {
      if (!Check(st, states.Hash(static_cast<size_t>(p)).status())) return;
    }
    auto before = states.State(static_cast<size_t>(disputed));
    if (!Check(st, before.status())) return;
    auto t = RecordStep(job, *before, nullptr);
    if (!Check(st, t.status())) return;
    auto ev = BuildNodeEvidence(job, *t, node, /*with_outputs=*/false);
    if (!Check(st, ev.status())) return;
    solver_s += Since(t0);
    // Challenger: the same interval from the fetched checkpoint, its own
    // hashes at the split points, and the disputed step recorded.
    auto t1 = Clock::now();
    auto cstart = ViewState(ckpt->state);
    if (!Check(st, cstart.status())) return;
    Trajectory cstates = Recompute(job, *cstart, k, std::nullopt);
    for (int64_t p : splits) {
      if (!Check(st, cstates.Hash(static_cast<size_t>(p)).status())) return;
    }
    auto cbefore = cstates.State(static_cast<size_t>(disputed));
    if (!Check(st, cbefore.status())) return;
    auto ct = RecordStep(job, *cbefore, nullptr);
    if (!Check(st, ct.status())) return;
    challenger_s += Since(t1);
    // Arbiter: one node.
    auto t2 = Clock::now();
    auto r = Arbitrate(job, *t, node, *ev);
    if (!Check(st, r.status())) return;
    arbiter_s += Since(t2);
    // Re-execution's unit: plain steps, timed here.
    auto t3 = Clock::now();
    auto plain = Train(job, (*f)->state, k);
    if (!Check(st, plain.status())) return;
    step_s += Since(t3) / static_cast<double>(k);
    st.SetIterationTime(Since(iteration));
  }
  const double n = static_cast<double>(st.iterations());
  const double dispute = (solver_s + challenger_s + arbiter_s) / n;
  const double reexec = step_s / n * static_cast<double>(kTaskSteps);
  st.counters["solver_s"] = solver_s / n;
  st.counters["challenger_s"] = challenger_s / n;
  st.counters["arbiter_s"] = arbiter_s / n;
  st.counters["dispute_s"] = dispute;
  st.counters["step_s"] = step_s / n;
  st.counters["reexecution_s"] = reexec;
  st.counters["reexecution_over_dispute"] = reexec / dispute;
  st.counters["task_steps"] = static_cast<double>(kTaskSteps);
  st.counters["k"] = static_cast<double>(k);
  st.counters["split_hashes"] = static_cast<double>(splits.size());
}
BENCHMARK_CAPTURE(BM_Dispute, mlp, std::string("mlp"))
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime();
BENCHMARK_CAPTURE(BM_Dispute, transformer-100mb, std::string(kLargeJob))
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime()
    ->Iterations(2);

// ------------------------------------------------- tolerance-mode dispute

int64_t StateBytes(const TensorMap& state) {
  int64_t n = 0;
  for (const auto& [name, t] : state) n += static_cast<int64_t>(t.nbytes());
  return n;
}

void BM_ToleranceDispute(benchmark::State& st, const std::string& name) {
  auto f = GetFixture(name);
  if (!Check(st, f.status())) return;
  const TrainingJob& job = *(*f)->job;
  const int64_t node = CostliestNode(job);
  VerificationPolicy policy;
  policy.metrics = {"l2", "linf"};
  policy.delta = {{"l2", 1e-6}, {"linf", 1e-6}};
  if (!Check(st, policy.CheckTolerance())) return;
  const int64_t state_bytes = StateBytes((*f)->state);
  const int64_t k = (*f)->k;
  double solver_s = 0, challenger_s = 0, arbiter_s = 0, step_s = 0;
  int64_t bytes = 0, states_fetched = 0, steps_reexecuted = 0, output_bytes = 0,
          evidence_bytes = 0, rounds = 0;
  for (auto _ : st) {
    auto iteration = Clock::now();
    bytes = states_fetched = steps_reexecuted = output_bytes = evidence_bytes = rounds = 0;
    // Solver: its interval from the agreed state, kept to serve.
    auto t0 = Clock::now();
    Trajectory solver_states = Recompute(job, (*f)->state, k, std::nullopt);
    if (!Check(st, solver_states.State(static_cast<size_t>(k)).status())) return;
    solver_s += Since(t0);
    // Challenger: the dissection on distances, the solver hashing each
    // state it posts and the challenger checking each it fetches.
    Dissection d(k, /*arity=*/2);
    std::map<int64_t, TensorMap> fetched;
    double hash_s = 0;
    SolverStateFn state_at = [&](int64_t p) -> Result<TensorMap> {
      p = std::min(p, k);
      auto it = fetched.find(p);
      if (it != fetched.end()) return it->second;
      auto h0 = Clock::now();
      VT_ASSIGN_OR_RETURN(const TensorMap s, solver_states.State(static_cast<size_t>(p)));
      VT_RETURN_IF_ERROR(solver_states.Hash(static_cast<size_t>(p)).status());  // solver posts
      VT_RETURN_IF_ERROR(StateHash(ToState(s)).status());  // challenger checks
      hash_s += Since(h0);
      bytes += StateBytes(s);
      ++states_fetched;
      fetched[p] = s;
      return s;
    };
    ReexecuteFn reexecute = [&](const TensorMap& start, int64_t n) -> Result<TensorMap> {
      steps_reexecuted += n;
      return Train(job, start, n);
    };
    auto t1 = Clock::now();
    while (!d.done()) {
      const std::vector<int64_t> b = d.Boundaries();
      std::vector<int64_t> legal;
      for (int64_t i = 0; i + 1 < static_cast<int64_t>(b.size()); ++i) {
        if (b[static_cast<size_t>(i)] < k) legal.push_back(i);
      }
      auto choice = ChooseByDistance(b, k, legal, state_at, reexecute, policy);
      if (!Check(st, choice.status())) return;
      if (!Check(st, d.Choose(choice->index))) return;
      ++rounds;
    }
    const int64_t disputed = d.Boundaries().front();
    const double choose_s = Since(t1) - hash_s;
    // Solver: the disputed step recorded; its node outputs served.
    auto t2 = Clock::now();
    auto before = solver_states.State(static_cast<size_t>(disputed));
    if (!Check(st, before.status())) return;
    auto t = RecordStep(job, *before, nullptr);
    if (!Check(st, t.status())) return;
    auto ev = BuildNodeEvidence(job, *t, node, /*with_outputs=*/true);
    if (!Check(st, ev.status())) return;
    solver_s += Since(t2) + hash_s / 2;
    for (const auto& o : t->outputs) output_bytes += StateBytes(o);
    for (const auto& td : ev->tensors) evidence_bytes += static_cast<int64_t>(td.bytes.size());
    // Challenger: every node from the solver's committed values.
    auto t3 = Clock::now();
    auto batch = job.Batch(t->step);
    if (!Check(st, batch.status())) return;
    auto scan = ScanStep(job, t->state, *batch, t->outputs,
                         [](const std::string&) { return 0.0; }, t->next_state_hash);
    if (!Check(st, scan.status())) return;
    challenger_s += choose_s + hash_s / 2 + Since(t3);
    // Arbiter: one node, with the solver's output tensors.
    auto t4 = Clock::now();
    ArbitrationContext ctx = ContextFor(job, *t, node);
    ctx.mode = "tolerance";
    auto r = ArbitrateNode(job, ctx, *ev);
    if (!Check(st, r.status())) return;
    if (!r->solver_correct) {
      st.SkipWithError(("honest evidence refused: " + r->reason).c_str());
      return;
    }
    arbiter_s += Since(t4);
    auto t5 = Clock::now();
    auto plain = Train(job, (*f)->state, k);
    if (!Check(st, plain.status())) return;
    step_s += Since(t5) / static_cast<double>(k);
    st.SetIterationTime(Since(iteration));
  }
  bytes += output_bytes + evidence_bytes;
  const double n = static_cast<double>(st.iterations());
  const double dispute = (solver_s + challenger_s + arbiter_s) / n;
  const double reexec = step_s / n * static_cast<double>(kTaskSteps);
  const double task_checkpoint_bytes =
      static_cast<double>(kTaskSteps / k + 1) * static_cast<double>(state_bytes);
  st.SetLabel(GameNodeName(job, node));
  st.counters["solver_s"] = solver_s / n;
  st.counters["challenger_s"] = challenger_s / n;
  st.counters["arbiter_s"] = arbiter_s / n;
  st.counters["dispute_s"] = dispute;
  st.counters["step_s"] = step_s / n;
  st.counters["reexecution_s"] = reexec;
  st.counters["reexecution_over_dispute"] = reexec / dispute;
  st.counters["rounds_phase1"] = static_cast<double>(rounds);
  st.counters["challenger_steps"] = static_cast<double>(steps_reexecuted);
  st.counters["states_fetched"] = static_cast<double>(states_fetched);
  st.counters["dispute_bytes"] = static_cast<double>(bytes);
  st.counters["state_bytes"] = static_cast<double>(state_bytes);
  st.counters["task_checkpoint_bytes"] = task_checkpoint_bytes;
  st.counters["checkpoints_over_dispute_bytes"] = task_checkpoint_bytes / static_cast<double>(bytes);
}
BENCHMARK_CAPTURE(BM_ToleranceDispute, mlp, std::string("mlp"))
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime();
BENCHMARK_CAPTURE(BM_ToleranceDispute, cnn, std::string("cnn"))
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime();

}  // namespace
}  // namespace veritrain::bench
