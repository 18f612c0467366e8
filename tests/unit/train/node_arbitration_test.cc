// One-node arbitration: for every node of a recorded step, an honest
// solver's evidence is upheld; a corrupted node's output is caught; and
// evidence that was tampered with is ruled against the solver.
#include "core/train/node_arbitration.h"

#include <gtest/gtest.h>

#include <atomic>

#include "core/protocol/node_chain.h"
#include "tests/unit/train/train_test_util.h"

namespace veritrain {
namespace {

using testing_util::MakeJobOrDie;
using testing_util::SyntheticJobJson;
using testing_util::UseTestProfile;

// Advances a few steps so the optimizer state is not all zeros.
TensorMap StateAtStep(const TrainingJob& job, int steps) {
  TensorMap s = job.InitialState(11);
  for (int i = 0; i < steps; ++i) s = *TrainStep(job, s);
  return s;
}

ArbitrationContext ContextFor(const StepTranscript& t, int64_t node, int64_t nodes) {
  ArbitrationContext c;
  c.step = t.step;
  c.node = node;
  c.graph_nodes = nodes;
  c.agreed_state_hash = t.state_hash;
  c.agreed_chain_hash = t.chain[node];
  c.solver_chain_next = t.chain[node + 1];
  c.solver_next_state_hash = t.next_state_hash;
  return c;
}

NodeHook Perturb(int64_t target, double magnitude) {
  return [target, magnitude](size_t index, const Node&, TensorMap& outputs) {
    if (static_cast<int64_t>(index) != target) return;
    for (auto& [name, t] : outputs) {
      if (t.is_floating_point()) t = t + magnitude;
    }
  };
}

// A job that counts the states it builds, for the test that a ruling
// learns the state's names without building one.
class CountingJob : public testing_util::ForwardingJob {
 public:
  using ForwardingJob::ForwardingJob;
  TensorMap InitialState(uint64_t init_seed) const override {
    ++initial_states_;
    return inner().InitialState(init_seed);
  }
  std::vector<std::string> StateNames() const override { return inner().StateNames(); }
  int initial_states() const { return initial_states_; }

 private:
  mutable std::atomic<int> initial_states_{0};
};

// The ruling on `ev`, on one thread and on two: the verdicts must agree.
NodeRuling RuleOnBothThreadCounts(const TrainingJob& job, ArbitrationContext ctx,
                                  const NodeEvidence& ev) {
  ctx.threads = 1;
  auto one = ArbitrateNode(job, ctx, ev);
  ctx.threads = 2;
  auto two = ArbitrateNode(job, ctx, ev);
  EXPECT_TRUE(one.ok()) << one.status().ToString();
  EXPECT_TRUE(two.ok()) << two.status().ToString();
  if (!one.ok() || !two.ok()) return {};
  EXPECT_EQ(one->solver_correct, two->solver_correct);
  EXPECT_EQ(one->reason, two->reason);
  EXPECT_EQ(one->arbiter_output_hash, two->arbiter_output_hash);
  return *two;
}

class NodeArbitration : public ::testing::Test {
 protected:
  void SetUp() override {
    UseTestProfile();
    job_ = MakeJobOrDie(SyntheticJobJson());
    ASSERT_NE(job_, nullptr);
    state_ = StateAtStep(*job_, 3);
  }
  std::unique_ptr<TrainingJob> job_;
  TensorMap state_;
};

TEST_F(NodeArbitration, TranscriptMatchesTrainStepAndTheTrace) {
  auto t = RecordStep(*job_, state_, nullptr);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  auto next = TrainStep(*job_, state_);
  ASSERT_TRUE(next.ok());
  EXPECT_TRUE(BitEqual(t->next_state, *next));
  const int64_t n = GameNodeCount(*job_);
  EXPECT_EQ(static_cast<int64_t>(t->output_hashes.size()), n);
  EXPECT_EQ(GameNodeName(*job_, n - 1), kAssembleNode);
  EXPECT_EQ(t->output_hashes.back(), t->next_state_hash);
  EXPECT_EQ(t->chain.size(), static_cast<size_t>(n + 1));
}

// The challenger's hashes alone, computed as the step runs, are the
// transcript's: on the synthetic job and on the transformer (whose causal
// mask makes non-finite node outputs).
TEST_F(NodeArbitration, HashStepGivesTheTranscriptsHashes) {
  auto transformer = MakeJobOrDie({{"name", "transformer"}, {"batch_size", 4}, {"data_seed", 9},
                                   {"init_seed", 2}});
  ASSERT_NE(transformer, nullptr);
  for (const TrainingJob* job : {job_.get(), transformer.get()}) {
    const TensorMap state = StateAtStep(*job, 2);
    auto recorded = RecordStep(*job, state, nullptr);
    ASSERT_TRUE(recorded.ok()) << recorded.status().ToString();
    auto hashed = HashStep(*job, state, recorded->state_hash);
    ASSERT_TRUE(hashed.ok()) << hashed.status().ToString();
    EXPECT_EQ(hashed->step, recorded->step);
    EXPECT_EQ(hashed->output_hashes, recorded->output_hashes);
    EXPECT_EQ(hashed->chain, recorded->chain);
    EXPECT_EQ(hashed->outputs_root, recorded->outputs_root);
    EXPECT_EQ(hashed->next_state_hash, recorded->next_state_hash);
    EXPECT_TRUE(hashed->outputs.empty());
    EXPECT_TRUE(hashed->next_state.empty());
  }
  TensorMap no_step = state_;
  no_step.erase("meta/step");
  EXPECT_FALSE(HashStep(*job_, no_step, Digest()).ok());
}

TEST_F(NodeArbitration, HonestEvidenceIsUpheldForEveryNode) {
  auto t = RecordStep(*job_, state_, nullptr);
  ASSERT_TRUE(t.ok());
  const int64_t n = GameNodeCount(*job_);
  for (int64_t node = 0; node < n; ++node) {
    auto ev = BuildNodeEvidence(*job_, *t, node, false);
    ASSERT_TRUE(ev.ok()) << ev.status().ToString();
    auto r = ArbitrateNode(*job_, ContextFor(*t, node, n), *ev);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_TRUE(r->solver_correct) << GameNodeName(*job_, node) << ": " << r->reason;
  }
}

TEST_F(NodeArbitration, CorruptedNodeIsCaughtExactlyThere) {
  const int64_t n = GameNodeCount(*job_);
  for (int64_t target = 0; target + 1 < n; ++target) {
    auto bad = RecordStep(*job_, state_, Perturb(target, 0.5));
    ASSERT_TRUE(bad.ok());
    auto ev = BuildNodeEvidence(*job_, *bad, target, false);
    ASSERT_TRUE(ev.ok());
    auto r = ArbitrateNode(*job_, ContextFor(*bad, target, n), *ev);
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(r->solver_correct) << GameNodeName(*job_, target);
    // Every node before it is honest: evaluated from the corrupted run's
    // own (still honest) inputs, it is upheld.
    if (target > 0) {
      auto ev0 = BuildNodeEvidence(*job_, *bad, target - 1, false);
      auto r0 = ArbitrateNode(*job_, ContextFor(*bad, target - 1, n), *ev0);
      ASSERT_TRUE(r0.ok());
      EXPECT_TRUE(r0->solver_correct) << r0->reason;
    }
  }
}

TEST_F(NodeArbitration, TamperedEvidenceLoses) {
  auto t = RecordStep(*job_, state_, nullptr);
  ASSERT_TRUE(t.ok());
  const int64_t n = GameNodeCount(*job_);
  const int64_t node = 2;
  auto ev = BuildNodeEvidence(*job_, *t, node, false);
  ASSERT_TRUE(ev.ok());
  ASSERT_FALSE(ev->tensors.empty());

  NodeEvidence flipped = *ev;  // one byte of one input tensor changed
  std::string bytes = flipped.tensors[0].bytes.ToString();
  bytes[0] ^= 1;
  flipped.tensors[0].bytes = Bytes::FromString(bytes);
  auto r = ArbitrateNode(*job_, ContextFor(*t, node, n), flipped);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->solver_correct);

  NodeEvidence missing = *ev;
  missing.inputs.erase(missing.inputs.begin());
  r = ArbitrateNode(*job_, ContextFor(*t, node, n), missing);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->solver_correct);
  EXPECT_NE(r->reason.find("missing"), std::string::npos) << r->reason;

  auto ctx = ContextFor(*t, node, n);
  ctx.graph_nodes = n + 1;
  r = ArbitrateNode(*job_, ctx, *ev);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->solver_correct);

  ctx = ContextFor(*t, node, n);
  ctx.solver_chain_next = Sha256Of("another commitment");
  r = ArbitrateNode(*job_, ctx, *ev);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->solver_correct);
  EXPECT_NE(r->reason.find("chain"), std::string::npos) << r->reason;
}

TEST_F(NodeArbitration, RulingsBuildNoState) {
  CountingJob job(*job_);
  auto t = RecordStep(job, state_, nullptr);
  ASSERT_TRUE(t.ok());
  const int64_t n = GameNodeCount(job);
  for (int64_t node = 0; node < n; ++node) {
    auto ev = BuildNodeEvidence(job, *t, node, false);
    ASSERT_TRUE(ev.ok());
    NodeRuling r = RuleOnBothThreadCounts(job, ContextFor(*t, node, n), *ev);
    EXPECT_TRUE(r.solver_correct) << GameNodeName(job, node) << ": " << r.reason;
  }
  EXPECT_EQ(job.initial_states(), 0);
}

// Every input tensor of every node, one byte changed: the ruling is
// against the solver and names the input, on one thread and on two.
TEST_F(NodeArbitration, EveryTamperedInputTensorLoses) {
  auto t = RecordStep(*job_, state_, nullptr);
  ASSERT_TRUE(t.ok());
  const int64_t n = GameNodeCount(*job_);
  for (int64_t node = 0; node < n; ++node) {
    auto ev = BuildNodeEvidence(*job_, *t, node, false);
    ASSERT_TRUE(ev.ok());
    for (size_t i = 0; i < ev->tensors.size(); ++i) {
      NodeEvidence bad = *ev;
      std::string bytes = bad.tensors[i].bytes.ToString();
      ASSERT_FALSE(bytes.empty());
      bytes[bytes.size() / 2] ^= 1;
      bad.tensors[i].bytes = Bytes::FromString(bytes);
      NodeRuling r = RuleOnBothThreadCounts(*job_, ContextFor(*t, node, n), bad);
      EXPECT_FALSE(r.solver_correct) << GameNodeName(*job_, node) << " " << bad.tensors[i].name;
      EXPECT_NE(r.reason.find("'" + bad.tensors[i].name + "'"), std::string::npos) << r.reason;
    }
  }
}

TEST_F(NodeArbitration, TamperedProofsLoseAndTheFirstProblemIsReported) {
  auto t = RecordStep(*job_, state_, nullptr);
  ASSERT_TRUE(t.ok());
  const int64_t n = GameNodeCount(*job_);
  for (int64_t node = 0; node < n; ++node) {
    auto ev = BuildNodeEvidence(*job_, *t, node, false);
    ASSERT_TRUE(ev.ok());
    for (size_t i = 0; i < ev->inputs.size(); ++i) {
      if (!ev->inputs[i].contains("proof")) continue;  // a batch input
      auto& path = ev->inputs[i]["proof"]["path"];
      if (path.empty()) continue;
      NodeEvidence bad = *ev;
      bad.inputs[i]["proof"]["path"][0] = Sha256Of("another sibling").Hex();
      const std::string name = bad.inputs[i]["name"];
      NodeRuling r = RuleOnBothThreadCounts(*job_, ContextFor(*t, node, n), bad);
      EXPECT_FALSE(r.solver_correct) << GameNodeName(*job_, node) << " " << name;
      EXPECT_NE(r.reason.find("input '" + name + "' is not"), std::string::npos) << r.reason;
      // A later input missing too: the earlier proof is still the problem.
      if (i + 1 < bad.inputs.size()) {
        bad.inputs.erase(bad.inputs.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                         bad.inputs.end());
        NodeRuling first = RuleOnBothThreadCounts(*job_, ContextFor(*t, node, n), bad);
        EXPECT_EQ(first.reason, r.reason);
      }
    }
  }
}

TEST_F(NodeArbitration, AssembleNodeChecksTheTraceHash) {
  auto t = RecordStep(*job_, state_, nullptr);
  ASSERT_TRUE(t.ok());
  const int64_t n = GameNodeCount(*job_);
  auto ev = BuildNodeEvidence(*job_, *t, n - 1, false);
  ASSERT_TRUE(ev.ok());
  auto ctx = ContextFor(*t, n - 1, n);
  ctx.solver_next_state_hash = Sha256Of("a different trace");
  auto r = ArbitrateNode(*job_, ctx, *ev);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->solver_correct);
  // The proven node outputs assemble to the step's true state, not the
  // trace's: the trace is proven wrong (what a lazy or substituting solver's
  // dispute ends on), so approvers of it were lazy.
  EXPECT_TRUE(r->evaluated) << r->reason;
  EXPECT_NE(r->reason.find("the trace's state is not the step's result"), std::string::npos)
      << r->reason;
  for (const char* mode : {"exact", "tolerance"}) {
    auto tev = BuildNodeEvidence(*job_, *t, n - 1, std::string(mode) == "tolerance");
    ASSERT_TRUE(tev.ok());
    auto tctx = ctx;
    tctx.mode = mode;
    NodeRuling ruling = RuleOnBothThreadCounts(*job_, tctx, *tev);
    EXPECT_FALSE(ruling.solver_correct) << mode;
    EXPECT_TRUE(ruling.evaluated) << mode << ": " << ruling.reason;
  }
}

// A solver whose trace is right but whose claim for state.assemble
// contradicts it (on purpose: a sybil challenger would then collect the
// approvers' stakes as lazy) loses the game, but its trace is not proven
// wrong: the arbiter's own assembly of the proven outputs is the trace's.
TEST_F(NodeArbitration, AContradictoryClaimBesideARightTraceProvesNothing) {
  auto t = RecordStep(*job_, state_, nullptr);
  ASSERT_TRUE(t.ok());
  const int64_t n = GameNodeCount(*job_);
  auto ev = BuildNodeEvidence(*job_, *t, n - 1, false);
  ASSERT_TRUE(ev.ok());
  auto ctx = ContextFor(*t, n - 1, n);
  ev->output_hash = Sha256Of("a claim that is not the trace's state");
  ctx.solver_chain_next = ChainNext(ctx.agreed_chain_hash, ev->output_hash);
  NodeRuling r = RuleOnBothThreadCounts(*job_, ctx, *ev);
  EXPECT_FALSE(r.solver_correct);
  EXPECT_FALSE(r.evaluated) << r.reason;
  EXPECT_NE(r.reason.find("its trace is not proven wrong"), std::string::npos) << r.reason;
  EXPECT_EQ(r.arbiter_output_hash, t->next_state_hash);
}

TEST_F(NodeArbitration, ToleranceModeAcceptsSmallAndRejectsLargeDifferences) {
  const int64_t n = GameNodeCount(*job_);
  const int64_t node = 0;
  for (double magnitude : {1e-9, 1e-1}) {
    auto t = RecordStep(*job_, state_, Perturb(node, magnitude));
    ASSERT_TRUE(t.ok());
    auto ev = BuildNodeEvidence(*job_, *t, node, true);
    ASSERT_TRUE(ev.ok());
    auto ctx = ContextFor(*t, node, n);
    ctx.mode = "tolerance";
    ctx.tolerance = 1e-4;
    auto r = ArbitrateNode(*job_, ctx, *ev);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->solver_correct, magnitude < 1e-4) << r->reason;
    EXPECT_GT(r->deviation, 0.0);
    EXPECT_DOUBLE_EQ(r->tolerance, 1e-4);
    // The arbiter's own output hash: that of the honest outputs.
    auto honest = RecordStep(*job_, state_, nullptr);
    ASSERT_TRUE(honest.ok());
    EXPECT_EQ(r->arbiter_output_hash, honest->output_hashes[node]);
    EXPECT_NE(r->arbiter_output_hash, ev->output_hash);
  }
}

TEST_F(NodeArbitration, ToleranceModeHonestAndTamperedClaims) {
  auto t = RecordStep(*job_, state_, nullptr);
  ASSERT_TRUE(t.ok());
  const int64_t n = GameNodeCount(*job_);
  for (int64_t node = 0; node < n; ++node) {
    auto ev = BuildNodeEvidence(*job_, *t, node, true);
    ASSERT_TRUE(ev.ok());
    auto ctx = ContextFor(*t, node, n);
    ctx.mode = "tolerance";
    ctx.tolerance = 1e-4;
    NodeRuling r = RuleOnBothThreadCounts(*job_, ctx, *ev);
    EXPECT_TRUE(r.solver_correct) << GameNodeName(*job_, node) << ": " << r.reason;
    EXPECT_EQ(r.arbiter_output_hash, t->output_hashes[node]);
    EXPECT_EQ(r.deviation, 0.0);
    // One byte of a claimed output changed: it no longer hashes to the
    // claim. With an input's byte changed too, the input is the problem.
    NodeEvidence bad = *ev;
    size_t out = bad.tensors.size(), in = bad.tensors.size();
    for (size_t i = 0; i < bad.tensors.size(); ++i) {
      (bad.tensors[i].name.rfind("out/", 0) == 0 ? out : in) = i;
    }
    ASSERT_LT(out, bad.tensors.size());
    std::string bytes = bad.tensors[out].bytes.ToString();
    bytes[0] ^= 1;
    bad.tensors[out].bytes = Bytes::FromString(bytes);
    r = RuleOnBothThreadCounts(*job_, ctx, bad);
    EXPECT_FALSE(r.solver_correct);
    EXPECT_NE(r.reason.find("do not hash to its claim"), std::string::npos) << r.reason;
    if (in == bad.tensors.size()) continue;  // only batch inputs
    bytes = bad.tensors[in].bytes.ToString();
    bytes[0] ^= 1;
    bad.tensors[in].bytes = Bytes::FromString(bytes);
    r = RuleOnBothThreadCounts(*job_, ctx, bad);
    EXPECT_FALSE(r.solver_correct);
    EXPECT_NE(r.reason.find("'" + bad.tensors[in].name + "'"), std::string::npos) << r.reason;
  }
}

}  // namespace
}  // namespace veritrain
