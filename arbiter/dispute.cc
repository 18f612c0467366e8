#include "arbiter/dispute.h"

#include "core/crypto/merkle.h"
#include "core/train/node_compare.h"
#include "core/wire/body_fields.h"

namespace veritrain {

Party Dispute::PartyOf(const std::string& name) const {
  if (name == solver) return Party::kSolver;
  if (name == challenger) return Party::kChallenger;
  return Party::kInvalid;
}

GameUpdate Dispute::Update() const {
  GameUpdate u;
  u.challenger = challenger;
  u.game = number;
  u.move = moves;
  u.state = GameStateName(game->state());
  u.to_move = PartyName(game->to_move());
  u.positions = game->PositionsToPost();
  const GameState s = game->state();
  const bool choice = s == GameState::kStepChoice || s == GameState::kNodeChoice;
  if (choice && !game->trace().empty()) {
    u.boundaries = game->trace().back().boundaries;
    for (int64_t b : u.boundaries) {
      auto h = s == GameState::kStepChoice ? game->StepHash(b) : game->ChainHash(b);
      if (h) u.hashes.emplace_back(b, *h);
    }
  }
  const bool phase2 = s == GameState::kGraphCommit || s == GameState::kNodeSplits ||
                      s == GameState::kNodeChoice || s == GameState::kEvidence ||
                      (s == GameState::kResolved && game->node_dissection());
  if (phase2 || game->step_dissection().done()) {
    u.disputed_step = game->disputed_step();
    const int64_t rel = game->step_dissection().lo();
    for (int64_t p : {rel, rel + 1}) {
      if (auto h = game->StepHash(p)) u.step_hashes.emplace_back(p, *h);
    }
  }
  if (s == GameState::kEvidence || (s == GameState::kResolved && game->node_dissection() &&
                                    game->node_dissection()->done())) {
    u.disputed_node = game->disputed_node();
  }
  u.graph_nodes = game->graph_nodes();
  if (game->resolved()) {
    u.winner = PartyName(game->winner());
    u.reason = game->reason();
  }
  return u;
}

nlohmann::json Dispute::Report(const std::string& node_name) const {
  const Game& g = *game;
  nlohmann::json trace = nlohmann::json::array();
  for (const auto& r : g.trace()) {
    trace.push_back({{"phase", r.phase}, {"boundaries", r.boundaries}, {"chosen", r.chosen}});
  }
  const int64_t expected1 = CeilLog(g.setup().steps, g.setup().arity);
  const int64_t expected2 = g.graph_nodes() > 0 ? CeilLog(g.graph_nodes(), g.setup().arity) : 0;
  nlohmann::json out = {
      {"challenger", challenger},
      {"game", number},
      {"interval", interval},
      {"first_step", g.setup().first_step},
      {"interval_steps", g.setup().steps},
      {"arity", g.setup().arity},
      {"graph_nodes", g.graph_nodes()},
      {"rounds", g.rounds_phase1() + g.rounds_phase2()},
      {"rounds_phase1", g.rounds_phase1()},
      {"rounds_phase2", g.rounds_phase2()},
      {"expected_rounds", expected1 + expected2},
      {"winner", PartyName(g.winner())},
      {"reason", g.reason()},
      {"trace", trace},
      {"bytes", bytes},
      {"rejected_moves", rejected}};
  if (g.step_dissection().done()) out["step"] = g.disputed_step();
  if (g.node_dissection() && g.node_dissection()->done()) {
    out["node_index"] = g.disputed_node();
    out["node"] = node_name;
  }
  if (ruling) {
    out["arbiter"] = {{"node_flops", ruling->node_flops},
                      {"step_flops", ruling->step_flops},
                      {"flops_ratio", ruling->step_flops > 0
                                          ? ruling->node_flops / ruling->step_flops
                                          : 0.0},
                      {"evaluations", 1}};
    // Exact mode compares hashes: no deviation was measured, so none is
    // reported (a 0 would read as a perfect match).
    if (ruling->tolerance_mode) {
      out["arbiter"]["deviation"] = DeviationJson(ruling->deviation);
      out["arbiter"]["tolerance"] = ruling->tolerance;
    }
  }
  return out;
}

namespace {

Result<ChallengedInterval> CheckIntervalEvidence(int64_t interval, const nlohmann::json& evidence,
                                                 const Digest& trace_root,
                                                 int64_t num_checkpoints) {
  if (interval < 0 || interval + 1 >= num_checkpoints) {
    return Status::InvalidArgument("the challenge names interval " + std::to_string(interval) +
                                   ", outside the trace");
  }
  ChallengedInterval out;
  out.interval = interval;
  for (const char* which : {"start", "end"}) {
    const int64_t index = interval + (std::string(which) == "end" ? 1 : 0);
    auto e = evidence.find(which);
    if (e == evidence.end() || !e->is_object()) {
      return Status::InvalidArgument(std::string("the challenge has no '") + which +
                                     "' checkpoint hash with its proof");
    }
    VT_ASSIGN_OR_RETURN(Digest hash, BodyDigest(*e, "hash"));
    VT_ASSIGN_OR_RETURN(auto proof_json, BodyObject(*e, "proof"));
    VT_ASSIGN_OR_RETURN(InclusionProof proof, ProofFromJson(proof_json, "proof"));
    if (proof.index != static_cast<size_t>(index) ||
        proof.tree_size != static_cast<size_t>(num_checkpoints)) {
      return Status::Corruption(std::string("the '") + which +
                                "' proof is for another position in the trace");
    }
    VT_RETURN_IF_ERROR(VerifyInclusion(MerkleLeafHash(hash), proof, trace_root)
                           .WithContext(std::string("the '") + which + "' checkpoint"));
    (std::string(which) == "start" ? out.start_hash : out.end_hash) = hash;
  }
  auto initial = evidence.find("initial_state");
  if (initial != evidence.end()) {
    if (!initial->is_boolean()) {
      return Status::InvalidArgument("the challenge's 'initial_state' must be true or false");
    }
    out.initial_state = initial->get<bool>();
    if (out.initial_state && interval != 0) {
      return Status::InvalidArgument("an 'initial_state' challenge must name interval 0, not " +
                                     std::to_string(interval));
    }
  }
  return out;
}

}  // namespace

Result<std::vector<ChallengedInterval>> CheckChallengeEvidence(const Verdict& v,
                                                               const Digest& trace_root,
                                                               int64_t num_checkpoints) {
  if (v.further.size() + 1 > Verdict::kMaxChallengedIntervals) {
    return Status::InvalidArgument("the challenge lists more than " +
                                   std::to_string(Verdict::kMaxChallengedIntervals) +
                                   " intervals");
  }
  std::vector<ChallengedInterval> out;
  VT_ASSIGN_OR_RETURN(ChallengedInterval first,
                      CheckIntervalEvidence(v.disputed_interval, v.evidence, trace_root,
                                            num_checkpoints));
  out.push_back(first);
  for (const FurtherChallenge& f : v.further) {
    for (const ChallengedInterval& c : out) {
      if (c.interval == f.interval) {
        return Status::InvalidArgument("the challenge names interval " +
                                       std::to_string(f.interval) + " twice");
      }
    }
    auto next = CheckIntervalEvidence(f.interval, f.evidence, trace_root, num_checkpoints);
    if (!next.ok()) {
      return next.status().WithContext("further interval " + std::to_string(f.interval));
    }
    out.push_back(*next);
  }
  return out;
}

Dispute DisputeFromOpened(const std::string& task, const DisputeOpened& opened, int64_t now_ms) {
  Dispute d;
  d.task = task;
  d.solver = opened.solver;
  d.challenger = opened.challenger;
  d.number = opened.game;
  d.interval = opened.interval;
  d.opened_ms = now_ms;
  GameSetup setup;
  setup.first_step = opened.first_step;
  setup.steps = opened.steps;
  setup.arity = opened.arity;
  setup.start_hash = opened.start_hash;
  setup.solver_end_hash = opened.solver_end_hash;
  setup.clock_ms = opened.clock_ms;
  setup.now_ms = now_ms;
  d.game = std::make_unique<Game>(setup);
  return d;
}

Status ApplyGameMove(Dispute& d, Party party, const GameMove& move, int64_t now_ms) {
  if (move.kind == "split_hashes") {
    return d.game->state() == GameState::kNodeSplits
               ? d.game->PostNodeHashes(party, move.hashes, now_ms)
               : d.game->PostStepHashes(party, move.hashes, now_ms);
  }
  if (move.kind == "choose") return d.game->ChooseSubRange(party, move.index, now_ms);
  return d.game->CommitGraph(party, move.nodes, move.outputs_root, move.chain_end, now_ms);
}

}  // namespace veritrain
