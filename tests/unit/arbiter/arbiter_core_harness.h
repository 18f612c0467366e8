// What the arbiter-core tests share: an outbox that records what the core
// wrote (each event stamped with the time of the input being handled, as
// the server's log would stamp it), the core's configuration and genesis,
// a task spec, and a committed trace with the verdicts about it.
//
// Thread-safety: none; one test drives one harness.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "arbiter/arbiter_core.h"
#include "core/crypto/merkle.h"
#include "core/protocol/event_log.h"
#include "core/state/state_hash.h"

namespace veritrain::testing_util {

inline constexpr char kTask[] = "task-0001";

// What the core wrote, in order.
class RecordingOutbox : public ArbiterOutbox {
 public:
  struct Logged {
    std::string type;
    std::string task;
    nlohmann::json data;
    int64_t time_ms = 0;
  };
  Result<int64_t> Append(const std::string& type, const std::string& task,
                         const nlohmann::json& data) override {
    logged.push_back({type, task, data, now});
    return int64_t{0};  // the log adds no time of its own
  }
  Status SignHeads(const Ledger& ledger) override {
    logged.push_back({ChainHeadEvent::kType, "", {{"ledger_head", ledger.head().Hex()}}, now});
    return Status::Ok();
  }
  void Publish(const Message& m) override { published.push_back(m); }

  // The types logged from entry `from` on.
  std::vector<std::string> TypesSince(size_t from) const {
    std::vector<std::string> out;
    for (size_t i = from; i < logged.size(); ++i) out.push_back(logged[i].type);
    return out;
  }
  // The last event of `type` published, if any.
  const Message* LastPublished(const std::string& type) const {
    for (auto it = published.rbegin(); it != published.rend(); ++it) {
      if (it->type == type) return &*it;
    }
    return nullptr;
  }
  // The first `n` entries as the event log would read them back.
  std::vector<Event> Events(size_t n) const {
    std::vector<Event> events;
    for (size_t i = 0; i < n && i < logged.size(); ++i) {
      Event e;
      e.seq = i + 1;
      e.time_ms = logged[i].time_ms;
      e.type = logged[i].type;
      e.task = logged[i].task;
      e.data = logged[i].data;
      events.push_back(std::move(e));
    }
    return events;
  }

  int64_t now = 0;  // the time of the input being handled
  std::vector<Logged> logged;
  std::vector<Message> published;
};

// One core and its outbox, set up as the tests' run: the arbiter, the
// submitter, solver "s" and verifiers v1..v3, with funds minted at 0.
class CoreHarness {
 public:
  // Genesis at time 0 (a fresh run), or nothing (a core to recover into).
  enum class Start { kGenesis, kEmpty };
  explicit CoreHarness(Start start = Start::kGenesis)
      : core(std::make_unique<ArbiterCore>(Config(), &out)) {
    if (start == Start::kEmpty) return;
    const nlohmann::json settings = {{"submitter_funds", 100000}, {"participant_funds", 1000}};
    const Status s = core->Genesis(settings, {"arbiter", "submitter", "s", "v1", "v2", "v3"},
                                   std::string(64, 'a'), std::nullopt, 0);
    EXPECT_TRUE(s.ok()) << s.ToString();
  }

  static ArbiterCoreConfig Config() {
    ArbiterCoreConfig config;
    config.name = "arbiter";
    config.submitter = "submitter";
    config.seed = 7;
    config.known = {"arbiter", "submitter", "s", "v1", "v2", "v3"};
    config.silence_ms = 1000;
    return config;
  }
  // 20 steps in checkpoints of 10 on the synthetic job; reward 600; two of
  // three verifiers drawn.
  static TaskSpec Spec() {
    TaskSpec s;
    s.job = {{"name", "synthetic"}, {"batch_size", 32}, {"data_seed", 5}};
    s.steps = 20;
    s.checkpoint_interval = 10;
    s.reward = 600;
    s.solver = "s";
    s.verifiers = {"v1", "v2", "v3"};
    s.training_deadline_s = 10;
    s.verification_deadline_s = 10;
    s.game_clock_s = 1;
    s.economics.verifier_fee = 50;
    s.economics.verifiers_per_task = 2;
    s.economics.solver_stake = 100;
    s.economics.verifier_stake = 10;
    s.economics.challenge_stake = 20;
    return s;
  }

  // `body` sent by `from` about `task` at `now`, through the core.
  template <class M>
  ArbiterReply Send(const M& body, const std::string& from, int64_t now,
                    const std::string& task = kTask, uint64_t rid = 0) {
    Message m = Pack(body, task);
    m.from = from;
    m.rid = rid;
    out.now = now;
    auto r = core->Handle(m, from, 100, now);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *std::move(r) : ArbiterReply{};
  }
  // Time passes to `now`.
  void Tick(int64_t now) {
    out.now = now;
    const Status s = core->Tick(now);
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  static Ack AckOf(const ArbiterReply& r) {
    if (!r.reply) return Ack{false, "no reply", {}};
    auto ack = Unpack<Ack>(*r.reply);
    return ack.ok() ? *ack : Ack{false, "not an ack: " + r.reply->type, {}};
  }

  RecordingOutbox out;
  std::unique_ptr<ArbiterCore> core;
};

// A trace of three checkpoints (its Merkle tree), and the verdicts on it.
struct TestTrace {
  TestTrace() {
    for (const char* c : {"c0", "c1", "c2"}) states.push_back(Sha256Of(c));
    Rebuild();
  }
  // The tree over `states` again, after a test changed them.
  void Rebuild() {
    std::vector<Digest> leaves;
    for (const auto& s : states) leaves.push_back(MerkleLeafHash(s));
    tree = std::make_unique<MerkleTree>(leaves);
  }
  TraceCommit Commit() const {
    TraceCommit t;
    t.trace_root = tree->root();
    t.final_state_hash = states.back();
    t.num_checkpoints = static_cast<int64_t>(states.size());
    return t;
  }
  Verdict Accept() const {
    Verdict v;
    v.trace_root = tree->root();
    return v;
  }
  // A challenge of `interval`, with the proofs of both its ends.
  Verdict Challenge(int64_t interval, bool initial_state = false) const {
    Verdict v = Accept();
    v.accept = false;
    v.disputed_interval = interval;
    v.evidence = {
        {"start",
         {{"hash", states[interval].Hex()}, {"proof", ProofToJson(tree->Prove(interval))}}},
        {"end",
         {{"hash", states[interval + 1].Hex()},
          {"proof", ProofToJson(tree->Prove(interval + 1))}}}};
    if (initial_state) v.evidence["initial_state"] = true;
    return v;
  }
  // A challenge of `intervals`: the first disputed, the rest listed as
  // further intervals in order (Verdict::further).
  Verdict ChallengeOf(const std::vector<int64_t>& intervals) const {
    Verdict v = Challenge(intervals.front());
    for (size_t j = 1; j < intervals.size(); ++j) {
      v.further.push_back({intervals[j], "fails too", Challenge(intervals[j]).evidence});
    }
    return v;
  }

  std::vector<Digest> states;
  std::unique_ptr<MerkleTree> tree;
};

}  // namespace veritrain::testing_util
