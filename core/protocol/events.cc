#include "core/protocol/events.h"

#include <algorithm>
#include <cstdint>

#include "core/wire/body_fields.h"

namespace veritrain {
// Named, not anonymous: the sources of a component are built as one unit,
// where another file's anonymous helpers would hide these.
namespace events_internal {

Status Bad(const char* field, const char* want) {
  return Status::InvalidArgument(std::string("event field '") + field + "' must be " + want);
}

Result<uint64_t> Unsigned(const nlohmann::json& j, const char* field) {
  auto it = j.find(field);
  if (it == j.end() || !it->is_number_integer() ||
      (!it->is_number_unsigned() && it->get<int64_t>() < 0)) {
    return Bad(field, "a non-negative integer");
  }
  return it->get<uint64_t>();
}

// A count of bytes: a non-negative integer.
Result<int64_t> Size(const nlohmann::json& j, const char* field) {
  auto it = j.find(field);
  if (it == j.end() || !it->is_number_integer() ||
      (it->is_number_unsigned() && it->get<uint64_t>() > uint64_t{INT64_MAX}) ||
      (!it->is_number_unsigned() && it->get<int64_t>() < 0)) {
    return Bad(field, "a non-negative integer");
  }
  return it->get<int64_t>();
}

Result<std::map<std::string, int64_t>> Counts(const nlohmann::json& j, const char* field) {
  VT_ASSIGN_OR_RETURN(nlohmann::json o, BodyObject(j, field));
  std::map<std::string, int64_t> out;
  for (const auto& [k, v] : o.items()) {
    if (!v.is_number_integer()) return Bad(field, "an object of integers");
    out[k] = v.get<int64_t>();
  }
  return out;
}

Result<std::map<std::string, std::string>> Strings(const nlohmann::json& j, const char* field) {
  VT_ASSIGN_OR_RETURN(nlohmann::json o, BodyObject(j, field));
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : o.items()) {
    if (!v.is_string()) return Bad(field, "an object of strings");
    out[k] = v.get<std::string>();
  }
  return out;
}

// `j` without `keys`: a settlement plan's own keys beside an event's.
nlohmann::json Without(nlohmann::json j, std::initializer_list<const char*> keys) {
  for (const char* k : keys) j.erase(k);
  return j;
}

}  // namespace events_internal

// ---- The run ----------------------------------------------------------

nlohmann::json GenesisEvent::ToJson() const {
  nlohmann::json j = {{"submitter", submitter},
                      {"submitter_funds", submitter_funds},
                      {"participant_funds", participant_funds},
                      {"jackpot_initial", jackpot_initial},
                      {"arbiter", arbiter},
                      {"arbiter_key", arbiter_key}};
  if (manifest_sha256) j["manifest_sha256"] = *manifest_sha256;
  return j;
}
Result<GenesisEvent> GenesisEvent::FromJson(const nlohmann::json& j) {
  GenesisEvent e;
  VT_ASSIGN_OR_RETURN(e.submitter, BodyString(j, "submitter"));
  VT_ASSIGN_OR_RETURN(e.submitter_funds, BodyInt(j, "submitter_funds"));
  VT_ASSIGN_OR_RETURN(e.participant_funds, BodyInt(j, "participant_funds"));
  VT_ASSIGN_OR_RETURN(e.jackpot_initial, BodyInt(j, "jackpot_initial"));
  VT_ASSIGN_OR_RETURN(e.arbiter, BodyString(j, "arbiter"));
  VT_ASSIGN_OR_RETURN(e.arbiter_key, BodyString(j, "arbiter_key"));
  if (j.contains("manifest_sha256")) {
    VT_ASSIGN_OR_RETURN(e.manifest_sha256, BodyString(j, "manifest_sha256"));
  }
  return e;
}

nlohmann::json TransferEvent::ToJson() const { return Ledger::EntryToJson(entry); }
Result<TransferEvent> TransferEvent::FromJson(const nlohmann::json& j) {
  VT_ASSIGN_OR_RETURN(LedgerEntry entry, Ledger::EntryFromJson(j));
  return TransferEvent{std::move(entry)};
}

nlohmann::json TransferRefusedEvent::ToJson() const {
  return {{"from", from}, {"to", to}, {"amount", amount}, {"reason", reason}, {"error", error}};
}
Result<TransferRefusedEvent> TransferRefusedEvent::FromJson(const nlohmann::json& j) {
  TransferRefusedEvent e;
  VT_ASSIGN_OR_RETURN(e.from, BodyString(j, "from"));
  VT_ASSIGN_OR_RETURN(e.to, BodyString(j, "to"));
  VT_ASSIGN_OR_RETURN(e.amount, BodyInt(j, "amount"));
  VT_ASSIGN_OR_RETURN(e.reason, BodyString(j, "reason"));
  VT_ASSIGN_OR_RETURN(e.error, BodyString(j, "error"));
  return e;
}

nlohmann::json ShutdownEvent::ToJson() const {
  return {{"ledger_head", ledger_head},
          {"conservation", conservation},
          {"refused_transfers", refused_transfers},
          {"repeated_requests", repeated_requests},
          {"rejected_messages", rejected_messages},
          {"faults_injected", faults_injected}};
}
Result<ShutdownEvent> ShutdownEvent::FromJson(const nlohmann::json& j) {
  ShutdownEvent e;
  VT_ASSIGN_OR_RETURN(e.ledger_head, BodyString(j, "ledger_head"));
  VT_ASSIGN_OR_RETURN(e.conservation, BodyBool(j, "conservation"));
  VT_ASSIGN_OR_RETURN(e.refused_transfers, BodyInt(j, "refused_transfers"));
  VT_ASSIGN_OR_RETURN(e.repeated_requests, BodyInt(j, "repeated_requests"));
  VT_ASSIGN_OR_RETURN(e.rejected_messages, events_internal::Counts(j, "rejected_messages"));
  VT_ASSIGN_OR_RETURN(e.faults_injected, events_internal::Counts(j, "faults_injected"));
  return e;
}

nlohmann::json ChainHeadEvent::ToJson() const { return head.ToJson(); }
Result<ChainHeadEvent> ChainHeadEvent::FromJson(const nlohmann::json& j) {
  VT_ASSIGN_OR_RETURN(ChainHead head, ChainHead::FromJson(j));
  return ChainHeadEvent{std::move(head)};
}

nlohmann::json ArbiterRecoveredEvent::ToJson() const {
  return {{"events", events},
          {"tasks", tasks},
          {"ledger_head", ledger_head},
          {"replies_rebuilt", replies_rebuilt}};
}
Result<ArbiterRecoveredEvent> ArbiterRecoveredEvent::FromJson(const nlohmann::json& j) {
  ArbiterRecoveredEvent e;
  VT_ASSIGN_OR_RETURN(e.events, events_internal::Unsigned(j, "events"));
  VT_ASSIGN_OR_RETURN(e.tasks, events_internal::Strings(j, "tasks"));
  VT_ASSIGN_OR_RETURN(e.ledger_head, BodyString(j, "ledger_head"));
  VT_ASSIGN_OR_RETURN(e.replies_rebuilt, events_internal::Unsigned(j, "replies_rebuilt"));
  return e;
}

// ---- Participants -----------------------------------------------------

nlohmann::json ParticipantJoinedEvent::ToJson() const {
  return {{"name", name}, {"role", role}};
}
Result<ParticipantJoinedEvent> ParticipantJoinedEvent::FromJson(const nlohmann::json& j) {
  ParticipantJoinedEvent e;
  VT_ASSIGN_OR_RETURN(e.name, BodyString(j, "name"));
  VT_ASSIGN_OR_RETURN(e.role, BodyString(j, "role"));
  return e;
}

nlohmann::json ParticipantSilentEvent::ToJson() const {
  return {{"name", name}, {"silent_ms", silent_ms}};
}
Result<ParticipantSilentEvent> ParticipantSilentEvent::FromJson(const nlohmann::json& j) {
  ParticipantSilentEvent e;
  VT_ASSIGN_OR_RETURN(e.name, BodyString(j, "name"));
  VT_ASSIGN_OR_RETURN(e.silent_ms, BodyInt(j, "silent_ms"));
  return e;
}

nlohmann::json ParticipantReturnedEvent::ToJson() const { return {{"name", name}}; }
Result<ParticipantReturnedEvent> ParticipantReturnedEvent::FromJson(const nlohmann::json& j) {
  ParticipantReturnedEvent e;
  VT_ASSIGN_OR_RETURN(e.name, BodyString(j, "name"));
  return e;
}

nlohmann::json RequestRefusedEvent::ToJson() const {
  return {{"type", type}, {"from", from}, {"error", error}};
}
Result<RequestRefusedEvent> RequestRefusedEvent::FromJson(const nlohmann::json& j) {
  RequestRefusedEvent e;
  VT_ASSIGN_OR_RETURN(e.type, BodyString(j, "type"));
  VT_ASSIGN_OR_RETURN(e.from, BodyString(j, "from"));
  VT_ASSIGN_OR_RETURN(e.error, BodyString(j, "error"));
  return e;
}

// ---- A task's life ----------------------------------------------------

nlohmann::json TaskPostedEvent::ToJson() const {
  return {{"spec", spec.ToJson()}, {"submitter", submitter}, {"rid", rid}};
}
Result<TaskPostedEvent> TaskPostedEvent::FromJson(const nlohmann::json& j) {
  TaskPostedEvent e;
  VT_ASSIGN_OR_RETURN(nlohmann::json spec, BodyObject(j, "spec"));
  VT_ASSIGN_OR_RETURN(e.spec, TaskSpec::FromJson(spec));
  VT_ASSIGN_OR_RETURN(e.submitter, BodyString(j, "submitter"));
  VT_ASSIGN_OR_RETURN(e.rid, events_internal::Unsigned(j, "rid"));
  return e;
}

nlohmann::json TaskStateEvent::ToJson() const {
  return {{"from", from}, {"event", event}, {"to", to}};
}
Result<TaskStateEvent> TaskStateEvent::FromJson(const nlohmann::json& j) {
  TaskStateEvent e;
  VT_ASSIGN_OR_RETURN(e.from, BodyString(j, "from"));
  VT_ASSIGN_OR_RETURN(e.event, BodyString(j, "event"));
  VT_ASSIGN_OR_RETURN(e.to, BodyString(j, "to"));
  return e;
}

nlohmann::json TaskAssignedEvent::ToJson() const {
  return {{"solver", solver},
          {"verifiers", verifiers},
          {"randomness_commitment", randomness_commitment.Hex()}};
}
Result<TaskAssignedEvent> TaskAssignedEvent::FromJson(const nlohmann::json& j) {
  TaskAssignedEvent e;
  VT_ASSIGN_OR_RETURN(e.solver, BodyString(j, "solver"));
  VT_ASSIGN_OR_RETURN(e.verifiers, BodyStrings(j, "verifiers"));
  VT_ASSIGN_OR_RETURN(e.randomness_commitment, BodyDigest(j, "randomness_commitment"));
  return e;
}

nlohmann::json TraceCommittedEvent::ToJson() const {
  return {{"solver", solver}, {"body", body.ToBody()}};
}
Result<TraceCommittedEvent> TraceCommittedEvent::FromJson(const nlohmann::json& j) {
  TraceCommittedEvent e;
  VT_ASSIGN_OR_RETURN(e.solver, BodyString(j, "solver"));
  VT_ASSIGN_OR_RETURN(nlohmann::json body, BodyObject(j, "body"));
  VT_ASSIGN_OR_RETURN(e.body, TraceCommit::FromBody(body));
  return e;
}

nlohmann::json RandomnessRevealedEvent::ToJson() const { return {{"secret", secret.Hex()}}; }
Result<RandomnessRevealedEvent> RandomnessRevealedEvent::FromJson(const nlohmann::json& j) {
  RandomnessRevealedEvent e;
  VT_ASSIGN_OR_RETURN(e.secret, BodyDigest(j, "secret"));
  return e;
}

nlohmann::json VerifiersSelectedEvent::ToJson() const { return {{"verifiers", verifiers}}; }
Result<VerifiersSelectedEvent> VerifiersSelectedEvent::FromJson(const nlohmann::json& j) {
  VerifiersSelectedEvent e;
  VT_ASSIGN_OR_RETURN(e.verifiers, BodyStrings(j, "verifiers"));
  return e;
}

nlohmann::json SolverRecomputedEvent::ToJson() const {
  return {{"solver", solver}, {"steps_computed", steps_computed}};
}
Result<SolverRecomputedEvent> SolverRecomputedEvent::FromJson(const nlohmann::json& j) {
  SolverRecomputedEvent e;
  VT_ASSIGN_OR_RETURN(e.solver, BodyString(j, "solver"));
  VT_ASSIGN_OR_RETURN(e.steps_computed, BodyInt(j, "steps_computed"));
  return e;
}

nlohmann::json TrainingFailedEvent::ToJson() const {
  return {{"solver", solver}, {"reason", reason}, {"steps_computed", steps_computed}};
}
Result<TrainingFailedEvent> TrainingFailedEvent::FromJson(const nlohmann::json& j) {
  TrainingFailedEvent e;
  VT_ASSIGN_OR_RETURN(e.solver, BodyString(j, "solver"));
  VT_ASSIGN_OR_RETURN(e.reason, BodyString(j, "reason"));
  VT_ASSIGN_OR_RETURN(e.steps_computed, BodyInt(j, "steps_computed"));
  return e;
}

nlohmann::json VerdictEvent::ToJson() const {
  return {{"verifier", verifier}, {"body", body.ToBody()}};
}
Result<VerdictEvent> VerdictEvent::FromJson(const nlohmann::json& j) {
  VerdictEvent e;
  VT_ASSIGN_OR_RETURN(e.verifier, BodyString(j, "verifier"));
  VT_ASSIGN_OR_RETURN(nlohmann::json body, BodyObject(j, "body"));
  VT_ASSIGN_OR_RETURN(e.body, Verdict::FromBody(body));
  return e;
}

nlohmann::json AvailabilityChallengeEvent::ToJson() const {
  return {{"challenger", challenger},
          {"index", index},
          {"reason", reason},
          {"opened_ms", opened_ms},
          {"deadline_ms", deadline_ms}};
}
Result<AvailabilityChallengeEvent> AvailabilityChallengeEvent::FromJson(const nlohmann::json& j) {
  AvailabilityChallengeEvent e;
  VT_ASSIGN_OR_RETURN(e.challenger, BodyString(j, "challenger"));
  VT_ASSIGN_OR_RETURN(e.index, BodyInt(j, "index"));
  VT_ASSIGN_OR_RETURN(e.reason, BodyString(j, "reason"));
  VT_ASSIGN_OR_RETURN(e.opened_ms, BodyInt(j, "opened_ms"));
  VT_ASSIGN_OR_RETURN(e.deadline_ms, BodyInt(j, "deadline_ms"));
  return e;
}

nlohmann::json CheckpointDeliveredEvent::ToJson() const {
  return {{"index", index},
          {"valid", valid},
          {"error", error},
          {"state_hash", state_hash.Hex()},
          {"proof", ProofToJson(proof)},
          {"file", file}};
}
Result<CheckpointDeliveredEvent> CheckpointDeliveredEvent::FromJson(const nlohmann::json& j) {
  CheckpointDeliveredEvent e;
  VT_ASSIGN_OR_RETURN(e.index, BodyInt(j, "index"));
  VT_ASSIGN_OR_RETURN(e.valid, BodyBool(j, "valid"));
  VT_ASSIGN_OR_RETURN(e.error, BodyString(j, "error"));
  VT_ASSIGN_OR_RETURN(e.state_hash, BodyDigest(j, "state_hash"));
  VT_ASSIGN_OR_RETURN(nlohmann::json proof, BodyObject(j, "proof"));
  VT_ASSIGN_OR_RETURN(e.proof, ProofFromJson(proof, "proof"));
  VT_ASSIGN_OR_RETURN(e.file, BodyString(j, "file"));
  return e;
}

nlohmann::json AvailabilityFailedEvent::ToJson() const {
  return {{"index", index}, {"challenger", challenger}, {"reason", reason}};
}
Result<AvailabilityFailedEvent> AvailabilityFailedEvent::FromJson(const nlohmann::json& j) {
  AvailabilityFailedEvent e;
  VT_ASSIGN_OR_RETURN(e.index, BodyInt(j, "index"));
  VT_ASSIGN_OR_RETURN(e.challenger, BodyString(j, "challenger"));
  VT_ASSIGN_OR_RETURN(e.reason, BodyString(j, "reason"));
  return e;
}

nlohmann::json ForcedErrorSettlementEvent::ToJson() const {
  nlohmann::json j = plan;
  j["selected"] = selected;
  j["trace_root"] = trace_root;
  return j;
}
Result<ForcedErrorSettlementEvent> ForcedErrorSettlementEvent::FromJson(
    const nlohmann::json& j) {
  if (!j.is_object()) return events_internal::Bad("data", "an object");
  ForcedErrorSettlementEvent e;
  VT_ASSIGN_OR_RETURN(e.selected, BodyStrings(j, "selected"));
  VT_ASSIGN_OR_RETURN(e.trace_root, BodyString(j, "trace_root"));
  e.plan = events_internal::Without(j, {"selected", "trace_root"});
  return e;
}

nlohmann::json ForcedErrorRevealedEvent::ToJson() const {
  nlohmann::json j = {{"forced", forced}};
  if (deadline_ms) j["deadline_ms"] = *deadline_ms;
  return j;
}
Result<ForcedErrorRevealedEvent> ForcedErrorRevealedEvent::FromJson(const nlohmann::json& j) {
  ForcedErrorRevealedEvent e;
  VT_ASSIGN_OR_RETURN(e.forced, BodyBool(j, "forced"));
  if (j.contains("deadline_ms")) {
    VT_ASSIGN_OR_RETURN(e.deadline_ms, BodyInt(j, "deadline_ms"));
  }
  return e;
}

nlohmann::json RealTraceRevealedEvent::ToJson() const {
  return {{"solver", solver}, {"body", body.ToBody()}, {"opens", opens}, {"error", error}};
}
Result<RealTraceRevealedEvent> RealTraceRevealedEvent::FromJson(const nlohmann::json& j) {
  RealTraceRevealedEvent e;
  VT_ASSIGN_OR_RETURN(e.solver, BodyString(j, "solver"));
  VT_ASSIGN_OR_RETURN(nlohmann::json body, BodyObject(j, "body"));
  VT_ASSIGN_OR_RETURN(e.body, RealTrace::FromBody(body));
  VT_ASSIGN_OR_RETURN(e.opens, BodyBool(j, "opens"));
  VT_ASSIGN_OR_RETURN(e.error, BodyString(j, "error"));
  return e;
}

nlohmann::json InitialStateRulingEvent::ToJson() const {
  nlohmann::json computed = nlohmann::json::object();
  for (const auto& [dtype, hex] : initial_state) computed[dtype] = hex;
  return {{"challenger", challenger},
          {"committed", committed.Hex()},
          {"initial_state", computed},
          {"upheld", upheld}};
}
Result<InitialStateRulingEvent> InitialStateRulingEvent::FromJson(const nlohmann::json& j) {
  InitialStateRulingEvent e;
  VT_ASSIGN_OR_RETURN(e.challenger, BodyString(j, "challenger"));
  VT_ASSIGN_OR_RETURN(e.committed, BodyDigest(j, "committed"));
  VT_ASSIGN_OR_RETURN(e.initial_state, events_internal::Strings(j, "initial_state"));
  VT_ASSIGN_OR_RETURN(e.upheld, BodyBool(j, "upheld"));
  return e;
}

nlohmann::json ArbiterErrorEvent::ToJson() const { return {{"error", error}}; }
Result<ArbiterErrorEvent> ArbiterErrorEvent::FromJson(const nlohmann::json& j) {
  ArbiterErrorEvent e;
  VT_ASSIGN_OR_RETURN(e.error, BodyString(j, "error"));
  return e;
}

nlohmann::json SettlementEvent::ToJson() const {
  nlohmann::json j = plan;
  j["outcome"] = outcome;
  j["forced_error"] = forced_error;
  if (forced_round) j["forced_round"] = *forced_round;
  j["selected"] = selected;
  j["jackpot"] = jackpot;
  j["economics"] = economics.ToJson();
  return j;
}
Result<SettlementEvent> SettlementEvent::FromJson(const nlohmann::json& j) {
  if (!j.is_object()) return events_internal::Bad("data", "an object");
  SettlementEvent e;
  VT_ASSIGN_OR_RETURN(e.outcome, BodyString(j, "outcome"));
  VT_ASSIGN_OR_RETURN(e.forced_error, BodyBool(j, "forced_error"));
  if (j.contains("forced_round")) {
    VT_ASSIGN_OR_RETURN(e.forced_round, BodyObject(j, "forced_round"));
  }
  VT_ASSIGN_OR_RETURN(e.selected, BodyStrings(j, "selected"));
  VT_ASSIGN_OR_RETURN(e.jackpot, BodyInt(j, "jackpot"));
  VT_ASSIGN_OR_RETURN(nlohmann::json econ, BodyObject(j, "economics"));
  VT_ASSIGN_OR_RETURN(e.economics, TaskEconomics::FromJson(econ));
  e.plan = events_internal::Without(j, {"outcome", "forced_error", "forced_round", "selected", "jackpot",
                       "economics"});
  return e;
}

nlohmann::json TaskSettledEvent::ToJson() const { return settled.ToBody(); }
Result<TaskSettledEvent> TaskSettledEvent::FromJson(const nlohmann::json& j) {
  VT_ASSIGN_OR_RETURN(TaskSettled settled, TaskSettled::FromBody(j));
  return TaskSettledEvent{std::move(settled)};
}

// ---- The challenge game -----------------------------------------------

nlohmann::json DisputeOpenedEvent::ToJson() const { return opened.ToBody(); }
Result<DisputeOpenedEvent> DisputeOpenedEvent::FromJson(const nlohmann::json& j) {
  VT_ASSIGN_OR_RETURN(DisputeOpened opened, DisputeOpened::FromBody(j));
  return DisputeOpenedEvent{std::move(opened)};
}

nlohmann::json GameMoveEvent::ToJson() const {
  return {{"from", from},         {"rid", rid},           {"move", body.move},
          {"kind", body.kind},    {"body", body.ToBody()}, {"accepted", accepted},
          {"error", error},       {"bytes", bytes}};
}
Result<GameMoveEvent> GameMoveEvent::FromJson(const nlohmann::json& j) {
  GameMoveEvent e;
  VT_ASSIGN_OR_RETURN(e.from, BodyString(j, "from"));
  VT_ASSIGN_OR_RETURN(e.rid, events_internal::Unsigned(j, "rid"));
  VT_ASSIGN_OR_RETURN(nlohmann::json body, BodyObject(j, "body"));
  VT_ASSIGN_OR_RETURN(e.body, GameMove::FromBody(body));
  VT_ASSIGN_OR_RETURN(const int64_t move, BodyInt(j, "move"));
  VT_ASSIGN_OR_RETURN(const std::string kind, BodyString(j, "kind"));
  if (move != e.body.move || kind != e.body.kind) {
    return events_internal::Bad("move", "the body's move and kind");
  }
  VT_ASSIGN_OR_RETURN(e.accepted, BodyBool(j, "accepted"));
  VT_ASSIGN_OR_RETURN(e.error, BodyString(j, "error"));
  VT_ASSIGN_OR_RETURN(e.bytes, events_internal::Size(j, "bytes"));
  return e;
}

nlohmann::json GameMoveRejectedEvent::ToJson() const {
  return {{"from", from}, {"reason", reason}, {"bytes", bytes}};
}
Result<GameMoveRejectedEvent> GameMoveRejectedEvent::FromJson(const nlohmann::json& j) {
  GameMoveRejectedEvent e;
  VT_ASSIGN_OR_RETURN(e.from, BodyString(j, "from"));
  VT_ASSIGN_OR_RETURN(e.reason, BodyString(j, "reason"));
  VT_ASSIGN_OR_RETURN(e.bytes, events_internal::Size(j, "bytes"));
  return e;
}

nlohmann::json NodeRulingEvent::ToJson() const {
  return {{"step", step},
          {"node_index", node_index},
          {"node", node},
          {"solver_correct", solver_correct},
          {"evaluated", evaluated},
          {"reason", reason},
          {"node_flops", node_flops},
          {"step_flops", step_flops},
          {"deviation", deviation},
          {"tolerance", tolerance},
          {"arbiter_output_hash", arbiter_output_hash.Hex()},
          {"timings", {{"node_seconds", node_seconds}, {"job_load_seconds", job_load_seconds}}},
          {"evidence_bytes", evidence_bytes}};
}
Result<NodeRulingEvent> NodeRulingEvent::FromJson(const nlohmann::json& j) {
  NodeRulingEvent e;
  VT_ASSIGN_OR_RETURN(e.step, BodyInt(j, "step"));
  VT_ASSIGN_OR_RETURN(e.node_index, BodyInt(j, "node_index"));
  VT_ASSIGN_OR_RETURN(e.node, BodyString(j, "node"));
  VT_ASSIGN_OR_RETURN(e.solver_correct, BodyBool(j, "solver_correct"));
  VT_ASSIGN_OR_RETURN(e.evaluated, BodyBool(j, "evaluated"));
  VT_ASSIGN_OR_RETURN(e.reason, BodyString(j, "reason"));
  VT_ASSIGN_OR_RETURN(e.node_flops, BodyNumber(j, "node_flops"));
  VT_ASSIGN_OR_RETURN(e.step_flops, BodyNumber(j, "step_flops"));
  auto deviation = j.find("deviation");
  if (deviation == j.end() || !(deviation->is_number() || *deviation == "inf")) {
    return events_internal::Bad("deviation", "a number or \"inf\"");
  }
  e.deviation = *deviation;
  VT_ASSIGN_OR_RETURN(e.tolerance, BodyNumber(j, "tolerance"));
  VT_ASSIGN_OR_RETURN(e.arbiter_output_hash, BodyDigest(j, "arbiter_output_hash"));
  VT_ASSIGN_OR_RETURN(nlohmann::json timings, BodyObject(j, "timings"));
  VT_ASSIGN_OR_RETURN(e.node_seconds, BodyNumber(timings, "node_seconds"));
  VT_ASSIGN_OR_RETURN(e.job_load_seconds, BodyNumber(timings, "job_load_seconds"));
  VT_ASSIGN_OR_RETURN(e.evidence_bytes, events_internal::Size(j, "evidence_bytes"));
  return e;
}

nlohmann::json GameUpdateEvent::ToJson() const { return update.ToBody(); }
Result<GameUpdateEvent> GameUpdateEvent::FromJson(const nlohmann::json& j) {
  VT_ASSIGN_OR_RETURN(GameUpdate update, GameUpdate::FromBody(j));
  return GameUpdateEvent{std::move(update)};
}

nlohmann::json DisputeResolvedEvent::ToJson() const { return report; }
Result<DisputeResolvedEvent> DisputeResolvedEvent::FromJson(const nlohmann::json& j) {
  if (!j.is_object()) return events_internal::Bad("data", "an object");
  VT_ASSIGN_OR_RETURN(std::string winner, BodyString(j, "winner"));
  (void)winner;  // every report names its winner
  return DisputeResolvedEvent{j};
}

namespace events_internal {

using RoundTrip = Result<nlohmann::json> (*)(const nlohmann::json&);

template <class E>
Result<nlohmann::json> RoundTripOf(const nlohmann::json& data) {
  VT_ASSIGN_OR_RETURN(E e, E::FromJson(data));
  return e.ToJson();
}

struct Entry {
  std::string_view type;
  RoundTrip round_trip;
};

template <class... E>
std::vector<Entry> Registry() {
  return {Entry{E::kType, &RoundTripOf<E>}...};
}

const std::vector<Entry>& Entries() {
  static const std::vector<Entry> kEntries = Registry<
      GenesisEvent, TransferEvent, TransferRefusedEvent, ShutdownEvent, ChainHeadEvent,
      ArbiterRecoveredEvent, ParticipantJoinedEvent, ParticipantSilentEvent,
      ParticipantReturnedEvent, RequestRefusedEvent, TaskPostedEvent, TaskStateEvent,
      TaskAssignedEvent, TraceCommittedEvent, RandomnessRevealedEvent, VerifiersSelectedEvent,
      TrainingFailedEvent, SolverRecomputedEvent, VerdictEvent, AvailabilityChallengeEvent, CheckpointDeliveredEvent,
      AvailabilityFailedEvent, ForcedErrorSettlementEvent, ForcedErrorRevealedEvent,
      RealTraceRevealedEvent, InitialStateRulingEvent, ArbiterErrorEvent, SettlementEvent,
      TaskSettledEvent, DisputeOpenedEvent, GameMoveEvent, GameMoveRejectedEvent,
      NodeRulingEvent, GameUpdateEvent, DisputeResolvedEvent>();
  return kEntries;
}

}  // namespace events_internal

const std::vector<std::string_view>& EventTypes() {
  static const std::vector<std::string_view> kTypes = [] {
    std::vector<std::string_view> out;
    for (const auto& e : events_internal::Entries()) out.push_back(e.type);
    return out;
  }();
  return kTypes;
}

bool IsEventType(std::string_view type) {
  const auto& types = EventTypes();
  return std::find(types.begin(), types.end(), type) != types.end();
}

Result<nlohmann::json> RoundTripEventData(std::string_view type, const nlohmann::json& data) {
  for (const auto& e : events_internal::Entries()) {
    if (e.type != type) continue;
    auto out = e.round_trip(data);
    if (!out.ok()) return out.status().WithContext(std::string(type) + " event");
    return out;
  }
  return Status::InvalidArgument("unknown event type '" + std::string(type) + "'");
}

Status CheckEventTypes(const std::vector<Event>& events) {
  for (const Event& e : events) {
    auto why = [&](const std::string& w) {
      return Status::Corruption("event " + std::to_string(e.seq) + " (" + e.type + "): " + w);
    };
    auto back = RoundTripEventData(e.type, e.data);
    if (!back.ok()) return why(back.status().message());
    if (back->dump() != e.data.dump()) {
      return why("reads back as " + back->dump() + ", not as logged");
    }
  }
  return Status::Ok();
}

}  // namespace veritrain
