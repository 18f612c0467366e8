// The registry of the arbiter's event types: every "type" the arbiter
// writes to events.jsonl (core/protocol/event_log.h), each with the struct
// of its "data" and the functions between the two.
//
// The log is hash-chained and read back by recovery, the run's summary, the
// money report and the market's record, so its bytes are a format: ToJson
// writes exactly the keys listed beside each struct (nlohmann sorts them),
// with the same JSON number kinds (integers stay integers, reals reals), and
// FromJson(ToJson(x)) gives x again. FromJson is strict: a missing or
// malformed field is InvalidArgument naming it (the readers of hand-made or
// partial logs test `Event::type` against kType and read what they need).
//
// Where an event's data is a wire message's body (dispute_opened,
// game_update, task_settled) the struct holds that message; where it is a
// record whose shape belongs to another component (a settlement plan, a
// dispute's report) it holds that record as JSON, with its own key listed.
//
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/crypto/merkle.h"
#include "core/crypto/sha256.h"
#include "core/protocol/chain_head.h"
#include "core/protocol/event_log.h"
#include "core/protocol/ledger.h"
#include "core/util/status.h"
#include "core/wire/messages/dispute_opened.h"
#include "core/wire/messages/game_move.h"
#include "core/wire/messages/game_update.h"
#include "core/wire/messages/real_trace.h"
#include "core/wire/messages/task_economics.h"
#include "core/wire/messages/task_settled.h"
#include "core/wire/messages/task_spec.h"
#include "core/wire/messages/trace_commit.h"
#include "core/wire/messages/verdict.h"

namespace veritrain {

// ---- The run ----------------------------------------------------------

// genesis (first event): submitter, submitter_funds, participant_funds,
// jackpot_initial, arbiter, arbiter_key (hex), manifest_sha256 (hex; only
// when the run's manifest.json was there to hash).
struct GenesisEvent {
  static constexpr const char* kType = "genesis";
  std::string submitter;
  int64_t submitter_funds = 0;
  int64_t participant_funds = 0;
  int64_t jackpot_initial = 0;
  std::string arbiter;
  std::string arbiter_key;
  std::optional<std::string> manifest_sha256;
  nlohmann::json ToJson() const;
  static Result<GenesisEvent> FromJson(const nlohmann::json& j);
};

// transfer: one ledger entry, as Ledger::EntryToJson writes it.
struct TransferEvent {
  static constexpr const char* kType = "transfer";
  LedgerEntry entry;
  nlohmann::json ToJson() const;
  static Result<TransferEvent> FromJson(const nlohmann::json& j);
};

// transfer_refused: from, to, amount, reason, error (the ledger's refusal).
struct TransferRefusedEvent {
  static constexpr const char* kType = "transfer_refused";
  std::string from;
  std::string to;
  int64_t amount = 0;
  std::string reason;
  std::string error;
  nlohmann::json ToJson() const;
  static Result<TransferRefusedEvent> FromJson(const nlohmann::json& j);
};

// shutdown: ledger_head (hex), conservation, refused_transfers,
// repeated_requests, rejected_messages and faults_injected (counts by kind).
struct ShutdownEvent {
  static constexpr const char* kType = "shutdown";
  std::string ledger_head;
  bool conservation = false;
  int64_t refused_transfers = 0;
  int64_t repeated_requests = 0;
  std::map<std::string, int64_t> rejected_messages;
  std::map<std::string, int64_t> faults_injected;
  nlohmann::json ToJson() const;
  static Result<ShutdownEvent> FromJson(const nlohmann::json& j);
};

// chain_head: the signed heads (core/protocol/chain_head.h).
struct ChainHeadEvent {
  static constexpr const char* kType = "chain_head";
  ChainHead head;
  nlohmann::json ToJson() const;
  static Result<ChainHeadEvent> FromJson(const nlohmann::json& j);
};

// arbiter_recovered: events (replayed), tasks (id -> state name),
// ledger_head (hex), replies_rebuilt.
struct ArbiterRecoveredEvent {
  static constexpr const char* kType = "arbiter_recovered";
  uint64_t events = 0;
  std::map<std::string, std::string> tasks;
  std::string ledger_head;
  uint64_t replies_rebuilt = 0;
  nlohmann::json ToJson() const;
  static Result<ArbiterRecoveredEvent> FromJson(const nlohmann::json& j);
};

// ---- Participants -----------------------------------------------------

// participant_joined: name, role.
struct ParticipantJoinedEvent {
  static constexpr const char* kType = "participant_joined";
  std::string name;
  std::string role;
  nlohmann::json ToJson() const;
  static Result<ParticipantJoinedEvent> FromJson(const nlohmann::json& j);
};

// participant_silent: name, silent_ms.
struct ParticipantSilentEvent {
  static constexpr const char* kType = "participant_silent";
  std::string name;
  int64_t silent_ms = 0;
  nlohmann::json ToJson() const;
  static Result<ParticipantSilentEvent> FromJson(const nlohmann::json& j);
};

// participant_returned: name.
struct ParticipantReturnedEvent {
  static constexpr const char* kType = "participant_returned";
  std::string name;
  nlohmann::json ToJson() const;
  static Result<ParticipantReturnedEvent> FromJson(const nlohmann::json& j);
};

// request_refused: type (of the request), from, error.
struct RequestRefusedEvent {
  static constexpr const char* kType = "request_refused";
  std::string type;
  std::string from;
  std::string error;
  nlohmann::json ToJson() const;
  static Result<RequestRefusedEvent> FromJson(const nlohmann::json& j);
};

// ---- A task's life ----------------------------------------------------

// task_posted: spec (TaskSpec::ToJson), submitter, rid (the request's id,
// 0 when not to be answered again).
struct TaskPostedEvent {
  static constexpr const char* kType = "task_posted";
  TaskSpec spec;
  std::string submitter;
  uint64_t rid = 0;
  nlohmann::json ToJson() const;
  static Result<TaskPostedEvent> FromJson(const nlohmann::json& j);
};

// task_state: from, event, to (core/protocol/task_machine.h names).
struct TaskStateEvent {
  static constexpr const char* kType = "task_state";
  std::string from;
  std::string event;
  std::string to;
  nlohmann::json ToJson() const;
  static Result<TaskStateEvent> FromJson(const nlohmann::json& j);
};

// task_assigned: solver, verifiers, randomness_commitment (hex).
struct TaskAssignedEvent {
  static constexpr const char* kType = "task_assigned";
  std::string solver;
  std::vector<std::string> verifiers;
  Digest randomness_commitment;
  nlohmann::json ToJson() const;
  static Result<TaskAssignedEvent> FromJson(const nlohmann::json& j);
};

// trace_committed: solver, body (TraceCommit).
struct TraceCommittedEvent {
  static constexpr const char* kType = "trace_committed";
  std::string solver;
  TraceCommit body;
  nlohmann::json ToJson() const;
  static Result<TraceCommittedEvent> FromJson(const nlohmann::json& j);
};

// randomness_revealed: secret (hex).
struct RandomnessRevealedEvent {
  static constexpr const char* kType = "randomness_revealed";
  Digest secret;
  nlohmann::json ToJson() const;
  static Result<RandomnessRevealedEvent> FromJson(const nlohmann::json& j);
};

// verifiers_selected: verifiers (in selection order).
struct VerifiersSelectedEvent {
  static constexpr const char* kType = "verifiers_selected";
  std::vector<std::string> verifiers;
  nlohmann::json ToJson() const;
  static Result<VerifiersSelectedEvent> FromJson(const nlohmann::json& j);
};

// solver_recomputed: solver, steps_computed. A solver restarted after its
// trace was committed (a crash in its dispute, say) trains the task again
// to serve it, and commits the same trace once more: the arbiter keeps the
// trace it has, and logs the steps the solver says it has now computed for
// the task in all (its earlier processes' included), the task's compute.
struct SolverRecomputedEvent {
  static constexpr const char* kType = "solver_recomputed";
  std::string solver;
  int64_t steps_computed = 0;
  nlohmann::json ToJson() const;
  static Result<SolverRecomputedEvent> FromJson(const nlohmann::json& j);
};

// training_failed: solver, reason (bounded by the arbiter).
struct TrainingFailedEvent {
  static constexpr const char* kType = "training_failed";
  std::string solver;
  std::string reason;
  int64_t steps_computed = 0;  // as the solver says (compute cost)
  nlohmann::json ToJson() const;
  static Result<TrainingFailedEvent> FromJson(const nlohmann::json& j);
};

// verdict: verifier, body (Verdict).
struct VerdictEvent {
  static constexpr const char* kType = "verdict";
  std::string verifier;
  Verdict body;
  nlohmann::json ToJson() const;
  static Result<VerdictEvent> FromJson(const nlohmann::json& j);
};

// availability_challenge: challenger, index, reason, opened_ms, deadline_ms.
struct AvailabilityChallengeEvent {
  static constexpr const char* kType = "availability_challenge";
  std::string challenger;
  int64_t index = 0;
  std::string reason;
  int64_t opened_ms = 0;
  int64_t deadline_ms = 0;
  nlohmann::json ToJson() const;
  static Result<AvailabilityChallengeEvent> FromJson(const nlohmann::json& j);
};

// checkpoint_delivered: index, valid, error ("" when valid), state_hash
// (hex), proof (ProofToJson), file (where the arbiter keeps it; "" if not
// kept on disk).
struct CheckpointDeliveredEvent {
  static constexpr const char* kType = "checkpoint_delivered";
  int64_t index = 0;
  bool valid = false;
  std::string error;
  Digest state_hash;
  InclusionProof proof;
  std::string file;
  nlohmann::json ToJson() const;
  static Result<CheckpointDeliveredEvent> FromJson(const nlohmann::json& j);
};

// availability_failed: index, challenger (who asked first), reason.
struct AvailabilityFailedEvent {
  static constexpr const char* kType = "availability_failed";
  int64_t index = 0;
  std::string challenger;
  std::string reason;
  nlohmann::json ToJson() const;
  static Result<AvailabilityFailedEvent> FromJson(const nlohmann::json& j);
};

// forced_error_settlement: the keys of SettlementPlan::ToJson (the
// verifiers' settlement of a forced error's posted trace), and selected,
// trace_root (hex; the posted trace's).
struct ForcedErrorSettlementEvent {
  static constexpr const char* kType = "forced_error_settlement";
  nlohmann::json plan = nlohmann::json::object();
  std::vector<std::string> selected;
  std::string trace_root;
  nlohmann::json ToJson() const;
  static Result<ForcedErrorSettlementEvent> FromJson(const nlohmann::json& j);
};

// forced_error_revealed: forced; deadline_ms (of the solver's real trace)
// only for a forced error revealed when its verification ended.
struct ForcedErrorRevealedEvent {
  static constexpr const char* kType = "forced_error_revealed";
  bool forced = false;
  std::optional<int64_t> deadline_ms;
  nlohmann::json ToJson() const;
  static Result<ForcedErrorRevealedEvent> FromJson(const nlohmann::json& j);
};

// real_trace_revealed: solver, body (RealTrace), opens (whether it opens
// the commitment), error ("" when it does).
struct RealTraceRevealedEvent {
  static constexpr const char* kType = "real_trace_revealed";
  std::string solver;
  RealTrace body;
  bool opens = false;
  std::string error;
  nlohmann::json ToJson() const;
  static Result<RealTraceRevealedEvent> FromJson(const nlohmann::json& j);
};

// initial_state_ruling: challenger, committed (hex), initial_state (dtype
// -> hex of the state the arbiter built), upheld.
struct InitialStateRulingEvent {
  static constexpr const char* kType = "initial_state_ruling";
  std::string challenger;
  Digest committed;
  std::map<std::string, std::string> initial_state;
  bool upheld = false;
  nlohmann::json ToJson() const;
  static Result<InitialStateRulingEvent> FromJson(const nlohmann::json& j);
};

// arbiter_error: error (why the arbiter cannot rule).
struct ArbiterErrorEvent {
  static constexpr const char* kType = "arbiter_error";
  std::string error;
  nlohmann::json ToJson() const;
  static Result<ArbiterErrorEvent> FromJson(const nlohmann::json& j);
};

// settlement: the keys of SettlementPlan::ToJson, and outcome,
// forced_error, forced_round (a forced_error_settlement's data, only after
// a forced error), selected, jackpot (its balance after), economics.
struct SettlementEvent {
  static constexpr const char* kType = "settlement";
  nlohmann::json plan = nlohmann::json::object();
  std::string outcome;
  bool forced_error = false;
  std::optional<nlohmann::json> forced_round;
  std::vector<std::string> selected;
  int64_t jackpot = 0;
  TaskEconomics economics;
  nlohmann::json ToJson() const;
  static Result<SettlementEvent> FromJson(const nlohmann::json& j);
};

// task_settled: the TaskSettled event's body.
struct TaskSettledEvent {
  static constexpr const char* kType = "task_settled";
  TaskSettled settled;
  nlohmann::json ToJson() const;
  static Result<TaskSettledEvent> FromJson(const nlohmann::json& j);
};

// ---- The challenge game -----------------------------------------------
//
// A task's challenges are played one after another (docs/protocol.md,
// "Several challengers"): its log may hold several dispute_opened ...
// dispute_resolved runs, each a game of its own, the rejected ones
// followed by a task_state next_challenge.

// dispute_opened: the DisputeOpened event's body.
struct DisputeOpenedEvent {
  static constexpr const char* kType = "dispute_opened";
  DisputeOpened opened;
  nlohmann::json ToJson() const;
  static Result<DisputeOpenedEvent> FromJson(const nlohmann::json& j);
};

// game_move: from, rid, move and kind (the body's), body (GameMove),
// accepted, error ("" when accepted), bytes (the message's size, counted
// in the dispute's bytes per party).
struct GameMoveEvent {
  static constexpr const char* kType = "game_move";
  std::string from;
  uint64_t rid = 0;
  GameMove body;
  bool accepted = false;
  std::string error;
  int64_t bytes = 0;
  nlohmann::json ToJson() const;
  static Result<GameMoveEvent> FromJson(const nlohmann::json& j);
};

// game_move_rejected: from, reason (a move or evidence refused before it
// reached the game), bytes (the message's size, counted as game_move's).
struct GameMoveRejectedEvent {
  static constexpr const char* kType = "game_move_rejected";
  std::string from;
  std::string reason;
  int64_t bytes = 0;
  nlohmann::json ToJson() const;
  static Result<GameMoveRejectedEvent> FromJson(const nlohmann::json& j);
};

// node_ruling: step, node_index, node (name), solver_correct, reason,
// node_flops, step_flops, deviation (a number, or "inf"), tolerance,
// arbiter_output_hash (hex), timings {node_seconds, job_load_seconds},
// evidence_bytes (the size of the solver's node_evidence message).
struct NodeRulingEvent {
  static constexpr const char* kType = "node_ruling";
  int64_t step = 0;
  int64_t node_index = 0;
  std::string node;
  bool solver_correct = false;
  // The node was evaluated and compared (NodeRuling::evaluated); false when
  // the solver's evidence failed a check.
  bool evaluated = false;
  std::string reason;
  double node_flops = 0;
  double step_flops = 0;
  nlohmann::json deviation = 0.0;  // core/train/node_compare.h DeviationJson
  double tolerance = 0;
  Digest arbiter_output_hash;
  double node_seconds = 0;
  double job_load_seconds = 0;
  int64_t evidence_bytes = 0;
  nlohmann::json ToJson() const;
  static Result<NodeRulingEvent> FromJson(const nlohmann::json& j);
};

// game_update: the GameUpdate event's body.
struct GameUpdateEvent {
  static constexpr const char* kType = "game_update";
  GameUpdate update;
  nlohmann::json ToJson() const;
  static Result<GameUpdateEvent> FromJson(const nlohmann::json& j);
};

// dispute_resolved: the dispute's report (arbiter/dispute.h,
// Dispute::Report), as task_settled's "dispute" also carries it.
struct DisputeResolvedEvent {
  static constexpr const char* kType = "dispute_resolved";
  nlohmann::json report = nlohmann::json::object();
  nlohmann::json ToJson() const;
  static Result<DisputeResolvedEvent> FromJson(const nlohmann::json& j);
};

// Every event type above, in the order declared.
const std::vector<std::string_view>& EventTypes();
bool IsEventType(std::string_view type);

// Reads `data` as the body of a `type` event and writes it back: for every
// event the arbiter logged, `data` unchanged (the registry's own check, run
// over whole logs by the tests). InvalidArgument for an unknown type or a
// missing or malformed field, naming the type and the field.
Result<nlohmann::json> RoundTripEventData(std::string_view type, const nlohmann::json& data);

// Every event of a log is of a registered type and reads back to its own
// bytes: Corruption naming the first event (seq, type) that does not, and
// why. Run on every finished run's log (scenarios/runner/run.cc).
Status CheckEventTypes(const std::vector<Event>& events);

}  // namespace veritrain
