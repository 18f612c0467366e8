#include "verifier/verifier.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>

#include <sys/stat.h>

#include "core/crypto/merkle.h"
#include "core/protocol/commit_reveal.h"
#include "core/protocol/interval_selection.h"
#include "core/protocol/task_draws.h"
#include "core/state/atomic_file.h"
#include "core/state/non_finite.h"
#include "core/state/state_hash.h"
#include "core/train/torch_bridge.h"
#include "core/transport/role_report.h"
#include "core/transport/zmq_frames.h"
#include "verifier/kept_verdict.h"
#include "verifier/tolerance.h"

namespace veritrain {
namespace {


double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

Verdict MakeChallenge(int64_t interval, const std::string& reason, nlohmann::json intervals,
                      int64_t steps, double seconds) {
  Verdict v;
  v.accept = false;
  v.disputed_interval = interval;
  v.reason = reason;
  v.intervals = std::move(intervals);
  v.steps_reexecuted = steps;
  v.seconds = seconds;
  return v;
}

// The hashes of a disputed interval's checkpoints with their proofs: what
// a challenge carries for the arbiter to open the game.
nlohmann::json IntervalEvidence(const CheckpointReply& begin, const CheckpointReply& end) {
  return {{"start", {{"hash", begin.state_hash.Hex()}, {"proof", ProofToJson(begin.proof)}}},
          {"end", {{"hash", end.state_hash.Hex()}, {"proof", ProofToJson(end.proof)}}}};
}

torch::ScalarType ScalarTypeOf(const std::string& dtype) {
  return dtype == "float64" ? torch::kFloat64 : torch::kFloat32;
}

}  // namespace

Verdict Abstention(const std::string& reason, nlohmann::json intervals, int64_t steps,
                   double seconds) {
  Verdict v;
  v.accept = false;
  v.abstain = true;
  v.disputed_interval = -1;
  v.reason = reason;
  v.intervals = std::move(intervals);
  v.steps_reexecuted = steps;
  v.seconds = seconds;
  return v;
}

Result<std::unique_ptr<Verifier>> Verifier::Create(zmq::context_t& ctx,
                                                   const RoleConfig& config) {
  if (config.role != "verifier") {
    return Status::InvalidArgument("role config: role must be 'verifier'");
  }
  VT_ASSIGN_OR_RETURN(Identity id, LoadIdentityFile(config.identity_file));
  VT_ASSIGN_OR_RETURN(KeyDirectory keys, config.Keys());
  VT_ASSIGN_OR_RETURN(auto behaviour,
                      MakeVerifierBehaviour(config.behaviour, config.behaviour_params));
  VT_ASSIGN_OR_RETURN(FaultPlan faults, config.Faults());
  VT_ASSIGN_OR_RETURN(RetryPolicy retry, config.Retry());
  VT_ASSIGN_OR_RETURN(auto curve, RoleCurve::FromConfig(config));
  std::unique_ptr<Verifier> v(new Verifier(
      ctx, config, Messenger(config.name, std::move(id), std::move(keys)), std::move(behaviour),
      retry));
  if (faults.any()) v->messenger_.InjectFaults(faults);
  v->curve_ = std::move(curve);
  return v;
}

Verifier::Verifier(zmq::context_t& ctx, RoleConfig config, Messenger messenger,
                   std::unique_ptr<VerifierBehaviour> behaviour, RetryPolicy retry)
    : ctx_(ctx),
      config_(std::move(config)),
      messenger_(std::move(messenger)),
      behaviour_(std::move(behaviour)),
      retry_(retry),
      crash_(config_.crash),
      link_(ctx, messenger_, config_.arbiter_requests, config_.arbiter_events, retry) {}

Status Verifier::Run() {
  VT_RETURN_IF_ERROR(link_.Connect(std::chrono::seconds(60), curve_ ? &*curve_ : nullptr));
  VT_RETURN_IF_ERROR(link_.Request(Pack(Hello{"verifier", ""})).status());
  spdlog::info("verifier {}: joined", config_.name);
  while (!shutdown_) VT_RETURN_IF_ERROR(Pump(1000));
  spdlog::info("verifier {}: shutting down", config_.name);
  Status left = link_.Leave(std::chrono::seconds(2));
  if (!left.ok()) spdlog::info("verifier {}: {}", config_.name, left.ToString());
  return WriteRoleReport(config_.out_dir, messenger_, nullptr,
                         {{"resends", link_.resends()},
                          {"arbiter_silences", link_.arbiter_silences()}});
}

Status Verifier::Pump(int64_t timeout_ms) {
  zmq::pollitem_t items[] = {{link_.sub().handle(), 0, ZMQ_POLLIN, 0},
                             {link_.dealer().handle(), 0, ZMQ_POLLIN, 0}};
  VT_RETURN_IF_ERROR(
      PollSockets(items, 2, link_.PollTimeout(std::chrono::milliseconds(timeout_ms))).status());
  VT_RETURN_IF_ERROR(link_.Tick());
  VT_RETURN_IF_ERROR(link_.DrainReplies("verifier " + config_.name));
  return link_.DrainEvents([this](const Message& m) { return OnEvent(m); });
}

Status Verifier::OnEvent(const Message& m) {
  if (m.type == Shutdown::kType) {
    shutdown_ = true;
  } else if (m.type == TaskSettled::kType) {
    // Nothing is asked of a verifier on a settled task: its job (and the
    // data it loaded), its checked state and its side of the game go.
    if (settled_.insert(m.task).second) {
      assignments_.erase(m.task);
      challenges_.erase(m.task);
    }
  } else if (m.type == TaskAssigned::kType) {
    auto a = Unpack<TaskAssigned>(m);
    if (!a.ok()) {
      spdlog::warn("verifier: bad task_assigned: {}", a.status().ToString());
      return Status::Ok();
    }
    return OnAssigned(m.task, *a);
  } else if (m.type == DisputeOpened::kType) {
    auto d = Unpack<DisputeOpened>(m);
    if (d.ok() && d->challenger == config_.name) return OnDisputeOpened(m.task, *d);
  } else if (m.type == GameUpdate::kType) {
    auto u = Unpack<GameUpdate>(m);
    if (u.ok() && challenges_.count(m.task) > 0) return OnGameUpdate(m.task, *u);
  } else if (m.type == ProofPosted::kType) {
    auto p = Unpack<ProofPosted>(m);
    if (!p.ok()) {
      spdlog::warn("verifier: bad proof_posted: {}", p.status().ToString());
      return Status::Ok();
    }
    return OnProofPosted(m.task, *p);
  }
  return Status::Ok();
}

Status Verifier::OnAssigned(const std::string& task, const TaskAssigned& assigned) {
  const auto& vs = assigned.spec.verifiers;
  if (std::find(vs.begin(), vs.end(), config_.name) == vs.end()) return Status::Ok();
  if (assignments_.count(task) > 0 || settled_.count(task) > 0) return Status::Ok();
  Assignment a;
  a.spec = assigned.spec;
  a.commitment = assigned.randomness_commitment;
  nlohmann::json job_json = a.spec.job;
  job_json["dtype"] = config_.profile.value("dtype", std::string("float32"));
  auto job_config = JobConfig::FromJson(job_json);
  if (job_config.ok()) {
    a.job_config = *job_config;
    auto optimizer = job_config->Optimizer();
    if (optimizer.ok()) a.task_optimizer = optimizer->ToJson();
    // Load the job (and its data) now, while the solver trains, when this
    // verifier is sure to check; one of a larger pool (a market's) loads it
    // once the arbiter's draw selects it.
    const int64_t drawn = a.spec.economics.verifiers_per_task;
    if (drawn <= 0 || static_cast<int64_t>(vs.size()) <= drawn) BuildJob(task, a);
  } else {
    a.job_error = job_config.status().ToString();
    spdlog::error("verifier: bad job in {}: {}", task, a.job_error);
  }
  assignments_.emplace(task, std::move(a));
  return Status::Ok();
}

void Verifier::BuildJob(const std::string& task, Assignment& a) {
  if (a.job || !a.job_error.empty()) return;
  auto job = MakeJob(a.job_config);
  if (job.ok()) {
    a.job = std::move(job).value();
  } else {
    a.job_error = job.status().ToString();
    spdlog::error("verifier: cannot build the job of {}: {}", task, a.job_error);
  }
}

Status Verifier::OnProofPosted(const std::string& task, const ProofPosted& posted) {
  auto it = assignments_.find(task);
  if (it == assignments_.end() || !it->second.roots_done.insert(posted.trace_root).second) {
    return Status::Ok();
  }
  Assignment& a = it->second;
  a.posted = posted;
  a.disputed_start.reset();
  a.disputed_end.reset();
  if (posted.real_trace) {
    spdlog::info("verifier {}: {} was a forced error; the solver's real trace {} is posted",
                 config_.name, task, posted.trace_root.Hex());
  }
  // Only the verifiers the arbiter's revealed randomness selects verify.
  const auto selected = SelectVerifiers(posted.randomness_secret, posted.trace_root,
                                        a.spec.verifiers, a.spec.economics.verifiers_per_task);
  if (std::find(selected.begin(), selected.end(), config_.name) == selected.end()) {
    spdlog::info("verifier {}: not selected for {}", config_.name, task);
    return Status::Ok();
  }
  BuildJob(task, a);
  const std::string record = VerdictRecord(task, posted.real_trace);
  if (auto kept = ReadKeptVerdict(record, config_.run_id, task, config_.restarts); kept.ok()) {
    // Posted (or about to be) by this verifier before it restarted.
    spdlog::info("verifier {}: posting again the verdict on {} kept in {}", config_.name, task,
                 record);
    return link_.Request(Pack(*kept, task)).status();
  } else if (kept.status().code() != Status::Code::kNotFound) {
    spdlog::warn("verifier {}: {}; verifying again", config_.name, kept.status().message());
  }
  VerifierTools tools;
  tools.intervals = a.spec.intervals();
  tools.challenge = [&](int64_t interval, const std::string& reason) -> Result<Verdict> {
    zmq::socket_t solver(ctx_, zmq::socket_type::dealer);
    ConfigureSocket(solver);
    if (curve_) VT_RETURN_IF_ERROR(curve_->SecureClientOf(solver, posted.solver));
    try {
      solver.connect(posted.serve_endpoint);
    } catch (const zmq::error_t& e) {
      return Status::Unavailable("cannot reach the solver at " + posted.serve_endpoint);
    }
    return ChallengeWithProofs(solver, task, posted, interval, reason);
  };
  auto verdict = behaviour_->Decide(
      posted.solver, [&] { return Check(task, a, posted); }, tools);
  if (a.withheld) {
    // The solver lost a data-availability challenge: the task settles as
    // withheld, and there is nothing left to vote on.
    spdlog::info("verifier {}: {} is settled as withheld; no verdict", config_.name, task);
    return Status::Ok();
  }
  if (!verdict.ok()) {
    // The verifier itself failed (not the solver): it says so, abstaining,
    // rather than going silent (docs/proof-of-learning.md).
    spdlog::error("verifier: checking {} failed: {}", task, verdict.status().ToString());
    verdict = Abstention("verifying failed: " + verdict.status().ToString(),
                         nlohmann::json::array(), 0, 0);
  }
  spdlog::info("verifier {}: {} {} ({}; {} steps re-executed in {:.2f} s)", config_.name,
               verdict->abstain ? "abstains on" : verdict->accept ? "accepts" : "challenges", task,
               verdict->reason,
               verdict->steps_reexecuted, verdict->seconds);
  verdict->trace_root = posted.trace_root;
  ::mkdir((config_.work_dir + "/" + config_.name).c_str(), 0700);
  ::mkdir((config_.work_dir + "/" + config_.name + "/" + task).c_str(), 0700);
  Status kept = KeepVerdict(record, config_.run_id, task, *verdict);
  if (!kept.ok()) spdlog::warn("verifier {}: cannot keep the verdict: {}", config_.name, kept.ToString());
  return link_.Request(Pack(*verdict, task)).status();
}

std::string Verifier::VerdictRecord(const std::string& task, bool real_trace) const {
  return config_.work_dir + "/" + config_.name + "/" + task +
         (real_trace ? "/verdict-real-trace.json" : "/verdict.json");
}

Result<const TrainingJob*> Verifier::JobFor(Assignment& a, const nlohmann::json& claimed,
                                            const std::string& dtype) {
  const bool use_claim = a.spec.verification.hyperparameters == "prover" && claimed.is_object() &&
                         claimed != a.task_optimizer;
  if (!use_claim && dtype == a.job_config.dtype) return a.job.get();
  const std::string key = (use_claim ? claimed.dump() : std::string("task")) + "|dtype:" + dtype;
  auto it = a.other_jobs.find(key);
  if (it != a.other_jobs.end()) return it->second.get();
  JobConfig config = a.job_config;
  config.dtype = dtype;
  if (use_claim) {
    VT_RETURN_IF_ERROR(OptimizerConfig::FromJson(claimed, "claimed optimizer").status());
    config.params["optimizer"] = claimed;
  }
  VT_ASSIGN_OR_RETURN(auto job, MakeJob(config));
  const TrainingJob* out = job.get();
  a.other_jobs.emplace(key, std::move(job));
  return out;
}

Result<const TrainingJob*> Verifier::JobInDtype(Assignment& a, const std::string& dtype) {
  return JobFor(a, nlohmann::json(), dtype);
}

Result<Verdict> Verifier::Check(const std::string& task, Assignment& a,
                                const ProofPosted& posted) {
  const auto start = std::chrono::steady_clock::now();
  nlohmann::json report = nlohmann::json::array();
  int64_t steps = 0;
  auto abstain = [&](const std::string& why) {
    return Abstention(why, report, steps, Seconds(start));
  };
  if (!a.job) return abstain("the task's job could not be built: " + a.job_error);
  const TaskSpec& spec = a.spec;
  const int64_t k = spec.checkpoint_interval;
  const bool tolerance = spec.mode == "tolerance";
  const VerificationPolicy& policy = spec.verification;

  // The secret must be the one committed before training started.
  if (!CheckReveal(a.commitment, posted.randomness_secret).ok()) {
    return abstain("the arbiter's revealed secret does not match its commitment");
  }
  if (posted.num_checkpoints != spec.intervals() + 1) {
    return abstain("the trace has " + std::to_string(posted.num_checkpoints) +
                   " checkpoints, not " + std::to_string(spec.intervals() + 1));
  }
  const Digest seed = DeriveSeed(posted.randomness_secret, posted.trace_root,
                                 "random-intervals/" + config_.name);
  VT_ASSIGN_OR_RETURN(auto chosen, SelectIntervals(spec.intervals(), posted.update_norms,
                                                   spec.top_q, spec.random_samples, seed));

  zmq::socket_t solver(ctx_, zmq::socket_type::dealer);
  ConfigureSocket(solver);
  if (curve_) VT_RETURN_IF_ERROR(curve_->SecureClientOf(solver, posted.solver));
  try {
    solver.connect(posted.serve_endpoint);
  } catch (const zmq::error_t& e) {
    return abstain("cannot reach the solver at " + posted.serve_endpoint);
  }
  // The solver has its game clock (at most kFetchTimeout) to serve a
  // checkpoint; past it the verifier asks the arbiter instead.
  const auto fetch_timeout = std::chrono::milliseconds(std::clamp<int64_t>(
      static_cast<int64_t>(std::min(spec.game_clock_s, 1e6) * 1000.0), 1000,
      kFetchTimeout.count()));

  // Every selected interval is checked; the first that fails is disputed,
  // with its committed hashes and proofs, and its start and end states are
  // kept for the game.
  std::optional<Verdict> challenge;
  for (const auto& interval : chosen) {
    crash_.Reached("verification", static_cast<int64_t>(report.size()));
    const auto t0 = std::chrono::steady_clock::now();
    const int64_t i = interval.index;
    const std::string name = "interval " + std::to_string(i);
    nlohmann::json entry = {{"index", i}, {"reason", interval.reason},
                            {"first_step", i * k}, {"steps", k}};
    if (!posted.update_norms.empty()) entry["claimed_update_norm"] = posted.update_norms[i];
    // A checked interval matches or not; one that could not be checked
    // (a checkpoint not served, a failure of the verifier's own) says so.
    auto done = [&](const std::string& why) {
      entry["checked"] = true;
      entry["match"] = why.empty();
      entry["seconds"] = Seconds(t0);
      report.push_back(entry);
    };
    auto unchecked = [&](const Status& why) {
      entry["checked"] = false;
      entry["error"] = why.ToString();
      entry["seconds"] = Seconds(t0);
      report.push_back(entry);
    };
    // A checkpoint the solver does not serve, or serves with a bad proof,
    // is not the verifier's failure, but neither can it be disputed in a
    // game: the verifier abstains and says why.
    auto begin = Fetch(solver, task, posted, i, /*with_tensors=*/true, fetch_timeout);
    if (!begin.ok()) {
      begin = DemandFromArbiter(task, a, posted, i,
                                "the solver's checkpoint " + std::to_string(i) + ": " +
                                    begin.status().message());
    }
    if (!begin.ok()) {
      unchecked(begin.status());
      return abstain("the start checkpoint of " + name + ": " + begin.status().message());
    }
    auto end = Fetch(solver, task, posted, i + 1, /*with_tensors=*/tolerance, fetch_timeout);
    if (!end.ok()) {
      end = DemandFromArbiter(task, a, posted, i + 1,
                              "the solver's checkpoint " + std::to_string(i + 1) + ": " +
                                  end.status().message());
    }
    if (!end.ok()) {
      unchecked(end.status());
      return abstain("the end checkpoint of " + name + ": " + end.status().message());
    }
    entry["start_hash"] = begin->state_hash.Hex();
    entry["expected_end_hash"] = end->state_hash.Hex();
    auto fail = [&](const std::string& why) {
      done(why);
      if (challenge) return;
      challenge = MakeChallenge(i, why, nlohmann::json::array(), 0, 0);
      challenge->evidence = IntervalEvidence(*begin, *end);
      // The game compares against the solver's own committed states: keep
      // the interval's start and, when fetched, its end.
      auto first = FromState(begin->tensors);
      if (first.ok()) a.disputed_start = std::move(first).value();
      a.disputed_end.reset();
      if (!end->tensors.empty()) {
        auto last = FromState(end->tensors);
        if (last.ok()) a.disputed_end = std::move(last).value();
      }
    };
    VT_ASSIGN_OR_RETURN(TensorMap state, FromState(begin->tensors));
    const std::string committed_dtype = CommittedDtype(state);
    entry["committed_dtype"] = committed_dtype;
    if (i == 0) {
      // Checkpoint 0 is fixed by the task: the job's initial state, in the
      // precision the solver committed in.
      VT_ASSIGN_OR_RETURN(const TrainingJob* reference, JobInDtype(a, committed_dtype));
      VT_ASSIGN_OR_RETURN(Digest init,
                          StateHash(ToState(reference->InitialState(a.job_config.init_seed))));
      if (init != begin->state_hash) {
        done("checkpoint 0 is not the task's initial state");
        // No game is needed: the arbiter recomputes the initial state itself
        // and compares it with the committed checkpoint 0 (proven here).
        Verdict v = MakeChallenge(i, "checkpoint 0 is not the task's initial state", report,
                                  steps, Seconds(start));
        v.evidence = IntervalEvidence(*begin, *end);
        v.evidence["initial_state"] = true;
        return v;
      }
    }
    auto step_it = state.find("meta/step");
    if (step_it == state.end() || step_it->second.numel() != 1 ||
        step_it->second.item<int64_t>() != i * k) {
      // Not the state of the step it stands for: the arbiter checks the
      // committed checkpoint's counter itself (a data-availability
      // challenge), which no game over steps could referee.
      const std::string why =
          "the start checkpoint of " + name + " does not record step " + std::to_string(i * k);
      auto demanded = DemandFromArbiter(task, a, posted, i, why);
      if (a.withheld) {
        unchecked(demanded.status());
        return abstain(why);
      }
      fail(why);
      continue;
    }

    // Hyper-parameters: the task's. What the checkpoint claims is reported.
    const nlohmann::json claimed = begin->meta.value("optimizer", nlohmann::json());
    entry["hyperparameters"] = policy.hyperparameters;
    entry["claimed_optimizer"] = claimed;
    entry["hyperparameter_mismatch"] = OptimizerMismatch(a.task_optimizer, claimed);
    // Exact mode computes in the precision the solver committed in (bits can
    // only be equal there); tolerance mode in the verifier's own.
    const std::string compute_dtype = tolerance ? a.job_config.dtype : committed_dtype;
    entry["compute_dtype"] = compute_dtype;
    auto job = JobFor(a, claimed, compute_dtype);
    if (!job.ok()) {
      if (a.spec.verification.hyperparameters == "prover") {
        entry["error"] = job.status().ToString();
        fail("the start checkpoint of " + name + " claims hyper-parameters that cannot be used: " +
             job.status().message());
        continue;
      }
      unchecked(job.status());
      return abstain("cannot build the job in " + compute_dtype + ": " + job.status().message());
    }
    // The committed start must be a state of the task's job: its tensors'
    // names and shapes. A start that is not is the solver's error.
    Status shaped = CheckStateShape(**job, state);
    if (!shaped.ok()) {
      entry["error"] = shaped.ToString();
      fail("the start checkpoint of " + name + " is not a state of the task's job: " +
           shaped.message());
      continue;
    }
    state = CastFloating(state, ScalarTypeOf(compute_dtype));
    Status reexecuted = Status::Ok();
    for (int64_t s = 0; s < k; ++s) {
      VT_RETURN_IF_ERROR(link_.Tick());  // resends pending requests while re-executing
      auto next = TrainStep(**job, state);
      ++steps;
      if (!next.ok()) {
        reexecuted = next.status();
        break;
      }
      state = std::move(next).value();
    }
    if (!reexecuted.ok()) {
      // The start was a well-formed state: the failure is the verifier's.
      unchecked(reexecuted);
      return abstain("re-executing " + name + " failed: " + reexecuted.message());
    }
    const State computed = ToState(state);
    VT_ASSIGN_OR_RETURN(Digest computed_hash, StateHash(computed));
    entry["computed_end_hash"] = computed_hash.Hex();
    const bool bit_equal = computed_hash == end->state_hash;
    entry["bit_equal"] = bit_equal;
    if (!tolerance && !bit_equal) {
      // Exact mode decides on hashes; fetch the end's tensors only to say
      // how far off the interval is.
      auto full = Fetch(solver, task, posted, i + 1, /*with_tensors=*/true, fetch_timeout);
      if (full.ok()) end = std::move(full);
    }
    bool within = true;
    if (!end->tensors.empty()) {
      auto check = CheckDistances(policy, computed, end->tensors, begin->tensors, k, tolerance);
      if (!check.ok()) {
        entry["error"] = check.status().ToString();
        within = false;
      } else {
        entry["distances"] = check->distances;
        if (!check->raw_distances.is_null()) entry["raw_distances"] = check->raw_distances;
        entry["update_norm"] = check->update_l2;
        if (check->non_finite > 0) entry["non_finite"] = check->non_finite;
        if (!check->non_finite_mismatch.empty()) {
          entry["non_finite_mismatch"] = check->non_finite_mismatch;
        }
        const double opt_l2 = OptimizerStateL2(computed, end->tensors);
        if (opt_l2 >= 0) entry["optimizer_state_l2"] = opt_l2;
        if (tolerance) {
          entry["delta"] = check->delta;
          entry["exceeded"] = check->exceeded;
          within = check->within;
        }
      }
    }
    std::string why;
    // The end's step counter, whenever its tensors are here (tolerance
    // mode; exact mode after a mismatch): a wrong one is for the arbiter
    // to see (a data-availability challenge), not for a game.
    int64_t recorded = (i + 1) * k;
    if (!end->tensors.empty()) {
      const TensorData* end_step = FindTensor(end->tensors, "meta/step");
      recorded = -1;
      if (end_step != nullptr && end_step->dtype == DType::kInt64 && end_step->numel() == 1) {
        std::memcpy(&recorded, end_step->bytes.data(), sizeof(recorded));
      }
    }
    if (recorded != (i + 1) * k) {
      why = "the end checkpoint of " + name + " does not record step " +
            std::to_string((i + 1) * k);
      auto demanded = DemandFromArbiter(task, a, posted, i + 1, why);
      if (a.withheld) {
        unchecked(demanded.status());
        return abstain(why);
      }
    } else if (tolerance) {
      if (!within) {
        why = entry.contains("error")
                  ? "the end checkpoint of " + name + " cannot be compared: " +
                        entry["error"].get<std::string>()
                  : "re-executing " + name + " lands outside δ (" + entry["exceeded"].dump() + ")";
      } else if (entry.contains("claimed_update_norm") && entry.contains("update_norm")) {
        const double claimed_norm = entry["claimed_update_norm"].get<double>();
        const double actual = entry["update_norm"].get<double>();
        if (!SameUpdateNorm(claimed_norm, actual)) {  // NaN matches NaN, +inf +inf
          entry["norm_mismatch"] = true;
          why = "the posted update norm of " + name + " does not match its checkpoints";
        }
      }
    } else if (!bit_equal) {
      why = "re-executing " + name + " gives a different state hash";
    }
    if (why.empty()) {
      done("");
    } else {
      fail(why);
    }
  }
  if (challenge) {
    challenge->intervals = report;
    challenge->steps_reexecuted = steps;
    challenge->seconds = Seconds(start);
    return *challenge;
  }
  Verdict v;
  v.accept = true;
  v.reason = "all " + std::to_string(chosen.size()) + " intervals match" +
             (tolerance ? " within δ" : "");
  v.intervals = report;
  v.steps_reexecuted = steps;
  v.seconds = Seconds(start);
  return v;
}

Result<Message> Verifier::AskSolver(zmq::socket_t& solver, const std::string& task,
                                    const std::string& solver_name, Message request,
                                    const std::string& what, std::chrono::milliseconds timeout) {
  request.rid = messenger_.NewRequestId();
  VT_RETURN_IF_ERROR(messenger_.Send(solver, request));
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int attempts = 0;
  auto resend_at = std::chrono::steady_clock::now() + std::chrono::milliseconds(retry_.BackoffMs(1));
  while (true) {
    const auto now = std::chrono::steady_clock::now();
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    if (left.count() <= 0) return Status::Timeout("the solver did not serve " + what);
    if (now >= resend_at) {
      ++attempts;
      spdlog::info("verifier {}: no answer for {} yet; asking again", config_.name, what);
      VT_RETURN_IF_ERROR(messenger_.Send(solver, request));
      resend_at = now + std::chrono::milliseconds(retry_.BackoffMs(attempts + 1));
    }
    const auto wait = std::min(left, std::chrono::duration_cast<std::chrono::milliseconds>(
                                         resend_at - std::chrono::steady_clock::now()));
    zmq::pollitem_t items[] = {{solver.handle(), 0, ZMQ_POLLIN, 0}};
    VT_RETURN_IF_ERROR(
        PollSockets(items, 1, messenger_.PollTimeout(std::max(wait, std::chrono::milliseconds(0))))
            .status());
    VT_RETURN_IF_ERROR(link_.Tick());
    auto m = messenger_.Receive(solver, /*router=*/false, solver_guard_);
    if (!m.ok()) continue;  // nothing yet, or rejected (logged, counted)
    if (m->from != solver_name || m->task != task) continue;
    if (m->rid != request.rid) continue;  // a late answer to an earlier request
    if (m->type == Ack::kType) {
      auto ack = Unpack<Ack>(*m);
      return Status::Unavailable("the solver refused " + what + ": " +
                                 (ack.ok() ? ack->error : ack.status().message()));
    }
    return std::move(m).value();
  }
}

Result<CheckpointReply> Verifier::Fetch(zmq::socket_t& solver, const std::string& task,
                                        const ProofPosted& posted, int64_t index,
                                        bool with_tensors, std::chrono::milliseconds timeout) {
  FetchCheckpoint req;
  req.index = index;
  req.with_tensors = with_tensors;
  const std::string what = "checkpoint " + std::to_string(index);
  VT_ASSIGN_OR_RETURN(Message m,
                      AskSolver(solver, task, posted.solver, Pack(req, task), what, timeout));
  VT_ASSIGN_OR_RETURN(CheckpointReply reply, Unpack<CheckpointReply>(m));
  VT_RETURN_IF_ERROR(CheckFetched(reply, posted, index, with_tensors));
  return reply;
}

Status Verifier::CheckFetched(const CheckpointReply& reply, const ProofPosted& posted,
                              int64_t index, bool with_tensors) {
  if (reply.index != index) {
    return Status::Corruption("the solver answered with checkpoint " +
                              std::to_string(reply.index));
  }
  if (with_tensors) {
    VT_ASSIGN_OR_RETURN(Digest recomputed, StateHash(reply.tensors));
    if (recomputed != reply.state_hash) {
      return Status::Corruption("tensors hash to " + recomputed.Hex() +
                                ", not the claimed state hash");
    }
  }
  if (reply.proof.index != static_cast<size_t>(index) ||
      reply.proof.tree_size != static_cast<size_t>(posted.num_checkpoints)) {
    return Status::Corruption("the inclusion proof is for another position");
  }
  return VerifyInclusion(MerkleLeafHash(reply.state_hash), reply.proof, posted.trace_root);
}

Result<CheckpointReply> Verifier::DemandFromArbiter(const std::string& task, Assignment& a,
                                                    const ProofPosted& posted, int64_t index,
                                                    const std::string& why) {
  AvailabilityChallenge ask;
  ask.index = index;
  ask.reason = why.substr(0, AvailabilityChallenge::kMaxReason);
  spdlog::info("verifier {}: asking the arbiter for checkpoint {} of {}: {}", config_.name, index,
               task, ask.reason);
  // The demand ends within the game clock; the margin covers a lossy link
  // and an arbiter restart.
  const auto give_up = std::chrono::steady_clock::now() +
                       std::chrono::milliseconds(static_cast<int64_t>(
                           2000.0 * std::min(a.spec.game_clock_s, 3600.0))) +
                       std::chrono::seconds(60);
  for (int attempt = 1;; ++attempt) {
    if (std::chrono::steady_clock::now() > give_up) {
      return Status::Timeout("the arbiter did not settle the demand for checkpoint " +
                             std::to_string(index));
    }
    VT_ASSIGN_OR_RETURN(uint64_t rid, link_.Request(Pack(ask, task)));
    std::optional<Message> answer;
    VT_RETURN_IF_ERROR(link_.AwaitReply(rid, std::chrono::seconds(30), [&](const Message& m) {
      if (m.rid == rid) answer = m;
    }));
    if (!answer) continue;
    if (answer->type == CheckpointReply::kType) {
      VT_ASSIGN_OR_RETURN(CheckpointReply relayed, Unpack<CheckpointReply>(*answer));
      VT_RETURN_IF_ERROR(CheckFetched(relayed, posted, index, /*with_tensors=*/true)
                             .WithContext("the checkpoint the arbiter relayed"));
      spdlog::info("verifier {}: the arbiter relayed checkpoint {} of {}", config_.name, index,
                   task);
      return relayed;
    }
    VT_ASSIGN_OR_RETURN(Ack ack, Unpack<Ack>(*answer));
    if (!ack.ok) return Status::Unavailable("the arbiter refused the demand: " + ack.error);
    const std::string state = ack.data.value("state", std::string());
    if (state == "failed") {
      a.withheld = true;
      return Status::FailedPrecondition("the solver withheld checkpoint " +
                                        std::to_string(index) + ": " +
                                        ack.data.value("reason", std::string()));
    }
    // Still open: wait on the back-off (heartbeats go on) and ask again.
    zmq::pollitem_t items[] = {{link_.dealer().handle(), 0, ZMQ_POLLIN, 0}};
    VT_RETURN_IF_ERROR(
        PollSockets(items, 1, link_.PollTimeout(std::chrono::milliseconds(
                                  std::min<int64_t>(retry_.BackoffMs(attempt), 1000))))
            .status());
    VT_RETURN_IF_ERROR(link_.Tick());
  }
}

}  // namespace veritrain
