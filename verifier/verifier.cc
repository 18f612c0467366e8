#include "verifier/verifier.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>

#include <sys/stat.h>

#include "core/crypto/merkle.h"
#include "core/protocol/commit_reveal.h"
#include "core/protocol/game_order.h"
#include "core/protocol/interval_selection.h"
#include "core/protocol/task_draws.h"
#include "core/state/atomic_file.h"
#include "core/state/non_finite.h"
#include "core/state/state_hash.h"
#include "core/train/allocator_tuning.h"
#include "core/train/torch_bridge.h"
#include "core/role/role_report.h"
#include "core/transport/zmq_frames.h"
#include "core/util/freed_pages.h"
#include "verifier/kept_states.h"
#include "verifier/kept_verdict.h"
#include "core/pol/check_interval.h"
#include "core/pol/departure_rank.h"
#include "core/pol/tolerance.h"

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
  VT_ASSIGN_OR_RETURN(auto curve, RoleCurveOf(config));
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
  // A deferred move is answered within a few tens of ms of its deadline.
  for (const auto& [task, c] : challenges_) {
    if (c.deferred) timeout_ms = std::min<int64_t>(timeout_ms, 50);
  }
  zmq::pollitem_t items[] = {{link_.sub().handle(), 0, ZMQ_POLLIN, 0},
                             {link_.dealer().handle(), 0, ZMQ_POLLIN, 0}};
  VT_RETURN_IF_ERROR(
      PollSockets(items, 2, link_.PollTimeout(std::chrono::milliseconds(timeout_ms))).status());
  VT_RETURN_IF_ERROR(link_.Tick());
  VT_RETURN_IF_ERROR(link_.DrainReplies("verifier " + config_.name));
  // Through the queue of held events, so that those a computation held
  // are handled before the ones that came after them.
  VT_RETURN_IF_ERROR(link_.DrainEvents([this](const Message& m) {
    held_events_.push_back(m);
    return Status::Ok();
  }));
  while (!held_events_.empty()) {
    const Message m = std::move(held_events_.front());
    held_events_.pop_front();
    VT_RETURN_IF_ERROR(OnEvent(m));
  }
  return AnswerDeferredMoves();
}

Status Verifier::WatchArbiter(const std::string& task) {
  VT_RETURN_IF_ERROR(link_.Tick());
  VT_RETURN_IF_ERROR(link_.DrainEvents([this](const Message& m) {
    held_events_.push_back(m);
    return Status::Ok();
  }));
  if (EndedWhileHeld(task)) {
    return Status::FailedPrecondition(task + " was settled, or the run shut down, while it was "
                                             "being worked on");
  }
  return Status::Ok();
}

bool Verifier::EndedWhileHeld(const std::string& task) const {
  for (const Message& m : held_events_) {
    if (m.type == Shutdown::kType) return true;
    if (m.type == TaskSettled::kType && m.task == task) return true;
  }
  return false;
}

Status Verifier::OnEvent(const Message& m) {
  if (m.type == Shutdown::kType) {
    shutdown_ = true;
  } else if (m.type == TaskSettled::kType) {
    // Nothing is asked of a verifier on a settled task: its job (and the
    // data it loaded), its checked state and its side of the game go.
    if (settled_.insert(m.task).second) {
      DropKeptStates(KeptDir(m.task));  // those of an earlier process too
      assignments_.erase(m.task);
      challenges_.erase(m.task);
      latest_games_.erase(m.task);
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
    if (!d.ok()) return Status::Ok();
    // The task's challenges are played one after another: another
    // challenger's later game means this verifier's own game, if it had
    // one, is over (rejected); a challenger still waiting for its turn
    // keeps waiting, and an earlier game's event (late, or duplicated) is
    // of a game that is over (core/protocol/game_order.h).
    auto latest = latest_games_.find(m.task);
    auto own = challenges_.find(m.task);
    const ChallengerOnOpened step = ChallengerOnOpenedOf(
        config_.name,
        latest != latest_games_.end() ? std::optional<int64_t>(latest->second) : std::nullopt,
        own != challenges_.end() ? std::optional<int64_t>(own->second.game) : std::nullopt,
        d->challenger, d->game);
    int64_t& seen = latest_games_[m.task];
    seen = std::max(seen, d->game);
    if (step == ChallengerOnOpened::kPrepare) {
      if (own != challenges_.end() && own->second.game < d->game) {
        // Its game was rejected: the next interval its challenge lists is
        // played. The states of the one it lost go.
        spdlog::info("verifier {}: game {} on {} lost; playing interval {} next (game {})",
                     config_.name, own->second.game, m.task, d->interval, d->game);
        auto a = assignments_.find(m.task);
        if (a != assignments_.end()) DropDisputed(m.task, a->second, own->second.interval);
        challenges_.erase(own);
      }
      return OnDisputeOpened(m.task, *d);
    }
    if (step == ChallengerOnOpened::kDrop) {
      challenges_.erase(own);
      spdlog::info("verifier {}: the game on {} goes on with {} (game {})", config_.name, m.task,
                   d->challenger, d->game);
    }
  } else if (m.type == GameUpdate::kType) {
    auto u = Unpack<GameUpdate>(m);
    // Only this verifier's own game (a task's games are played in turn).
    if (!u.ok() || u->challenger != config_.name) return Status::Ok();
    auto own = challenges_.find(m.task);
    if (own != challenges_.end() && IsUpdateOfGame(own->second.game, u->game)) {
      return OnGameUpdate(m.task, *u);
    }
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
  DropDisputed(task, a, std::nullopt);
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
  // The checkpoints fetched and the states re-executed are gone; their
  // memory goes back to the system (allocator_tuning.h).
  ReleaseFreedMemory();
  if (EndedWhileHeld(task)) {
    // Settled (its verification deadline passed, say) or shut down while
    // it was being checked: no verdict is wanted any more.
    spdlog::info("verifier {}: {} was settled, or the run shut down, while it was being "
                 "checked; no verdict",
                 config_.name, task);
    return Status::Ok();
  }
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

std::string Verifier::StepsRecord(const std::string& task, bool real_trace) const {
  ::mkdir((config_.work_dir + "/" + config_.name).c_str(), 0700);
  ::mkdir((config_.work_dir + "/" + config_.name + "/" + task).c_str(), 0700);
  return config_.work_dir + "/" + config_.name + "/" + task +
         (real_trace ? "/steps-reexecuted-real-trace.json" : "/steps-reexecuted.json");
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

// One Check in progress: what every interval's check adds to.
struct Verifier::CheckRun {
  const std::string& task;
  Assignment& a;
  const ProofPosted& posted;
  zmq::socket_t& solver;
  std::chrono::milliseconds fetch_timeout;
  std::chrono::steady_clock::time_point start;
  nlohmann::json report = nlohmann::json::array();
  int64_t steps = 0;  // an earlier process's (kept_verdict.h) and this one's
  std::string steps_record;  // where the count is kept after each interval
  std::string kept_dir;      // where a failed interval's states are kept (KeptDir)
  std::string verifier;      // its name, for the log
  // The failed intervals (KeepDisputed), in the order checked: the
  // challenge once every interval is checked.
  struct Failed {
    int64_t interval;
    std::string why;
    nlohmann::json evidence;
    double strength;
    // A distance / δ's: the norm to rank it against (departure_rank.h).
    std::optional<double> rank_norm;
    bool clear = false;  // set by Challenge()
  };
  std::vector<Failed> failed;

  // The challenge of every failed interval: the clear departures first,
  // earliest first, then the others strongest first (a distance / δ ranked
  // against its end's size; ties in the order checked: departure_rank.h),
  // at most Verdict::kMaxChallengedIntervals of them.
  Verdict Challenge() const {
    std::vector<Failed> order = failed;
    {
      std::vector<double> strengths;
      std::vector<std::optional<double>> norms;
      for (const Failed& f : order) {
        strengths.push_back(f.strength);
        norms.push_back(f.rank_norm);
      }
      const std::vector<double> ranks = DepartureRanks(strengths, norms);
      for (size_t i = 0; i < order.size(); ++i) {
        // A clear departure (kClearDeparture × δ, or a finding a game
        // proves outright) comes first, the earliest interval first: the
        // intervals after one start from the state it made.
        // Not one whose states the verifier's precision cannot hold, or
        // that hold a NaN or infinity (rank_norm +inf): its distance may be
        // the verifier's overflow.
        order[i].clear = order[i].strength >= kClearDeparture &&
                         !(order[i].rank_norm && std::isinf(*order[i].rank_norm));
        order[i].strength = ranks[i];
      }
    }
    std::stable_sort(order.begin(), order.end(), [](const Failed& x, const Failed& y) {
      if (x.clear != y.clear) return x.clear;
      if (x.clear) return x.interval < y.interval;
      return x.strength > y.strength;
    });
    if (order.size() > Verdict::kMaxChallengedIntervals) {
      order.resize(Verdict::kMaxChallengedIntervals);
    }
    std::string reason = order.front().why;
    if (order.size() > 1) {
      reason += "; " + std::to_string(order.size() - 1) + " further interval(s) fail too:";
      for (size_t j = 1; j < order.size(); ++j) {
        reason += (j > 1 ? ", " : " ") + std::to_string(order[j].interval);
      }
    }
    Verdict v = MakeChallenge(order.front().interval, reason, report, steps, Seconds(start));
    v.evidence = order.front().evidence;
    for (size_t j = 1; j < order.size(); ++j) {
      v.further.push_back({order[j].interval, order[j].why, order[j].evidence});
    }
    return v;
  }

  CheckRun(const std::string& t, Assignment& assignment, const ProofPosted& p,
           zmq::socket_t& s, std::chrono::milliseconds timeout,
           std::chrono::steady_clock::time_point started)
      : task(t), a(assignment), posted(p), solver(s), fetch_timeout(timeout), start(started) {}

  Verdict Abstain(const std::string& why) const {
    return Abstention(why, report, steps, Seconds(start));
  }
};

Result<Verdict> Verifier::Check(const std::string& task, Assignment& a,
                                const ProofPosted& posted) {
  const auto start = std::chrono::steady_clock::now();
  auto abstain = [&](const std::string& why) {
    return Abstention(why, nlohmann::json::array(), 0, Seconds(start));
  };
  if (!a.job) return abstain("the task's job could not be built: " + a.job_error);
  const TaskSpec& spec = a.spec;

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

  // Every selected interval is checked; those that fail are disputed, the
  // one a game can best prove first (KeepDisputed: in tolerance mode the
  // largest distance / δ, not the first over δ, which may be honest noise
  // just past it while a cheat lies further on), each with its committed
  // hashes and proofs, and their start and end states are kept for the
  // games.
  CheckRun run(task, a, posted, solver, fetch_timeout, start);
  // A restarted verifier counts the steps its killed process re-executed.
  run.steps_record = StepsRecord(task, posted.real_trace);
  run.kept_dir = KeptDir(task);
  run.verifier = config_.name;
  auto before = StepsReexecutedBefore(run.steps_record, config_.run_id, task, config_.restarts,
                                     a.spec.steps);
  if (before.ok()) {
    run.steps = *before;
  } else {
    spdlog::warn("verifier {}: {}; counting no earlier steps", config_.name,
                 before.status().message());
  }
  for (const auto& interval : chosen) {
    crash_.Reached("verification", static_cast<int64_t>(run.report.size()));
    VT_ASSIGN_OR_RETURN(std::optional<Verdict> final, CheckOneInterval(run, interval));
    if (final) return *final;
  }
  if (!run.failed.empty()) return run.Challenge();
  Verdict v;
  v.accept = true;
  v.reason = "all " + std::to_string(chosen.size()) + " intervals match" +
             (spec.mode == "tolerance" ? " within δ" : "");
  v.intervals = run.report;
  v.steps_reexecuted = run.steps;
  v.seconds = Seconds(start);
  return v;
}

Result<CheckpointReply> Verifier::FetchOrDemand(CheckRun& run, int64_t index,
                                                bool with_tensors) {
  auto reply = Fetch(run.solver, run.task, run.posted, index, with_tensors, run.fetch_timeout);
  if (reply.ok()) return reply;
  return DemandFromArbiter(run.task, run.a, run.posted, index,
                           "the solver's checkpoint " + std::to_string(index) + ": " +
                               reply.status().message());
}

void Verifier::KeepDisputed(CheckRun& run, int64_t interval, const std::string& why,
                            const CheckpointReply& begin, const CheckpointReply& end,
                            double strength, std::optional<double> rank_norm) {
  run.failed.push_back({interval, why, IntervalEvidence(begin, end), strength, rank_norm});
  // The game compares against the solver's own committed states: keep the
  // interval's start and, in tolerance mode, its end (exact mode fetches
  // the end's tensors only to report how far off it is, and compares
  // hashes in the game), on disk. A state that cannot be kept is fetched
  // again if its game opens (DisputedStatesOf).
  auto keep = [&](const CheckpointReply& r) {
    Status kept = KeepState(run.kept_dir, r.state_hash, r.tensors, r.tensor_hashes, r.meta);
    if (!kept.ok()) {
      spdlog::warn("verifier {}: cannot keep checkpoint {} of {} for a game: {}", run.verifier,
                   r.index, run.task, kept.ToString());
    }
  };
  Assignment::DisputedStates& listed = run.a.disputed[interval];
  listed.start = begin.state_hash;
  listed.end.reset();
  if (!begin.tensors.empty()) keep(begin);
  if (run.a.spec.mode == "tolerance" && !end.tensors.empty()) {
    listed.end = end.state_hash;
    keep(end);
  }
}

std::string Verifier::KeptDir(const std::string& task) const {
  ::mkdir((config_.work_dir + "/" + config_.name).c_str(), 0700);
  ::mkdir((config_.work_dir + "/" + config_.name + "/" + task).c_str(), 0700);
  return config_.work_dir + "/" + config_.name + "/" + task + "/kept";
}

void Verifier::DropDisputed(const std::string& task, Assignment& a,
                            std::optional<int64_t> interval) {
  std::set<Digest> dropped, still_needed;
  for (const auto& [i, states] : a.disputed) {
    std::set<Digest>& into = !interval || i == *interval ? dropped : still_needed;
    into.insert(states.start);
    if (states.end) into.insert(*states.end);
  }
  if (interval) {
    a.disputed.erase(*interval);
  } else {
    a.disputed.clear();
  }
  const std::string dir = KeptDir(task);
  for (const Digest& h : dropped) {
    if (still_needed.count(h) == 0) DropKeptState(dir, h);
  }
}

// One interval in hand: its report entry, and the checkpoints once fetched.
struct Verifier::IntervalInHand {
  IntervalInHand(CheckRun& r, const SelectedInterval& interval, int64_t k)
      : run(r), index(interval.index), name("interval " + std::to_string(interval.index)) {
    entry = {{"index", index}, {"reason", interval.reason}, {"first_step", index * k},
             {"steps", k}};
    if (!run.posted.update_norms.empty()) {
      entry["claimed_update_norm"] = run.posted.update_norms[index];
    }
  }
  // A checked interval matches (`why` empty) or not.
  void Done(const std::string& why) {
    entry["checked"] = true;
    entry["match"] = why.empty();
    entry["seconds"] = Seconds(t0);
    run.report.push_back(entry);
  }
  // An interval that could not be checked (a checkpoint not served, a
  // failure of the verifier's own) says so.
  void Unchecked(const Status& why) {
    entry["checked"] = false;
    entry["error"] = why.ToString();
    entry["seconds"] = Seconds(t0);
    run.report.push_back(entry);
  }
  // A failed interval: recorded for the challenge (KeepDisputed), by
  // default as one the game proves outright. Its start's tensors, let go
  // while re-executing, are fetched again for the game.
  void Fail(const std::string& why, double strength = HUGE_VAL,
            std::optional<double> rank_norm = std::nullopt) {
    Done(why);
    if (begin->tensors.empty() && reload_start) reload_start();
    KeepDisputed(run, index, why, *begin, *end, strength, rank_norm);
  }

  CheckRun& run;
  const int64_t index;
  const std::string name;
  nlohmann::json entry;
  const std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
  Result<CheckpointReply> begin = Status::NotFound("not fetched");
  Result<CheckpointReply> end = Status::NotFound("not fetched");
  // Fetches the start's tensors again into `begin` (CheckOneInterval).
  std::function<void()> reload_start;
};

std::optional<Verdict> Verifier::DemandStep(IntervalInHand& h, int64_t index,
                                            const std::string& why) {
  // A checkpoint that does not record its step is for the arbiter to see
  // (a data-availability challenge): no game over steps could referee it.
  auto demanded = DemandFromArbiter(h.run.task, h.run.a, h.run.posted, index, why);
  if (h.run.a.withheld) {
    h.Unchecked(demanded.status());
    return h.run.Abstain(why);
  }
  h.Fail(why);
  return std::nullopt;
}

Result<std::optional<Verdict>> Verifier::CheckOneInterval(CheckRun& run,
                                                          const SelectedInterval& interval) {
  using Final = std::optional<Verdict>;
  Assignment& a = run.a;
  const int64_t k = a.spec.checkpoint_interval;
  const bool tolerance = a.spec.mode == "tolerance";
  IntervalInHand h(run, interval, k);
  const int64_t i = h.index;
  // The last interval's states are gone: their memory goes back to the
  // system before this one's checkpoints arrive (allocator_tuning.h).
  ReleaseFreedMemory();
  // Checkpoint 0 is fixed by the task: the job's initial state, whose
  // hash is computed here in the verifier's own precision (the solver's,
  // unless it committed in another) before the start's tensors arrive. At a
  // 100-MB state, building it beside them was the verifier's peak.
  std::optional<Digest> own_initial;
  if (i == 0) {
    auto own = JobInDtype(a, a.job_config.dtype);
    if (own.ok()) {
      auto hash = InitialStateHash(**own, a.job_config.init_seed);
      if (hash.ok()) own_initial = *hash;
    }
    ReleaseFreedMemory();
  }
  // A checkpoint the solver does not serve, or serves with a bad proof, is
  // not the verifier's failure, but neither can it be disputed in a game:
  // the verifier abstains and says why.
  h.begin = FetchOrDemand(run, i, /*with_tensors=*/true);
  if (!h.begin.ok()) {
    h.Unchecked(h.begin.status());
    return Final(run.Abstain("the start checkpoint of " + h.name + ": " +
                             h.begin.status().message()));
  }
  h.end = FetchOrDemand(run, i + 1, /*with_tensors=*/tolerance);
  if (!h.end.ok()) {
    h.Unchecked(h.end.status());
    return Final(run.Abstain("the end checkpoint of " + h.name + ": " +
                             h.end.status().message()));
  }
  h.entry["start_hash"] = h.begin->state_hash.Hex();
  h.entry["expected_end_hash"] = h.end->state_hash.Hex();
  VT_ASSIGN_OR_RETURN(TensorMap state, ViewState(h.begin->tensors));
  const std::string committed_dtype = CommittedDtype(state);
  h.entry["committed_dtype"] = committed_dtype;
  if (i == 0) {
    // In the precision the solver committed in: the hash computed before
    // the fetch when that is the verifier's own, else built now.
    bool initial = false;
    if (own_initial && committed_dtype == a.job_config.dtype) {
      initial = *own_initial == h.begin->state_hash;
    } else {
      VT_ASSIGN_OR_RETURN(const TrainingJob* reference, JobInDtype(a, committed_dtype));
      VT_ASSIGN_OR_RETURN(initial,
                          IsInitialState(*reference, a.job_config.init_seed, h.begin->state_hash));
      // The initial state built to compare with goes back to the system,
      // not into the block cache beside the start and its re-execution.
      ReleaseFreedMemory();
    }
    if (!initial) {
      h.Done("checkpoint 0 is not the task's initial state");
      // No game is needed: the arbiter recomputes the initial state itself
      // and compares it with the committed checkpoint 0 (proven here).
      Verdict v = MakeChallenge(i, "checkpoint 0 is not the task's initial state", run.report,
                                run.steps, Seconds(run.start));
      v.evidence = IntervalEvidence(*h.begin, *h.end);
      v.evidence["initial_state"] = true;
      return Final(std::move(v));
    }
  }
  if (!RecordsStep(state, i * k)) {
    return DemandStep(h, i, "the start checkpoint of " + h.name + " does not record step " +
                                std::to_string(i * k));
  }

  // Hyper-parameters: the task's. What the checkpoint claims is reported.
  const nlohmann::json claimed = h.begin->meta.value("optimizer", nlohmann::json());
  h.entry["hyperparameters"] = a.spec.verification.hyperparameters;
  h.entry.update(ClaimReport(a.task_optimizer, claimed));
  // Exact mode computes in the precision the solver committed in (bits can
  // only be equal there); tolerance mode in the verifier's own.
  const std::string compute_dtype = tolerance ? a.job_config.dtype : committed_dtype;
  h.entry["compute_dtype"] = compute_dtype;
  auto job = JobFor(a, claimed, compute_dtype);
  if (!job.ok()) {
    if (a.spec.verification.hyperparameters == "prover") {
      h.entry["error"] = job.status().ToString();
      h.Fail("the start checkpoint of " + h.name +
             " claims hyper-parameters that cannot be used: " + job.status().message());
      return Final();
    }
    h.Unchecked(job.status());
    return Final(run.Abstain("cannot build the job in " + compute_dtype + ": " +
                             job.status().message()));
  }

  // Re-execution and comparison (core/pol/check_interval.h). Exact mode
  // fetches the end's tensors only after a mismatch, to say how far off
  // the interval is.
  const IntervalMode mode = tolerance ? IntervalMode::kTolerance : IntervalMode::kExact;
  ClaimedEnd claimed_end;
  claimed_end.hash = h.end->state_hash;
  if (!h.end->tensors.empty()) claimed_end.tensors = &h.end->tensors;
  claimed_end.load_tensors = [&]() -> const State* {
    // The re-execution's freed blocks go back before the end arrives
    // beside the state re-executed (allocator_tuning.h).
    ReleaseFreedMemory();
    auto full = Fetch(run.solver, run.task, run.posted, i + 1, /*with_tensors=*/true,
                      run.fetch_timeout);
    if (!full.ok()) return nullptr;
    h.end = std::move(full);
    return &h.end->tensors;
  };
  if (!run.posted.update_norms.empty()) claimed_end.update_norm = run.posted.update_norms[i];
  // The start goes as the re-execution replaces it (its frames with its
  // last view): at a 100-MB state the verifier held the start, the state
  // re-executed and the end at once. An interval that fails fetches it
  // again for the game, from the solver or through the arbiter.
  h.begin->tensors.clear();
  h.reload_start = [&run, &h, i, this] {
    auto again = FetchOrDemand(run, i, /*with_tensors=*/true);
    if (again.ok() && again->state_hash == h.begin->state_hash) {
      h.begin = std::move(again);
    } else {
      spdlog::warn("verifier {}: the start of {} again: {}", config_.name, h.name,
                   again.ok() ? "another state" : again.status().ToString());
    }
  };
  // Each start tensor the first step replaces is a received frame: its
  // memory goes back to the system as it goes, not into malloc's keeping
  // beside the state re-executed (core/util/freed_pages.h). Not over
  // inproc:// (roles run as threads), where a frame is the sender's memory.
  Result<IntervalCheck> checked = Status::Internal("not checked");
  {
    std::optional<ReturnFreedFramesScope> return_frames;
    if (run.posted.serve_endpoint.rfind("inproc://", 0) != 0) return_frames.emplace();
    checked = CheckInterval(**job, a.spec.verification, mode, std::move(state), claimed_end,
                            {i * k, k}, [&] { return WatchArbiter(run.task); });
  }
  VT_ASSIGN_OR_RETURN(IntervalCheck check, std::move(checked));
  run.steps += check.steps_reexecuted;
  Status kept = KeepStepsReexecuted(run.steps_record, config_.run_id, run.task, run.steps);
  if (!kept.ok()) {
    spdlog::warn("verifier {}: keeping the count of steps re-executed: {}", config_.name,
                 kept.ToString());
  }
  h.entry.update(check.ReportFields(mode));
  // Reported: the state re-executed goes, and in exact mode the end's
  // tensors (loaded after a mismatch, to say how far off), before a
  // failing interval's start comes back.
  check.computed = State();
  check.end_tensors = nullptr;
  if (!tolerance && h.end.ok()) h.end->tensors.clear();
  return Conclude(h, check);
}

std::optional<double> Verifier::RankNormOf(const IntervalInHand& h) {
  if (!h.end.ok() || h.end->tensors.empty()) return std::nullopt;
  // An end (or a start) the verifier's precision cannot hold ranks last:
  // re-executed here the interval overflows, honest or not.
  const std::string& own = h.run.a.job_config.dtype;
  const torch::ScalarType dtype = own == "float64" ? torch::kFloat64 : torch::kFloat32;
  for (const Result<CheckpointReply>* r : {&h.begin, &h.end}) {
    if (!r->ok() || (*r)->tensors.empty()) continue;
    auto view = ViewState((*r)->tensors);
    if (view.ok() && BeyondRange(*view, dtype)) return std::numeric_limits<double>::infinity();
  }
  return RankingNorm(h.end->tensors);
}

Result<std::optional<Verdict>> Verifier::Conclude(IntervalInHand& h, const IntervalCheck& check) {
  using Final = std::optional<Verdict>;
  const std::string& name = h.name;
  switch (check.finding) {
    case IntervalFinding::kMatch:
      h.Done("");
      return Final();
    case IntervalFinding::kStartShape:
      h.Fail("the start checkpoint of " + name + " is not a state of the task's job: " +
             check.detail);
      return Final();
    case IntervalFinding::kReexecutionFailed:
      // The start was a well-formed state: the failure is the verifier's.
      h.Unchecked(check.problem);
      return Final(h.run.Abstain("re-executing " + name + " failed: " + check.problem.message()));
    case IntervalFinding::kEndStep: {
      const int64_t end_step = (h.index + 1) * h.run.a.spec.checkpoint_interval;
      return DemandStep(h, h.index + 1, "the end checkpoint of " + name +
                                            " does not record step " + std::to_string(end_step));
    }
    case IntervalFinding::kIncomparable:
      h.Fail("the end checkpoint of " + name + " cannot be compared: " + check.detail);
      return Final();
    case IntervalFinding::kOutsideDelta:
      h.Fail("re-executing " + name + " lands outside δ (" + check.detail + ")",
             check.distances ? check.distances->worst_ratio : HUGE_VAL, RankNormOf(h));
      return Final();
    case IntervalFinding::kUpdateNorm:
      // No game rules on a norm: any interval a game can prove comes first.
      h.Fail("the posted update norm of " + name + " does not match its checkpoints", 0);
      return Final();
    case IntervalFinding::kHashDiffers:
      h.Fail("re-executing " + name + " gives a different state hash");
      return Final();
    case IntervalFinding::kStartStep:  // ruled on before re-executing
    case IntervalFinding::kInvalid:
      break;
  }
  return Status::Internal("checking " + name + ": unexpected finding " +
                          IntervalFindingName(check.finding));
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
    VT_RETURN_IF_ERROR(WatchArbiter(task));
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
    // From the tensors' hashes, each checked against its frame on receipt:
    // no second pass over the bytes.
    VT_ASSIGN_OR_RETURN(Digest recomputed,
                        StateHashWithTensorHashes(reply.tensors, reply.tensor_hashes));
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
    VT_RETURN_IF_ERROR(WatchArbiter(task));
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
    VT_RETURN_IF_ERROR(WatchArbiter(task));
  }
}

}  // namespace veritrain
