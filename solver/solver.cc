#include "solver/solver.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "core/protocol/real_trace.h"
#include "core/state/checkpoint_file.h"
#include "core/state/disk_full_env.h"
#include "core/state/state_hash.h"
#include "core/train/allocator_tuning.h"
#include "core/train/hardware_profile.h"
#include "core/train/torch_bridge.h"
#include "core/role/role_report.h"
#include "core/transport/zmq_frames.h"
#include "solver/checkpoint_recorder.h"
#include "solver/resume.h"

namespace veritrain {
namespace {

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

// A proof that no longer proves anything: its first sibling hash flipped
// (a behaviour's "bad-proof").
void CorruptProof(InclusionProof* proof) {
  if (proof->path.empty()) {
    proof->index ^= 1;
    return;
  }
  proof->path[0].bytes[0] ^= 0xff;
}

}  // namespace

Result<std::unique_ptr<Solver>> Solver::Create(zmq::context_t& ctx,
                                               const RoleConfig& config) {
  if (config.role != "solver") return Status::InvalidArgument("role config: role must be 'solver'");
  VT_ASSIGN_OR_RETURN(Identity id, LoadIdentityFile(config.identity_file));
  VT_ASSIGN_OR_RETURN(KeyDirectory keys, config.Keys());
  VT_ASSIGN_OR_RETURN(auto behaviour,
                      MakeSolverBehaviour(config.behaviour, config.behaviour_params));
  VT_ASSIGN_OR_RETURN(FaultPlan faults, config.Faults());
  VT_ASSIGN_OR_RETURN(RetryPolicy retry, config.Retry());
  std::unique_ptr<Solver> s(new Solver(ctx, config, Messenger(config.name, std::move(id), std::move(keys)),
                                       std::move(behaviour), retry));
  if (faults.any()) s->messenger_.InjectFaults(faults);
  s->crash_ = CrashPoint(config.crash);
  // Checkpoints are fsync'ed unless the runner says no restart will read
  // them ("durable_files": false, for a solver that runs as a thread).
  Env* base = config.settings.value("durable_files", true) ? Env::Default() : Env::Volatile();
  s->env_ = base;
  if (config.disk_free_bytes >= 0) {
    // A scenario's disk fault: checkpoints fill the disk after this many
    // bytes, over the run; a restarted solver's disk still holds what its
    // earlier processes wrote.
    const int64_t used = CheckpointBytesOnDisk(config.work_dir + "/" + config.name);
    s->disk_ = std::make_unique<DiskFullEnv>(base, std::max<int64_t>(0, config.disk_free_bytes - used));
    s->env_ = s->disk_.get();
  }
  ConfigureSocket(s->serve_);
  VT_ASSIGN_OR_RETURN(s->curve_, RoleCurveOf(config));
  if (s->curve_) {
    // The handler first: see arbiter.cc.
    VT_ASSIGN_OR_RETURN(s->zap_, s->curve_->StartZapHandler(ctx));
    VT_RETURN_IF_ERROR(s->curve_->SecureServer(s->serve_));
  }
  VT_ASSIGN_OR_RETURN(s->serve_endpoint_, BindSocket(s->serve_, config.serve_endpoint));
  return s;
}

Solver::Solver(zmq::context_t& ctx, RoleConfig config, Messenger messenger,
               std::unique_ptr<SolverBehaviour> behaviour, RetryPolicy retry)
    : config_(std::move(config)),
      messenger_(std::move(messenger)),
      behaviour_(std::move(behaviour)),
      link_(ctx, messenger_, config_.arbiter_requests, config_.arbiter_events, retry),
      serve_(ctx, zmq::socket_type::router) {}

Status Solver::Run() {
  VT_RETURN_IF_ERROR(link_.Connect(std::chrono::seconds(60), curve_ ? &*curve_ : nullptr));
  VT_RETURN_IF_ERROR(link_.Request(Pack(Hello{"solver", serve_endpoint_})).status());
  spdlog::info("solver {}: joined; serving checkpoints on {}", config_.name, serve_endpoint_);
  while (!shutdown_) VT_RETURN_IF_ERROR(Pump(1000));
  spdlog::info("solver {}: shutting down", config_.name);
  Status left = link_.Leave(std::chrono::seconds(2));
  if (!left.ok()) spdlog::info("solver {}: {}", config_.name, left.ToString());
  return WriteRoleReport(config_.out_dir, messenger_, zap_.get(),
                         {{"resends", link_.resends()},
                          {"arbiter_silences", link_.arbiter_silences()}});
}

Status Solver::Pump(int64_t timeout_ms) {
  zmq::pollitem_t items[] = {{link_.sub().handle(), 0, ZMQ_POLLIN, 0},
                             {link_.dealer().handle(), 0, ZMQ_POLLIN, 0},
                             {serve_.handle(), 0, ZMQ_POLLIN, 0}};
  VT_RETURN_IF_ERROR(
      PollSockets(items, 3, link_.PollTimeout(std::chrono::milliseconds(timeout_ms))).status());
  VT_RETURN_IF_ERROR(link_.Tick());
  // Requests for checkpoints first: verifiers are waiting.
  VT_RETURN_IF_ERROR(messenger_.Drain(serve_, /*router=*/true, serve_guard_,
                                      [this](const Message& m, const std::string& rid) {
                                        if (m.type != FetchCheckpoint::kType &&
                                            m.type != FetchDisputeData::kType) {
                                          messenger_.Reject("not_a_request",
                                                            "a " + m.type + " from " + m.from +
                                                                " on the checkpoint socket");
                                        } else if (peers_.count(m.from) == 0) {
                                          messenger_.Reject("not_a_peer",
                                                            "a fetch from " + m.from +
                                                                ", who verifies no task of " +
                                                                config_.name);
                                        } else {
                                          Serve(m, rid);
                                        }
                                        return Status::Ok();
                                      }));
  VT_RETURN_IF_ERROR(link_.DrainReplies("solver " + config_.name,
                                        [this](const Message& m) { OnDirect(m); }));
  return link_.DrainEvents([this](const Message& m) { return OnEvent(m); });
}

Status Solver::OnEvent(const Message& m) {
  if (m.type == Shutdown::kType) {
    shutdown_ = true;
    return Status::Ok();
  }
  if (m.type == TaskSettled::kType) {
    Forget(m.task);
    return Status::Ok();
  }
  if (m.type == ForcedErrorRevealed::kType) {
    auto r = Unpack<ForcedErrorRevealed>(m);
    if (r.ok() && r->forced && real_traces_.count(m.task) > 0) {
      return OnForcedErrorRevealed(m.task);
    }
    return Status::Ok();
  }
  if (m.type == ProofPosted::kType) {
    // The arbiter verifies the real trace this solver opened before a
    // restart (it republishes the proof, not the reveal, once the real
    // trace is open): the restarted solver, which trained both again,
    // serves and defends the real one. Nothing is sent: it is open already.
    auto p = Unpack<ProofPosted>(m);
    auto kept = real_traces_.find(m.task);
    if (p.ok() && p->real_trace && kept != real_traces_.end() &&
        p->trace_root == kept->second.opening.trace_root) {
      spdlog::info("solver {}: {}'s real trace {} is being verified; serving it", config_.name,
                   m.task, p->trace_root.Hex());
      (void)SwitchToRealTrace(m.task);
    }
    return Status::Ok();
  }
  if (m.type == DisputeOpened::kType) {
    auto d = Unpack<DisputeOpened>(m);
    if (d.ok() && d->solver == config_.name) return OnDisputeOpened(m.task, *d);
    return Status::Ok();
  }
  if (m.type == CheckpointDemand::kType) {
    auto d = Unpack<CheckpointDemand>(m);
    if (d.ok() && d->solver == config_.name && d->state == "open") OnDemand(m.task, d->index);
    return Status::Ok();
  }
  if (m.type == GameUpdate::kType) {
    auto u = Unpack<GameUpdate>(m);
    if (u.ok() && defences_.count(m.task) > 0) return OnGameUpdate(m.task, *u);
    return Status::Ok();
  }
  if (m.type != TaskAssigned::kType) return Status::Ok();
  auto assigned = Unpack<TaskAssigned>(m);
  if (!assigned.ok()) {
    spdlog::warn("solver: bad task_assigned: {}", assigned.status().ToString());
    return Status::Ok();
  }
  if (assigned->spec.solver == config_.name) {
    peers_.insert(assigned->spec.verifiers.begin(), assigned->spec.verifiers.end());
  }
  if (assigned->spec.solver != config_.name || traces_.count(m.task) > 0 || training_ ||
      failed_.count(m.task) > 0 || settled_.count(m.task) > 0) {
    return Status::Ok();  // also the arbiter republishing an assignment already handled
  }
  Status noticed = AwaitNotice(m.task);
  if (!noticed.ok()) {
    spdlog::warn("solver: {}: {}; training without a forced error", m.task, noticed.ToString());
  }
  steps_computed_ = 0;
  Status s = Train(m.task, assigned->spec);
  // Training's freed memory (states, gradients, the checkpoints written)
  // goes back to the system before the solver serves (allocator_tuning.h).
  ReleaseFreedMemory();
  if (!s.ok()) {
    // A task the solver cannot train is not a crash of the solver. It tells
    // the arbiter at once (a full disk does not empty itself before the
    // training deadline), which settles the task as the deadline would.
    spdlog::error("solver: training {} failed: {}", m.task, s.ToString());
    failed_.insert(m.task);
    if (!shutdown_ && settled_.count(m.task) == 0) {
      // With the steps it computed before it failed: its compute cost.
      Status told =
          link_.Request(Pack(TrainingFailed{s.ToString(), steps_computed_}, m.task)).status();
      if (!told.ok()) spdlog::warn("solver: telling the arbiter: {}", told.ToString());
    }
    // But a failure of the code (a behaviour's, a plug-in job's, LibTorch's
    // on a step) is the simulator's, not the solver's: settled as the
    // deadline, it read as a solver that timed out and was slashed, in a
    // run that exited 0. The solver process fails instead, and the run
    // with it, naming the error.
    if (s.code() == Status::Code::kInternal) return s.WithContext("training " + m.task);
  }
  return Status::Ok();
}

void Solver::Forget(const std::string& task) {
  // A settled task is never disputed or fetched again: its job (and the
  // data it loaded), trace and defence go. Its checkpoint files stay in the
  // work dir (removed with it at the end of the run).
  if (!settled_.insert(task).second) return;
  if (auto t = traces_.find(task); t != traces_.end()) {
    for (const std::string& file : t->second.files) checkpoints_.Forget(file);
  }
  traces_.erase(task);
  defences_.erase(task);
  delivered_.erase(task);
  forced_errors_.erase(task);
  real_traces_.erase(task);
  failed_.erase(task);
}

std::optional<RealTrace> Solver::SwitchToRealTrace(const std::string& task) {
  auto kept = real_traces_.find(task);
  auto posted = traces_.find(task);
  if (kept == real_traces_.end() || posted == traces_.end()) return std::nullopt;
  // From here on every fetch, demand and dispute is about the real trace;
  // the checkpoints delivered for the posted one are not the real ones.
  Trace real = std::move(kept->second.trace);
  real.job = std::move(posted->second.job);
  posted->second = std::move(real);
  RealTrace opening = kept->second.opening;
  real_traces_.erase(kept);
  delivered_.erase(task);
  return opening;
}

Status Solver::OnForcedErrorRevealed(const std::string& task) {
  std::optional<RealTrace> switched = SwitchToRealTrace(task);
  if (!switched) return Status::Ok();
  const RealTrace opening = *switched;
  if (!behaviour_->OpensRealTrace()) {
    spdlog::info("solver {}: not opening the real trace of {} (behaviour {})", config_.name, task,
                 behaviour_->name());
    return Status::Ok();
  }
  spdlog::info("solver {}: {}'s forced error is revealed; opening the real trace {}",
               config_.name, task, opening.trace_root.Hex());
  return link_.Request(Pack(opening, task)).status();
}

void Solver::OnDirect(const Message& m) {
  if (m.type != ForcedErrorNotice::kType) return;
  auto notice = Unpack<ForcedErrorNotice>(m);
  if (!notice.ok()) {
    spdlog::warn("solver: bad forced_error_notice: {}", notice.status().ToString());
    return;
  }
  forced_errors_[m.task] = notice->forced;
}

Status Solver::AwaitNotice(const std::string& task) {
  if (forced_errors_.count(task) > 0) return Status::Ok();
  VT_ASSIGN_OR_RETURN(uint64_t rid, link_.Request(Pack(ForcedErrorQuery{}, task)));
  VT_RETURN_IF_ERROR(link_.AwaitReply(rid, std::chrono::seconds(30),
                                      [this](const Message& m) { OnDirect(m); })
                         .WithContext("forced-error notice"));
  // Answered: by the notice, or by a refusal.
  if (forced_errors_.count(task) == 0) {
    return Status::FailedPrecondition("the arbiter refused the query");
  }
  return Status::Ok();
}

Status Solver::Train(const std::string& task, const TaskSpec& spec) {
  const bool forced = forced_errors_.count(task) > 0 && forced_errors_.at(task);
  training_ = true;
  struct Reset {
    bool& flag;
    ~Reset() { flag = false; }
  } reset{training_};
  const auto start = std::chrono::steady_clock::now();
  nlohmann::json job_json = spec.job;
  job_json["dtype"] = config_.profile.value("dtype", std::string("float32"));
  VT_ASSIGN_OR_RETURN(JobConfig job_config, JobConfig::FromJson(job_json));
  VT_ASSIGN_OR_RETURN(auto job, MakeJob(job_config));
  const double setup_seconds = Seconds(start);

  const std::string dir = config_.work_dir + "/" + config_.name + "/" + task;
  ::mkdir((config_.work_dir + "/" + config_.name).c_str(), 0700);
  ::mkdir(dir.c_str(), 0700);

  TaskContext context{task, job_config, spec.steps, spec.checkpoint_interval, config_.seed};
  VT_RETURN_IF_ERROR(behaviour_->StartTask(*job, context).WithContext(behaviour_->name()));
  VT_ASSIGN_OR_RETURN(OptimizerConfig task_optimizer, job_config.Optimizer());
  const nlohmann::json task_optimizer_json = task_optimizer.ToJson();

  // Tensors hash in parallel on the profile's threads (the result is the
  // same for any thread count).
  VT_ASSIGN_OR_RETURN(HardwareProfile profile, HardwareProfile::FromJson(config_.profile));
  CheckpointRecorder recorder(dir, profile.threads, env_);
  // A forced error's real trace, recorded beside the wrong one.
  std::unique_ptr<CheckpointRecorder> real_recorder;
  if (forced) {
    ::mkdir((dir + "/real").c_str(), 0700);
    real_recorder = std::make_unique<CheckpointRecorder>(dir + "/real", profile.threads, env_);
  }
  auto meta_of = [&](int64_t index, int64_t step) {
    // "optimizer": the hyper-parameters the solver claims for the interval
    // that starts here (proof-of-learning's prover-stated ones). Verifiers
    // take them from the task; they only report a claim that differs.
    // "run": the run's id, so that a restart adopts no other run's file.
    return nlohmann::json{{"run", config_.run_id},
                          {"task", task},
                          {"index", index},
                          {"step", step},
                          {"optimizer", behaviour_->ClaimedOptimizer(index, task_optimizer_json)}};
  };
  auto checkpoint = [&](const TensorMap& state, int64_t index, int64_t step) -> Status {
    return recorder.Record(state, index, meta_of(index, step));
  };
  auto real_checkpoint = [&](const TensorMap& state, int64_t index, int64_t step) -> Status {
    if (!real_recorder) return Status::Ok();
    return real_recorder->Record(state, index, meta_of(index, step));
  };

  const int64_t k = spec.checkpoint_interval;
  // Steps an earlier process of this solver computed for the task before
  // it crashed (solver/resume.h): the task cost them too.
  const int64_t steps_before = StepsComputedBefore(dir);
  steps_computed_ = steps_before;
  TensorMap state;
  int64_t first_step = 0;
  ResumePoint resume;
  if (behaviour_->name() == "honest" && !forced) {
    VT_ASSIGN_OR_RETURN(resume, AdoptCheckpoints(dir, config_.run_id, task, k, spec.intervals(),
                                                 recorder));
  }
  if (resume.index >= 0) {
    state = std::move(resume.state);
    first_step = resume.index * k;
    spdlog::info("solver {}: resuming {} from checkpoint {} (step {}) on disk", config_.name, task,
                 resume.index, first_step);
  } else {
    state = job->InitialState(job_config.init_seed);
    VT_ASSIGN_OR_RETURN(state, behaviour_->Commit(*job, 0, std::move(state)));
    VT_RETURN_IF_ERROR(checkpoint(state, 0, 0));
    VT_RETURN_IF_ERROR(real_checkpoint(state, 0, 0));
  }
  auto train_start = std::chrono::steady_clock::now();
  auto last_pump = train_start;
  for (int64_t step = first_step; step < spec.steps; ++step) {
    VT_ASSIGN_OR_RETURN(state, behaviour_->Step(*job, std::move(state)));
    steps_computed_ = StepsComputedInAll(steps_before, behaviour_->steps_computed());
    if ((step + 1) % k == 0) {
      VT_ASSIGN_OR_RETURN(state, behaviour_->Commit(*job, (step + 1) / k, std::move(state)));
      if (forced) {
        // A forced error: the committed checkpoint (and so the posted update
        // norm) is wrong on purpose; training goes on from the true state.
        VT_ASSIGN_OR_RETURN(TensorMap wrong,
                            VisibleForcedErrorState(state, spec.mode, spec.verification, k,
                                                    (step + 1) / k));
        VT_RETURN_IF_ERROR(checkpoint(wrong, (step + 1) / k, step + 1));
        VT_RETURN_IF_ERROR(real_checkpoint(state, (step + 1) / k, step + 1));
      } else {
        VT_RETURN_IF_ERROR(checkpoint(state, (step + 1) / k, step + 1));
      }
      KeepStepsComputed(dir, StepsComputedInAll(steps_before, behaviour_->steps_computed()));
      if (crash_.Due("training", (step + 1) / k)) {
        VT_RETURN_IF_ERROR(recorder.Finish());  // the checkpoint is on disk
        crash_.Reached("training", (step + 1) / k);
      }
    }
    if (Seconds(last_pump) > 0.05) {  // stay responsive while training
      VT_RETURN_IF_ERROR(Pump(0));
      last_pump = std::chrono::steady_clock::now();
      if (shutdown_) return Status::Unavailable("shut down while training");
      if (settled_.count(task) > 0) {
        return Status::FailedPrecondition("the task settled while training");
      }
    }
  }
  const double train_seconds = Seconds(train_start);
  VT_ASSIGN_OR_RETURN(double accuracy, job->TestAccuracy(state));
  // Every checkpoint hashed and its file's space reserved, before what the
  // recorder counted is read: the trace can be committed while the last
  // checkpoint's bytes, fsyncs and rename go on.
  VT_RETURN_IF_ERROR(recorder.WaitUntilCommittable());
  nlohmann::json training = {{"steps", spec.steps},
                             {"behaviour", behaviour_->name()},
                             {"trains_honestly", behaviour_->TrainsHonestly()},
                             {"test_accuracy", accuracy},
                             {"dataset_root", job->DatasetRoot().Hex()},
                             {"seconds", Seconds(start)},
                             {"setup_seconds", setup_seconds},
                             {"train_seconds", train_seconds},
                             {"hash_seconds", recorder.hash_seconds()},
                             // the writes in place by the commit: all
                             // but the last checkpoint's
                             {"write_seconds", recorder.write_seconds()},
                             {"checkpoint_bytes", recorder.checkpoint_bytes()},
                             {"checkpoint_file_bytes", recorder.file_bytes()},
                             {"step_flops", job->StepFlops()},
                             {"steps_computed",
                              StepsComputedInAll(steps_before, behaviour_->steps_computed())},
                             {"attack", behaviour_->Report()},
                             {"profile", config_.profile}};
  Status committed = CommitTrace(task, spec, std::move(job), recorder, real_recorder.get(),
                                 std::move(training));
  // The last checkpoint in place. The commitment is out: a failure here
  // (an fsync's I/O error) leaves a checkpoint the solver cannot serve,
  // as a lost disk would.
  if (Status written = recorder.Finish(); !written.ok()) {
    spdlog::error("solver {}: {} committed, but its last checkpoint was not written: {}",
                  config_.name, task, written.ToString());
  }
  return committed;
}

Status Solver::CommitTrace(const std::string& task, const TaskSpec& spec,
                           std::unique_ptr<TrainingJob> job, CheckpointRecorder& recorder,
                           CheckpointRecorder* real_recorder, nlohmann::json training) {
  Trace trace;

  auto trace_of = [](const CheckpointRecorder& r) {
    Trace t;
    t.files = r.files();
    t.hashes = r.hashes();
    std::vector<Digest> leaves;
    for (const auto& h : t.hashes) leaves.push_back(MerkleLeafHash(h));
    t.tree = std::make_unique<MerkleTree>(leaves);
    return t;
  };
  trace = trace_of(recorder);
  // The commitment to the real trace: the posted one unless forced.
  RealTrace opening;
  opening.nonce = RealTraceNonce(config_.seed, task);
  if (real_recorder) {
    VT_RETURN_IF_ERROR(real_recorder->Finish());
    RealTraceKept kept{trace_of(*real_recorder), {}};
    opening.trace_root = kept.trace.tree->root();
    opening.final_state_hash = kept.trace.hashes.back();
    opening.update_norms = real_recorder->norms();
    kept.trace.spec = spec;
    kept.opening = opening;
    kept.opening.num_checkpoints = static_cast<int64_t>(kept.trace.hashes.size());
    real_traces_[task] = std::move(kept);
  } else {
    opening.trace_root = trace.tree->root();
    opening.final_state_hash = trace.hashes.back();
  }
  opening.num_checkpoints = static_cast<int64_t>(trace.hashes.size());

  TraceCommit commit;
  commit.trace_root = trace.tree->root();
  commit.final_state_hash = trace.hashes.back();
  commit.num_checkpoints = static_cast<int64_t>(trace.hashes.size());
  commit.update_norms = recorder.norms();
  commit.serve_endpoint = serve_endpoint_;
  commit.real_commitment = RealTraceCommitment(
      task, {opening.trace_root, opening.final_state_hash, opening.num_checkpoints, opening.nonce});
  commit.training = std::move(training);
  trace.job = std::move(job);
  trace.spec = spec;
  traces_[task] = std::move(trace);
  spdlog::info("solver {}: trained {} steps of {} in {:.2f} s, test accuracy {:.4f}; trace root {}",
               config_.name, spec.steps, spec.job.value("name", std::string()),
               commit.training["train_seconds"].get<double>(),
               commit.training["test_accuracy"].get<double>(), commit.trace_root.Hex());
  return link_.Request(Pack(commit, task)).status();
}

void Solver::Serve(const Message& m, const std::string& routing_id) {
  // A request is resent until answered, and a state's answer takes longer
  // to send than the first resend waits: a resend that arrives while the
  // answer to the same request is still on its way is not answered again
  // (with a large model, every answer is a state more of memory here and
  // at the verifier). One asked again once its answer has left, or was
  // lost before it left, is answered.
  const auto key = std::make_pair(m.from, m.rid);
  for (auto it = sending_.begin(); it != sending_.end();) {
    it = it->second.expired() ? sending_.erase(it) : std::next(it);
  }
  if (m.rid != 0 && sending_.count(key) > 0) {
    spdlog::info("solver {}: {} asked again for request {}, whose answer is on its way",
                 config_.name, m.from, m.rid);
    return;
  }
  Message out;
  if (m.type == FetchDisputeData::kType) {
    if (!behaviour_->ServesDisputeData()) {
      spdlog::info("solver {}: not serving dispute data to {} (behaviour {})", config_.name,
                   m.from, behaviour_->name());
      return;
    }
    auto fetch = Unpack<FetchDisputeData>(m);
    auto data = fetch.ok() ? DisputeDataFor(m.task, m.from, *fetch) : fetch.status();
    out = data.ok() ? Pack(*data, m.task) : Pack(Ack{false, data.status().message(), {}}, m.task);
    if (!data.ok()) {
      spdlog::warn("solver: refused dispute data to {}: {}", m.from, data.status().message());
    }
  } else {
    auto fetch = Unpack<FetchCheckpoint>(m);
    const CheckpointServing serving = fetch.ok() ? behaviour_->ServesCheckpoint(fetch->index, /*to_arbiter=*/false)
                                                 : CheckpointServing::kServe;
    if (serving == CheckpointServing::kSilent) return;  // unreachable
    auto reply = serving == CheckpointServing::kRefuse
                     ? Result<CheckpointReply>(Status::Unavailable(
                           "checkpoint " + std::to_string(fetch->index) + " is withheld"))
                     : CheckpointFor(m);
    if (reply.ok() && serving == CheckpointServing::kBadProof) CorruptProof(&reply->proof);
    out = reply.ok() ? Pack(*reply, m.task) : Pack(Ack{false, reply.status().message(), {}}, m.task);
    if (!reply.ok()) {
      spdlog::warn("solver: refused a fetch from {}: {}", m.from, reply.status().message());
    }
  }
  out.rid = m.rid;
  if (m.rid != 0 && !out.tensors.empty()) {
    // The token lives as long as any of the answer's tensor frames: the
    // transport sends them without copying and frees them once sent (or
    // dropped).
    auto token = std::make_shared<const int>(0);
    for (TensorData& t : out.tensors) {
      auto owner = std::make_shared<const std::pair<Bytes, std::shared_ptr<const int>>>(t.bytes,
                                                                                        token);
      t.bytes = Bytes::Borrow(owner, owner->first.data(), owner->first.size());
    }
    sending_[key] = token;
  }
  Status s = messenger_.Send(serve_, out, &routing_id);
  if (!s.ok()) spdlog::warn("solver: {}", s.ToString());
}

Result<CheckpointReply> Solver::CheckpointFor(const Message& m) {
  VT_ASSIGN_OR_RETURN(FetchCheckpoint fetch, Unpack<FetchCheckpoint>(m));
  return ReadCommitted(m.task, fetch);
}

void Solver::OnDemand(const std::string& task, int64_t index) {
  if (traces_.count(task) == 0 || !delivered_[task].insert(index).second) return;
  const CheckpointServing serving = behaviour_->ServesCheckpoint(index, /*to_arbiter=*/true);
  if (serving == CheckpointServing::kSilent || serving == CheckpointServing::kRefuse) {
    spdlog::info("solver {}: not delivering checkpoint {} of {} (behaviour {})", config_.name,
                 index, task, behaviour_->name());
    return;
  }
  FetchCheckpoint fetch;
  fetch.index = index;
  auto read = ReadCommitted(task, fetch);
  if (!read.ok()) {
    spdlog::error("solver {}: cannot deliver checkpoint {} of {}: {}", config_.name, index, task,
                  read.status().ToString());
    return;
  }
  CheckpointDelivery delivery;
  delivery.index = index;
  delivery.state_hash = read->state_hash;
  delivery.proof = read->proof;
  delivery.tensors = std::move(read->tensors);
  delivery.tensor_hashes = std::move(read->tensor_hashes);
  if (serving == CheckpointServing::kBadProof) CorruptProof(&delivery.proof);
  spdlog::info("solver {}: delivering checkpoint {} of {} to the arbiter", config_.name, index,
               task);
  Status sent = link_.Request(Pack(delivery, task)).status();
  if (!sent.ok()) spdlog::warn("solver {}: delivering: {}", config_.name, sent.ToString());
}

Result<CheckpointReply> Solver::ReadCommitted(const std::string& task,
                                              const FetchCheckpoint& fetch) {
  auto it = traces_.find(task);
  if (it == traces_.end()) return Status::NotFound("no trace for task '" + task + "'");
  const Trace& trace = it->second;
  if (fetch.index >= static_cast<int64_t>(trace.files.size())) {
    return Status::InvalidArgument("checkpoint index " + std::to_string(fetch.index) +
                                   " out of range");
  }
  // Verified in full on its first read only; the receiver checks every
  // tensor against its hash in any case.
  auto ckpt = checkpoints_.Read(trace.files[fetch.index]);
  if (!ckpt.ok()) return Status::IOError("cannot read checkpoint: " + ckpt.status().message());
  CheckpointReply reply;
  reply.index = fetch.index;
  reply.state_hash = ckpt->state_hash;
  reply.proof = trace.tree->Prove(static_cast<size_t>(fetch.index));
  reply.meta = ckpt->meta;
  if (fetch.with_tensors) {
    reply.tensors = std::move(ckpt->state);
    reply.tensor_hashes = std::move(ckpt->tensor_hashes);
  }
  return reply;
}

}  // namespace veritrain
