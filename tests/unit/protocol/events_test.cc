// The event registry (core/protocol/events.h): for every event type, the
// exact bytes of its data (the keys as the arbiter has always written them,
// with their number kinds), the round trip through FromJson, and that each
// required field dropped (or renamed) is refused, naming it.
#include "core/protocol/events.h"

#include <gtest/gtest.h>

#include <set>

namespace veritrain {
namespace {

using json = nlohmann::json;

Digest D(const std::string& s) { return Sha256Of(s); }

// `e` writes exactly `expected`, reads back to itself (directly and through
// the registry), and refuses its data without any one key not in
// `optional`.
template <class E>
void ExpectFormat(const E& e, const json& expected, const std::set<std::string>& optional = {}) {
  SCOPED_TRACE(E::kType);
  const json j = e.ToJson();
  EXPECT_EQ(j.dump(), expected.dump());
  auto back = E::FromJson(j);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->ToJson().dump(), j.dump());
  // Through the text of a log line, as the readers see it.
  auto reread = RoundTripEventData(E::kType, json::parse(j.dump()));
  ASSERT_TRUE(reread.ok()) << reread.status().ToString();
  EXPECT_EQ(reread->dump(), j.dump());
  for (const auto& [key, value] : j.items()) {
    if (optional.count(key) > 0) continue;
    json dropped = j;
    dropped.erase(key);
    auto refused = E::FromJson(dropped);
    EXPECT_FALSE(refused.ok()) << "without '" << key << "'";
    if (!refused.ok()) {
      // The missing field is named (a wire body names its own field).
      EXPECT_NE(refused.status().message().find("'"), std::string::npos)
          << refused.status().message();
    }
  }
}

TaskSpec Spec() {
  TaskSpec s;
  s.job = {{"name", "synthetic"}, {"steps", 40}};
  s.steps = 40;
  s.checkpoint_interval = 10;
  s.reward = 77;
  s.solver = "solver-1";
  s.verifiers = {"verifier-1", "verifier-2"};
  return s;
}

TEST(Events, TheRun) {
  ExpectFormat(GenesisEvent{"submitter", 1000, 50, 7, "arbiter", "ab12", "cd34"},
               json{{"submitter", "submitter"},
                    {"submitter_funds", 1000},
                    {"participant_funds", 50},
                    {"jackpot_initial", 7},
                    {"arbiter", "arbiter"},
                    {"arbiter_key", "ab12"},
                    {"manifest_sha256", "cd34"}},
               {"manifest_sha256"});
  // Without a manifest, no key at all (not null).
  const GenesisEvent no_manifest{"s", 1, 2, 3, "a", "k", std::nullopt};
  EXPECT_EQ(no_manifest.ToJson().count("manifest_sha256"), 0u);

  Ledger ledger;
  ASSERT_TRUE(ledger.Mint("submitter", Amount(100), "genesis").ok());
  ASSERT_TRUE(ledger.Transfer("submitter", "escrow/task-0001", Amount(60), "escrow", "task-0001")
                  .ok());
  const LedgerEntry& entry = ledger.entries().back();
  ExpectFormat(TransferEvent{entry}, json{{"seq", 1},
                                          {"from", "submitter"},
                                          {"to", "escrow/task-0001"},
                                          {"amount", 60},
                                          {"reason", "escrow"},
                                          {"task", "task-0001"},
                                          {"prev_hash", entry.prev_hash.Hex()},
                                          {"hash", entry.hash.Hex()}});
  ExpectFormat(TransferRefusedEvent{"v", "stake/t/v", 30, "verifier stake", "overdrawn"},
               json{{"from", "v"},
                    {"to", "stake/t/v"},
                    {"amount", 30},
                    {"reason", "verifier stake"},
                    {"error", "overdrawn"}});
  ExpectFormat(ShutdownEvent{"ee", true, 1, 2, {{"bad_signature", 3}}, {{"drop", 4}}},
               json{{"ledger_head", "ee"},
                    {"conservation", true},
                    {"refused_transfers", 1},
                    {"repeated_requests", 2},
                    {"rejected_messages", {{"bad_signature", 3}}},
                    {"faults_injected", {{"drop", 4}}}});
  ChainHead head;
  head.events = 9;
  head.event_head = D("e");
  head.ledger_entries = 4;
  head.ledger_head = D("l");
  head.signer = "arbiter";
  ExpectFormat(ChainHeadEvent{head}, json{{"events", 9},
                                          {"event_head", D("e").Hex()},
                                          {"ledger_entries", 4},
                                          {"ledger_head", D("l").Hex()},
                                          {"signer", "arbiter"},
                                          {"signature", head.signature.Hex()}});
  ExpectFormat(ArbiterRecoveredEvent{120, {{"task-0001", "verifying"}}, "ff", 3},
               json{{"events", 120},
                    {"tasks", {{"task-0001", "verifying"}}},
                    {"ledger_head", "ff"},
                    {"replies_rebuilt", 3}});
}

TEST(Events, Participants) {
  ExpectFormat(ParticipantJoinedEvent{"solver-1", "solver"},
               json{{"name", "solver-1"}, {"role", "solver"}});
  ExpectFormat(ParticipantSilentEvent{"v", 2500}, json{{"name", "v"}, {"silent_ms", 2500}});
  ExpectFormat(ParticipantReturnedEvent{"v"}, json{{"name", "v"}});
  ExpectFormat(RequestRefusedEvent{"verdict", "v", "not selected"},
               json{{"type", "verdict"}, {"from", "v"}, {"error", "not selected"}});
}

TEST(Events, ATasksLife) {
  ExpectFormat(TaskPostedEvent{Spec(), "submitter", 42},
               json{{"spec", Spec().ToJson()}, {"submitter", "submitter"}, {"rid", 42}});
  ExpectFormat(TaskStateEvent{"posted", "assigned", "training"},
               json{{"from", "posted"}, {"event", "assigned"}, {"to", "training"}});
  ExpectFormat(TaskAssignedEvent{"s", {"a", "b"}, D("c")},
               json{{"solver", "s"},
                    {"verifiers", json::array({"a", "b"})},
                    {"randomness_commitment", D("c").Hex()}});
  TraceCommit trace;
  trace.trace_root = D("root");
  trace.final_state_hash = D("final");
  trace.num_checkpoints = 5;
  trace.update_norms = {0.5, 1.25, 3, 4};
  trace.training = {{"steps_computed", 40}};
  ExpectFormat(TraceCommittedEvent{"s", trace}, json{{"solver", "s"}, {"body", trace.ToBody()}});
  ExpectFormat(RandomnessRevealedEvent{D("secret")}, json{{"secret", D("secret").Hex()}});
  ExpectFormat(VerifiersSelectedEvent{{"b", "a"}}, json{{"verifiers", json::array({"b", "a"})}});
  ExpectFormat(TrainingFailedEvent{"s", "disk full", 80},
               json{{"solver", "s"}, {"reason", "disk full"}, {"steps_computed", 80}});
  ExpectFormat(SolverRecomputedEvent{"s", 200}, json{{"solver", "s"}, {"steps_computed", 200}});
  Verdict verdict;
  verdict.accept = false;
  verdict.disputed_interval = 2;
  verdict.reason = "hash mismatch";
  verdict.seconds = 1.5;
  verdict.trace_root = D("root");
  ExpectFormat(VerdictEvent{"v", verdict}, json{{"verifier", "v"}, {"body", verdict.ToBody()}});
  ExpectFormat(ArbiterErrorEvent{"cannot build the job"},
               json{{"error", "cannot build the job"}});
  TaskSettled settled{"accepted", "every verifier accepted", {{"s", 10}}, json::object()};
  ExpectFormat(TaskSettledEvent{settled}, settled.ToBody());
}

TEST(Events, CheckpointDemands) {
  ExpectFormat(AvailabilityChallengeEvent{"v", 3, "not served", 100, 1100},
               json{{"challenger", "v"},
                    {"index", 3},
                    {"reason", "not served"},
                    {"opened_ms", 100},
                    {"deadline_ms", 1100}});
  InclusionProof proof{3, 5, {D("p1"), D("p2")}};
  ExpectFormat(CheckpointDeliveredEvent{3, true, "", D("state"), proof, "d/t-3.ckpt"},
               json{{"index", 3},
                    {"valid", true},
                    {"error", ""},
                    {"state_hash", D("state").Hex()},
                    {"proof", {{"index", 3},
                               {"tree_size", 5},
                               {"path", json::array({D("p1").Hex(), D("p2").Hex()})}}},
                    {"file", "d/t-3.ckpt"}});
  ExpectFormat(AvailabilityFailedEvent{3, "v", "expired"},
               json{{"index", 3}, {"challenger", "v"}, {"reason", "expired"}});
}

TEST(Events, ForcedErrorsAndSettlement) {
  const json plan = {{"caught", json::array({"v"})}, {"lazy", json::array()}, {"tax", 5}};
  ExpectFormat(ForcedErrorSettlementEvent{plan, {"v", "w"}, "aa"},
               json{{"caught", json::array({"v"})},
                    {"lazy", json::array()},
                    {"tax", 5},
                    {"selected", json::array({"v", "w"})},
                    {"trace_root", "aa"}},
               {"caught", "lazy", "tax"});
  ExpectFormat(ForcedErrorRevealedEvent{true, 5000}, json{{"forced", true}, {"deadline_ms", 5000}},
               {"deadline_ms"});
  const ForcedErrorRevealedEvent not_forced{false, std::nullopt};
  EXPECT_EQ(not_forced.ToJson().dump(), R"({"forced":false})");
  RealTrace real;
  real.trace_root = D("real");
  real.final_state_hash = D("final");
  real.num_checkpoints = 5;
  real.update_norms = {1, 2, 3, 4};
  real.nonce = D("nonce");
  ExpectFormat(RealTraceRevealedEvent{"s", real, false, "does not open"},
               json{{"solver", "s"}, {"body", real.ToBody()}, {"opens", false},
                    {"error", "does not open"}});
  ExpectFormat(InitialStateRulingEvent{"v", D("c"), {{"float32", "aa"}, {"float64", "bb"}}, true},
               json{{"challenger", "v"},
                    {"committed", D("c").Hex()},
                    {"initial_state", {{"float32", "aa"}, {"float64", "bb"}}},
                    {"upheld", true}});
  TaskEconomics econ;
  econ.solver_stake = 100;
  SettlementEvent s{plan, "accepted", true, json{{"caught", json::array({"v"})}}, {"v"}, 12, econ};
  ExpectFormat(s,
               json{{"caught", json::array({"v"})},
                    {"lazy", json::array()},
                    {"tax", 5},
                    {"outcome", "accepted"},
                    {"forced_error", true},
                    {"forced_round", {{"caught", json::array({"v"})}}},
                    {"selected", json::array({"v"})},
                    {"jackpot", 12},
                    {"economics", econ.ToJson()}},
               {"caught", "lazy", "tax", "forced_round"});
  s.forced_round.reset();
  EXPECT_EQ(s.ToJson().count("forced_round"), 0u);
}

TEST(Events, TheChallengeGame) {
  DisputeOpened opened{"s", "v", 1, 10, 10, 2, 60000, D("start"), D("end")};
  ExpectFormat(DisputeOpenedEvent{opened}, opened.ToBody());
  GameMove move;
  move.move = 3;
  move.kind = "choose";
  move.index = 1;
  ExpectFormat(GameMoveEvent{"v", 77, move, false, "not your turn", 310},
               json{{"from", "v"},
                    {"rid", 77},
                    {"move", 3},
                    {"kind", "choose"},
                    {"body", move.ToBody()},
                    {"accepted", false},
                    {"error", "not your turn"},
                    {"bytes", 310}});
  ExpectFormat(GameMoveRejectedEvent{"v", "stale", 12},
               json{{"from", "v"}, {"reason", "stale"}, {"bytes", 12}});
  // A count of bytes is a non-negative int64.
  for (const json& bad : {json(-1), json(1.5), json(uint64_t{1} << 63), json("12")}) {
    json j = GameMoveRejectedEvent{"v", "stale", 12}.ToJson();
    j["bytes"] = bad;
    auto refused = GameMoveRejectedEvent::FromJson(j);
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_NE(refused.status().message().find("'bytes'"), std::string::npos);
  }
  NodeRulingEvent ruling{4,       17,          "layer1.forward", true,     true, "within tolerance",
                         1000.0,  64000.0,     json("inf"),      0.001,    D("out"), 0.25,
                         1.5,     4096};
  ExpectFormat(ruling, json{{"step", 4},
                            {"node_index", 17},
                            {"node", "layer1.forward"},
                            {"solver_correct", true},
                            {"evaluated", true},
                            {"reason", "within tolerance"},
                            {"node_flops", 1000.0},
                            {"step_flops", 64000.0},
                            {"deviation", "inf"},
                            {"tolerance", 0.001},
                            {"arbiter_output_hash", D("out").Hex()},
                            {"timings", {{"node_seconds", 0.25}, {"job_load_seconds", 1.5}}},
                            {"evidence_bytes", 4096}});
  // Reals stay reals: 1000.0 is not written as 1000.
  EXPECT_NE(ruling.ToJson().dump().find("\"node_flops\":1000.0"), std::string::npos);
  GameUpdate update;
  update.move = 2;
  update.state = "step_choose";
  update.to_move = "challenger";
  ExpectFormat(GameUpdateEvent{update}, update.ToBody());
  const json report = {{"winner", "challenger"}, {"reason", "timeout"}, {"rounds", 3}};
  ExpectFormat(DisputeResolvedEvent{report}, report, {"reason", "rounds"});
}

TEST(Events, TheRegistryNamesEveryTypeOnce) {
  const auto& types = EventTypes();
  EXPECT_EQ(types.size(), 35u);
  EXPECT_EQ(std::set<std::string_view>(types.begin(), types.end()).size(), types.size());
  for (const auto& t : types) EXPECT_TRUE(IsEventType(t)) << t;
  // A challenge is logged as a verdict (and a dispute_opened), never as
  // an event of its own.
  EXPECT_FALSE(IsEventType("challenge"));
  auto unknown = RoundTripEventData("challenge", json::object());
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("unknown event type 'challenge'"), std::string::npos);
  auto malformed = RoundTripEventData("verdict", json{{"verifier", "v"}});
  ASSERT_FALSE(malformed.ok());
  EXPECT_NE(malformed.status().message().find("verdict event"), std::string::npos);
  EXPECT_NE(malformed.status().message().find("'body'"), std::string::npos);
}

}  // namespace
}  // namespace veritrain
