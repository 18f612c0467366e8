// Data-availability challenges: the demand book's transitions and limits,
// the check of a delivered checkpoint (each named reason), the task
// machine's withheld path and the withheld settlement.
#include "core/protocol/availability.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "core/protocol/settlement.h"
#include "core/protocol/task_machine.h"
#include "core/state/state_hash.h"
#include "tests/unit/protocol/settlement_world.h"

namespace veritrain {
namespace {

TensorData Int64Tensor(const std::string& name, int64_t v) {
  std::string bytes(sizeof(v), '\0');
  std::memcpy(bytes.data(), &v, sizeof(v));
  return TensorData{name, DType::kInt64, {}, Bytes::FromString(bytes)};
}

// A trace of `n` checkpoints every `k` steps; checkpoint i records step
// i·k, except those listed in `wrong_step`.
struct Trace {
  std::vector<State> states;
  std::vector<Digest> hashes;
  std::unique_ptr<MerkleTree> tree;
  DeliveryContext ctx;

  Trace(int64_t n, int64_t k, std::map<int64_t, int64_t> wrong_step = {}) {
    std::vector<Digest> leaves;
    for (int64_t i = 0; i < n; ++i) {
      const int64_t step = wrong_step.count(i) > 0 ? wrong_step[i] : i * k;
      State s = {Int64Tensor("meta/step", step),
                 TensorData{"param/w", DType::kFloat32, {2},
                            Bytes::FromString(std::string(8, static_cast<char>('a' + i)))}};
      hashes.push_back(StateHash(s).value());
      leaves.push_back(MerkleLeafHash(hashes.back()));
      states.push_back(std::move(s));
    }
    tree = std::make_unique<MerkleTree>(leaves);
    ctx = DeliveryContext{tree->root(), n, k};
  }
  Status Deliver(int64_t i) const {
    return CheckDelivery(ctx, i, hashes[i], tree->Prove(static_cast<size_t>(i)), states[i]);
  }
};

bool StartsWith(const Status& s, const std::string& prefix) {
  return s.message().rfind(prefix, 0) == 0;
}

TEST(CheckDelivery, AcceptsTheCommittedCheckpoint) {
  Trace t(5, 10);
  for (int64_t i = 0; i < 5; ++i) EXPECT_TRUE(t.Deliver(i).ok()) << i;
}

TEST(CheckDelivery, NamesEachWayADeliveryIsWrong) {
  Trace t(5, 10);
  // A proof for another position, or one that does not lead to the root.
  Status other = CheckDelivery(t.ctx, 2, t.hashes[2], t.tree->Prove(3), t.states[2]);
  EXPECT_TRUE(StartsWith(other, "proof:")) << other.ToString();
  InclusionProof bad = t.tree->Prove(2);
  bad.path[0].bytes[0] ^= 1;
  Status corrupt = CheckDelivery(t.ctx, 2, t.hashes[2], bad, t.states[2]);
  EXPECT_TRUE(StartsWith(corrupt, "proof:")) << corrupt.ToString();
  // Tensors that are not the state whose hash is proven.
  Status swapped = CheckDelivery(t.ctx, 2, t.hashes[2], t.tree->Prove(2), t.states[3]);
  EXPECT_TRUE(StartsWith(swapped, "hash:")) << swapped.ToString();
  // Outside the trace.
  EXPECT_TRUE(StartsWith(CheckDelivery(t.ctx, 5, t.hashes[4], t.tree->Prove(4), t.states[4]),
                         "index:"));
  EXPECT_TRUE(StartsWith(CheckDelivery(t.ctx, -1, t.hashes[0], t.tree->Prove(0), t.states[0]),
                         "index:"));
}

TEST(CheckDelivery, AWrongOrMissingStepCounterIsTheSolversFault) {
  Trace t(5, 10, {{3, 31}});
  Status wrong = t.Deliver(3);
  EXPECT_TRUE(StartsWith(wrong, "step:")) << wrong.ToString();
  EXPECT_NE(wrong.message().find("records step 31, not 30"), std::string::npos);
  EXPECT_TRUE(t.Deliver(2).ok());
  // A committed state without a counter.
  State no_step = {TensorData{"param/w", DType::kFloat32, {1}, Bytes::FromString("abcd")}};
  const Digest h = StateHash(no_step).value();
  MerkleTree one({MerkleLeafHash(h), MerkleLeafHash(Sha256Of("other"))});
  DeliveryContext ctx{one.root(), 2, 10};
  EXPECT_TRUE(StartsWith(CheckDelivery(ctx, 0, h, one.Prove(0), no_step), "step:"));
}

// Property: over random trace sizes, intervals and positions, the committed
// checkpoint is accepted and every one-bit change of its proof, every step
// counter off by one, and every other position's state are refused.
TEST(CheckDelivery, PropertyOnlyTheCommittedCheckpointPasses) {
  std::mt19937_64 rng(20240);
  for (int round = 0; round < 60; ++round) {
    const int64_t n = 2 + static_cast<int64_t>(rng() % 40);
    const int64_t k = 1 + static_cast<int64_t>(rng() % 50);
    const int64_t i = static_cast<int64_t>(rng() % n);
    const int64_t off = rng() % 2 ? 1 : -1;
    Trace t(n, k, {{(i + 1) % n, ((i + 1) % n) * k + off}});
    SCOPED_TRACE("n=" + std::to_string(n) + " k=" + std::to_string(k) + " i=" + std::to_string(i));
    EXPECT_TRUE(t.Deliver(i).ok());  // only (i + 1) % n has a wrong counter
    EXPECT_TRUE(StartsWith(t.Deliver((i + 1) % n), "step:"));
    InclusionProof p = t.tree->Prove(static_cast<size_t>(i));
    if (!p.path.empty()) {
      const size_t at = rng() % p.path.size();
      p.path[at].bytes[rng() % 32] ^= static_cast<uint8_t>(1u << (rng() % 8));
      EXPECT_TRUE(StartsWith(CheckDelivery(t.ctx, i, t.hashes[i], p, t.states[i]), "proof:"));
    }
    const int64_t j = (i + 1 + static_cast<int64_t>(rng() % (n - 1))) % n;  // j != i
    EXPECT_FALSE(
        CheckDelivery(t.ctx, i, t.hashes[j], t.tree->Prove(static_cast<size_t>(j)), t.states[j])
            .ok());
    EXPECT_TRUE(StartsWith(
        CheckDelivery(t.ctx, i, t.hashes[i], t.tree->Prove(static_cast<size_t>(i)), t.states[j]),
        "hash:"));
  }
}

TEST(AvailabilityBook, OpenDeliverAndExpire) {
  AvailabilityBook book;
  auto d = book.Open("v1", 2, 5, 4, /*now=*/100, /*deadline=*/1100);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ((*d)->state, DemandState::kOpen);
  EXPECT_TRUE(book.any_open());
  EXPECT_FALSE(book.Expire(1099).has_value());
  // Asking again is the same demand; another verifier joins it with the
  // first deadline.
  EXPECT_EQ(book.Open("v1", 2, 5, 4, 500, 9999).value(), *d);
  EXPECT_EQ(book.Open("v2", 2, 5, 4, 600, 9999).value()->deadline_ms, 1100);
  EXPECT_EQ((*d)->challengers, (std::vector<std::string>{"v1", "v2"}));
  EXPECT_EQ((*d)->first_challenger, "v1");
  auto failed = book.Expire(1100);
  ASSERT_TRUE(failed.has_value());
  EXPECT_EQ(failed->index, 2);
  EXPECT_EQ(failed->first_challenger, "v1");
  EXPECT_EQ(book.Find(2)->state, DemandState::kFailed);
  EXPECT_FALSE(book.any_open());
  // Nothing more can happen to a failed demand.
  EXPECT_FALSE(book.Resolve(2, true, Sha256Of("x"), "").ok());
  EXPECT_FALSE(book.Expire(99999).has_value());

  ASSERT_TRUE(book.Open("v1", 3, 5, 4, 0, 10).ok());
  ASSERT_TRUE(book.Resolve(3, true, Sha256Of("c3"), "").ok());
  EXPECT_EQ(book.Find(3)->state, DemandState::kDelivered);
  EXPECT_FALSE(book.Expire(99999).has_value());  // delivered never expires
  EXPECT_FALSE(book.Resolve(3, false, Sha256Of("c3"), "late").ok());  // checked once
  EXPECT_EQ(book.Find(3)->state, DemandState::kDelivered);
}

TEST(AvailabilityBook, ExpiresTheEarliestDeadlineFirst) {
  AvailabilityBook book;
  ASSERT_TRUE(book.Open("v1", 1, 5, 4, 0, 300).ok());
  ASSERT_TRUE(book.Open("v2", 4, 5, 4, 0, 200).ok());
  EXPECT_EQ(book.Expire(500)->index, 4);
  EXPECT_EQ(book.Expire(500)->index, 1);
  EXPECT_FALSE(book.Expire(500).has_value());
}

TEST(AvailabilityBook, RefusesOutOfRangeAndPastTheLimits) {
  AvailabilityBook book;
  EXPECT_EQ(book.Open("v1", 5, 5, 4, 0, 10).status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(book.Open("v1", -1, 5, 4, 0, 10).status().code(), Status::Code::kInvalidArgument);
  const int64_t n = 100;
  const int64_t per_verifier = 6;
  for (int64_t i = 0; i < per_verifier; ++i) {
    ASSERT_TRUE(book.Open("v1", i, n, per_verifier, 0, 10).ok());
  }
  auto over = book.Open("v1", 50, n, per_verifier, 0, 10);
  EXPECT_EQ(over.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(over.status().message().find("the most one verifier may"), std::string::npos);
  // Repeating one it already asked for is not a new demand.
  EXPECT_TRUE(book.Open("v1", 0, n, per_verifier, 0, 10).ok());
  // Other verifiers have limits of their own, and may join its demands.
  for (int64_t i = 10; i < 10 + per_verifier; ++i) {
    ASSERT_TRUE(book.Open("v2", i, n, per_verifier, 0, 10).ok());
  }
  EXPECT_FALSE(book.Open("v2", 60, n, per_verifier, 0, 10).ok());
  EXPECT_TRUE(book.Open("v3", 0, n, per_verifier, 0, 10).ok());
  EXPECT_EQ(static_cast<int64_t>(book.demands().size()), 2 * per_verifier);
}

// What a verifier may demand covers every checkpoint it needs: the start
// and end of each interval it checks, however many those are, and never
// more than the trace.
TEST(AvailabilityBook, AVerifierMayDemandTheEndsOfEveryIntervalItChecks) {
  EXPECT_EQ(DemandsPerVerifier(1, 1, 7), 4);
  EXPECT_EQ(DemandsPerVerifier(0, 5, 11), 10);
  EXPECT_EQ(DemandsPerVerifier(2, 5, 6), 6);  // every interval: the whole trace
  EXPECT_EQ(DemandsPerVerifier(0, 1, 2), 2);
  EXPECT_EQ(DemandsPerVerifier(INT64_MAX, INT64_MAX, 9), 9);  // saturates
  // A verifier checking 5 of 10 intervals, the solver withholding every
  // checkpoint from 1 on: each demand it needs is opened.
  AvailabilityBook book;
  const int64_t per_verifier = DemandsPerVerifier(0, 5, 11);
  for (int64_t i = 1; i <= 10; ++i) {
    EXPECT_TRUE(book.Open("v1", i, 11, per_verifier, 0, 10).ok()) << i;
  }
}

TEST(AvailabilityBook, RelaysABoundedNumberOfTimes) {
  AvailabilityBook book;
  ASSERT_TRUE(book.Open("v1", 1, 3, 4, 0, 10).ok());
  EXPECT_FALSE(book.NoteRelay(1, "v1").ok());  // not delivered yet
  ASSERT_TRUE(book.Resolve(1, true, Sha256Of("c"), "").ok());
  for (int64_t i = 0; i < AvailabilityBook::kMaxRelays; ++i) {
    EXPECT_TRUE(book.NoteRelay(1, "v1").ok());
  }
  EXPECT_FALSE(book.NoteRelay(1, "v1").ok());
  EXPECT_TRUE(book.NoteRelay(1, "v2").ok());  // per verifier
}

TEST(TaskMachine, DataWithheldOnlyWhileVerifying) {
  TaskMachine m;
  ASSERT_TRUE(m.Apply(TaskEvent::kAssigned).ok());
  EXPECT_FALSE(m.Apply(TaskEvent::kDataWithheld).ok());  // nothing committed yet
  ASSERT_TRUE(m.Apply(TaskEvent::kTraceCommitted).ok());
  EXPECT_FALSE(m.Apply(TaskEvent::kDataWithheld).ok());
  ASSERT_TRUE(m.Apply(TaskEvent::kRandomnessRevealed).ok());
  ASSERT_TRUE(m.Apply(TaskEvent::kDataWithheld).ok());
  EXPECT_EQ(m.state(), TaskState::kWithheld);
  EXPECT_STREQ(TaskStateName(m.state()), "withheld");
  EXPECT_FALSE(m.Apply(TaskEvent::kAllAccepted).ok());
  ASSERT_TRUE(m.Apply(TaskEvent::kSettle).ok());
  EXPECT_TRUE(m.done());
  EXPECT_EQ(ParseTaskEvent("data_withheld").value(), TaskEvent::kDataWithheld);
  // In a game the data is already the arbiter's: no withholding outcome.
  TaskMachine game;
  for (TaskEvent e : {TaskEvent::kAssigned, TaskEvent::kTraceCommitted,
                      TaskEvent::kRandomnessRevealed, TaskEvent::kChallenge}) {
    ASSERT_TRUE(game.Apply(e).ok());
  }
  EXPECT_FALSE(game.Apply(TaskEvent::kDataWithheld).ok());
}

TEST(Settlement, WithheldSlashesTheSolverToTheVerifierThatAsked) {
  SettlementWorld w;  // solver stake 1000, split 60 / 30 / 10
  // v1 asked and has no verdict; v2 accepted; v3 had not voted yet.
  w.Verdicts({VerdictKind::kNone, VerdictKind::kAccept, VerdictKind::kNone});
  auto plan = w.Settle(SettlementOutcome::kWithheld, "v1");
  EXPECT_EQ(w.Balance("solver"), w.funds - 1000);
  EXPECT_EQ(w.Balance("v1"), w.funds + w.economics.verifier_fee + 600);
  EXPECT_EQ(w.Balance("v2"), w.funds + w.economics.verifier_fee);  // not lazy
  EXPECT_EQ(w.Balance("v3"), w.funds);  // cut short, not silent: no slash
  ASSERT_EQ(plan.slashed.size(), 1u);
  EXPECT_EQ(plan.slashed[0].owner, "solver");
  EXPECT_EQ(plan.slashed[0].winner, "v1");
  EXPECT_EQ(plan.slashed[0].why, "withheld a checkpoint");
  EXPECT_TRUE(plan.silent.empty());
  EXPECT_TRUE(plan.lazy.empty());
  // The reward and the unearned fee go back.
  EXPECT_EQ(w.Balance("submitter"), w.submitter_funds - 2 * w.economics.verifier_fee);
  EXPECT_TRUE(w.HeldIsEmpty());
}

TEST(Settlement, WithheldNeedsTheVerifierThatAsked) {
  SettlementInput in;
  in.outcome = SettlementOutcome::kWithheld;
  in.escrow_account = "escrow/t";
  auto plan = PlanSettlement(in);
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find("withheld needs a challenger"), std::string::npos);
}

}  // namespace
}  // namespace veritrain
