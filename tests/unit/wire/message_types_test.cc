// Round trips of every message type through the signed wire codec:
// struct → Pack → Encode → Decode → Unpack → struct, and rejection of a body
// with a missing field or a wrong version.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/wire/messages/all.h"

namespace veritrain {
namespace {

class MessageTypes : public ::testing::Test {
 protected:
  MessageTypes() : id_(Identity::Generate()) { keys_.Add("alice", id_.public_key()); }

  template <typename T>
  T RoundTrip(const T& in, const std::string& task = "task-0001") {
    Message m = Pack(in, task);
    m.from = "alice";
    m.seq = 1;
    auto frames = EncodeMessage(m, id_);
    auto decoded = DecodeMessage(frames, keys_, KnownMessageTypes());
    EXPECT_TRUE(decoded.ok()) << decoded.status().ToString();
    EXPECT_EQ(decoded->task, task);
    auto out = Unpack<T>(*decoded);
    EXPECT_TRUE(out.ok()) << out.status().ToString();
    // Re-encoding the decoded struct gives the same body.
    EXPECT_EQ(Pack(*out, task).body, m.body);
    return *out;
  }

  Identity id_;
  KeyDirectory keys_;
};

TaskSpec SampleSpec() {
  TaskSpec s;
  s.job = {{"name", "synthetic"}, {"steps", 40}};
  s.steps = 40;
  s.checkpoint_interval = 10;
  s.top_q = 1;
  s.random_samples = 2;
  s.reward = 77;
  s.solver = "solver-1";
  s.verifiers = {"verifier-1", "verifier-2"};
  return s;
}

// A trace of kMaxTraceIntervals intervals, each norm as long as a double
// is written, fits a header: the solver's commitment, the arbiter's
// proof_posted (with an ipc endpoint as long as a socket path can be) and
// real_trace all encode within the limit and decode.
TEST_F(MessageTypes, TheLongestTraceFitsTheHeaderLimit) {
  const std::vector<double> norms(static_cast<size_t>(kMaxTraceIntervals),
                                  -std::numeric_limits<double>::max());
  TraceCommit commit;
  commit.num_checkpoints = kMaxTraceIntervals + 1;
  commit.update_norms = norms;
  commit.serve_endpoint = "ipc://" + std::string(101, 's');
  commit.training = {{"accuracy", 0.123456789012345}, {"seconds", 12345.678901234},
                     {"steps_computed", 100000000}, {"final_loss", 1.2345678901234567}};
  ProofPosted posted;
  posted.solver = std::string(64, 'v');
  posted.num_checkpoints = commit.num_checkpoints;
  posted.update_norms = norms;
  posted.serve_endpoint = commit.serve_endpoint;
  RealTrace real;
  real.update_norms = norms;
  for (Message m : {Pack(commit, "task-0001"), Pack(posted, "task-0001"), Pack(real, "task-0001")}) {
    m.from = "alice";
    m.seq = 1;
    auto frames = EncodeMessage(m, id_);
    EXPECT_LE(frames.at(0).size(), WireLimits().max_header_bytes) << m.type;
    auto decoded = DecodeMessage(frames, keys_, KnownMessageTypes());
    EXPECT_TRUE(decoded.ok()) << m.type << ": " << decoded.status().ToString();
  }
}

// A verdict on the most intervals a verifier may check, each reported as
// large as a report gets (tolerance mode, every metric, the largest claim
// of hyper-parameters reported), challenging the most intervals with
// proofs into a trace of the most intervals, fits a header.
TEST_F(MessageTypes, TheLargestVerdictFitsTheHeaderLimit) {
  const std::string hash(64, 'a');
  const nlohmann::json number = -std::numeric_limits<double>::max();
  nlohmann::json metrics = nlohmann::json::object();
  for (const char* m : {"l1", "l2", "linf", "cosine"}) metrics[m] = number;
  nlohmann::json claim = nlohmann::json::object();
  for (int i = 0; claim.dump().size() < 256; ++i) claim["k" + std::to_string(i)] = number;
  nlohmann::json mismatch = nlohmann::json::object();
  for (const auto& [key, value] : claim.items()) mismatch[key] = {{"task", value}, {"claimed", value}};
  const nlohmann::json entry = {
      {"index", kMaxTraceIntervals}, {"reason", "random"}, {"first_step", 99999999},
      {"steps", 99999999}, {"claimed_update_norm", number}, {"checked", true},
      {"match", false}, {"seconds", number}, {"start_hash", hash},
      {"expected_end_hash", hash}, {"computed_end_hash", hash}, {"bit_equal", false},
      {"committed_dtype", "float64"}, {"compute_dtype", "float64"},
      {"hyperparameters", "prover"}, {"claimed_optimizer", claim},
      {"hyperparameter_mismatch", mismatch}, {"distances", metrics},
      {"raw_distances", metrics}, {"update_norm", number}, {"non_finite", 99999999},
      {"optimizer_state_l2", number}, {"delta", metrics},
      {"exceeded", {"l1", "l2", "linf", "cosine"}}, {"norm_mismatch", true}};
  Verdict v;
  v.accept = false;
  v.disputed_interval = kMaxTraceIntervals - 1;
  v.reason = std::string(300, 'r');
  v.intervals = nlohmann::json::array();
  for (int64_t i = 0; i < Verdict::kMaxCheckedIntervals; ++i) v.intervals.push_back(entry);
  // A proof into a trace of the most intervals: 16 sibling hashes.
  nlohmann::json proof = {{"index", kMaxTraceIntervals}, {"tree_size", kMaxTraceIntervals + 1},
                          {"siblings", std::vector<std::string>(16, hash)}};
  const nlohmann::json evidence = {{"start", {{"hash", hash}, {"proof", proof}}},
                                   {"end", {{"hash", hash}, {"proof", proof}}}};
  v.evidence = evidence;
  for (size_t i = 1; i < Verdict::kMaxChallengedIntervals; ++i) {
    v.further.push_back({static_cast<int64_t>(i), std::string(300, 'r'), evidence});
  }
  Message m = Pack(v, "task-0001");
  m.from = std::string(64, 'v');
  m.seq = 1;
  const auto frames = EncodeMessage(m, id_);
  EXPECT_LE(frames.at(0).size(), WireLimits().max_header_bytes);
}

TEST_F(MessageTypes, EveryTypeRoundTrips) {
  EXPECT_EQ(RoundTrip(Hello{"solver", "ipc:///tmp/x"}).serve_endpoint, "ipc:///tmp/x");
  EXPECT_EQ(RoundTrip(Ack{false, "no", {{"task", "t"}}}).error, "no");
  // A refusal made with empty data ({} is null in an initializer) reads
  // back: before, it failed to unpack and the submitter never saw that its
  // post was refused.
  const Ack refusal = RoundTrip(Ack{false, "cannot escrow the reward", {}});
  EXPECT_FALSE(refusal.ok);
  EXPECT_EQ(refusal.error, "cannot escrow the reward");
  EXPECT_TRUE(refusal.data.is_object());
  EXPECT_EQ(RoundTrip(PostTask{SampleSpec()}).spec.verifiers.size(), 2u);
  Digest d = Sha256Of("x");
  EXPECT_EQ(RoundTrip(TaskAssigned{SampleSpec(), d}).randomness_commitment, d);

  TraceCommit tc;
  tc.trace_root = d;
  tc.final_state_hash = Sha256Of("y");
  tc.num_checkpoints = 5;
  tc.update_norms = {0.5, 1.25, 3, 4};
  tc.serve_endpoint = "tcp://127.0.0.1:5555";
  tc.training = {{"test_accuracy", 0.5}};
  EXPECT_EQ(RoundTrip(tc).update_norms, tc.update_norms);

  ProofPosted pp{"solver-1", d, d, 5, {1, 2, 3, 4}, "ipc://s", Sha256Of("secret")};
  EXPECT_EQ(RoundTrip(pp).randomness_secret, Sha256Of("secret"));

  FetchCheckpoint f;
  f.index = 3;
  f.with_tensors = false;
  EXPECT_FALSE(RoundTrip(f).with_tensors);

  CheckpointReply c;
  c.index = 2;
  c.state_hash = d;
  c.proof.index = 2;
  c.proof.tree_size = 5;
  c.proof.path = {Sha256Of("a"), Sha256Of("b")};
  c.meta = {{"step", 20}};
  TensorData t{"param/w", DType::kFloat32, {2}, Bytes::FromString(std::string(8, '\1'))};
  c.tensors = {t};
  CheckpointReply back = RoundTrip(c);
  EXPECT_EQ(back.proof.path, c.proof.path);
  ASSERT_EQ(back.tensors.size(), 1u);
  EXPECT_EQ(back.tensors[0].bytes.view(), t.bytes.view());

  FetchDisputeData fd;
  fd.what = FetchDisputeData::kStepOutputs;
  fd.position = 3;
  fd.step = 27;
  EXPECT_EQ(RoundTrip(fd).step, 27);
  // A game update names whose game it is: a task's challenges are played
  // one after another, each party acting on its own game's updates only.
  GameUpdate update;
  update.challenger = "verifier-2";
  update.game = 1;
  update.move = 3;
  update.state = "step_choice";
  update.to_move = "challenger";
  update.boundaries = {0, 5, 10};
  update.hashes = {{5, Sha256Of("five")}};
  const GameUpdate update_back = RoundTrip(update);
  EXPECT_EQ(update_back.challenger, "verifier-2");
  EXPECT_EQ(update_back.game, 1);
  EXPECT_EQ(update_back.hashes, update.hashes);
  nlohmann::json unnamed = update.ToBody();
  unnamed.erase("challenger");
  EXPECT_FALSE(GameUpdate::FromBody(unnamed).ok());
  // ... and which of the task's games it is: an update of a game that is
  // over (late, or duplicated) changes nothing.
  nlohmann::json unnumbered = update.ToBody();
  unnumbered.erase("game");
  EXPECT_FALSE(GameUpdate::FromBody(unnumbered).ok());
  nlohmann::json negative = update.ToBody();
  negative["game"] = -1;
  EXPECT_FALSE(GameUpdate::FromBody(negative).ok());
  DisputeOpened opened;
  opened.solver = "solver";
  opened.challenger = "verifier-2";
  opened.game = 2;
  opened.interval = 3;
  opened.first_step = 30;
  opened.steps = 10;
  opened.start_hash = Sha256Of("start");
  opened.solver_end_hash = Sha256Of("end");
  const DisputeOpened opened_back = RoundTrip(opened);
  EXPECT_EQ(opened_back.game, 2);
  EXPECT_EQ(opened_back.interval, 3);
  nlohmann::json opened_unnumbered = opened.ToBody();
  opened_unnumbered.erase("game");
  EXPECT_NE(DisputeOpened::FromBody(opened_unnumbered).status().message().find("'game'"),
            std::string::npos);
  DisputeData dd;
  dd.what = "state";
  dd.position = 4;
  dd.tensors = {t};
  DisputeData dd_back = RoundTrip(dd);
  EXPECT_EQ(dd_back.position, 4);
  ASSERT_EQ(dd_back.tensors.size(), 1u);
  EXPECT_EQ(dd_back.tensors[0].bytes.view(), t.bytes.view());

  Verdict abstain;
  abstain.accept = false;
  abstain.abstain = true;
  abstain.reason = "cannot build the job";
  EXPECT_TRUE(RoundTrip(abstain).abstain);

  Verdict v;
  v.accept = false;
  v.disputed_interval = 2;
  v.reason = "mismatch";
  v.intervals = nlohmann::json::array({{{"index", 2}}});
  v.steps_reexecuted = 10;
  EXPECT_EQ(RoundTrip(v).disputed_interval, 2);
  EXPECT_FALSE(RoundTrip(v).abstain);

  EXPECT_EQ(RoundTrip(TaskSettled{"accepted", "ok", {{"solver-1", 77}}}).outcome, "accepted");
  EXPECT_EQ(RoundTrip(Heartbeat{9}).beat, 9);
  EXPECT_TRUE(RoundTrip(ForcedErrorNotice{true}).forced);
  EXPECT_FALSE(RoundTrip(ForcedErrorNotice{false}).forced);
  RoundTrip(ForcedErrorQuery{});  // no fields: it decodes, unpacks and re-encodes
  EXPECT_EQ(KnownMessageTypes().count(ForcedErrorQuery::kType), 1u);
  RoundTrip(Goodbye{});
  EXPECT_EQ(KnownMessageTypes().count(Goodbye::kType), 1u);
  EXPECT_EQ(RoundTrip(Shutdown{"done"}).reason, "done");
  EXPECT_EQ(RoundTrip(TrainingFailed{"write checkpoint: No space left on device", 80}).reason,
            "write checkpoint: No space left on device");
  EXPECT_EQ(RoundTrip(TrainingFailed{"x", 80}).steps_computed, 80);
  EXPECT_FALSE(TrainingFailed::FromBody({{"reason", "x"}, {"steps_computed", -1}}).ok());
  EXPECT_FALSE(TrainingFailed::FromBody({{"reason", "x"}}).ok());
  EXPECT_EQ(KnownMessageTypes().count(TrainingFailed::kType), 1u);
}

// Truebit's dual commitment on the wire: the commitment travels with the
// trace, the opening and the reveal are their own messages, and a verdict
// and a proof_posted say which trace they are about.
TEST_F(MessageTypes, RealTraceMessagesRoundTrip) {
  TraceCommit tc;
  tc.trace_root = Sha256Of("posted");
  tc.final_state_hash = Sha256Of("final");
  tc.num_checkpoints = 3;
  tc.real_commitment = Sha256Of("commitment");
  EXPECT_EQ(RoundTrip(tc).real_commitment, Sha256Of("commitment"));
  nlohmann::json without = tc.ToBody();
  without.erase("real_commitment");
  auto missing = TraceCommit::FromBody(without);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("'real_commitment'"), std::string::npos);

  RealTrace real;
  real.trace_root = Sha256Of("real");
  real.final_state_hash = Sha256Of("real final");
  real.num_checkpoints = 3;
  real.update_norms = {0.5, 2};
  real.nonce = Sha256Of("nonce");
  const RealTrace back = RoundTrip(real);
  EXPECT_EQ(back.trace_root, real.trace_root);
  EXPECT_EQ(back.nonce, real.nonce);
  EXPECT_EQ(back.update_norms, real.update_norms);
  nlohmann::json one = real.ToBody();
  one["num_checkpoints"] = 1;
  EXPECT_FALSE(RealTrace::FromBody(one).ok());

  const ForcedErrorRevealed revealed = RoundTrip(ForcedErrorRevealed{true, 1234});
  EXPECT_TRUE(revealed.forced);
  EXPECT_EQ(revealed.deadline_ms, 1234);

  ProofPosted pp;
  pp.solver = "solver-1";
  pp.num_checkpoints = 3;
  pp.real_trace = true;
  EXPECT_TRUE(RoundTrip(pp).real_trace);
  Verdict v;
  v.trace_root = Sha256Of("real");
  EXPECT_EQ(RoundTrip(v).trace_root, Sha256Of("real"));
  for (const char* t : {RealTrace::kType, ForcedErrorRevealed::kType}) {
    EXPECT_EQ(KnownMessageTypes().count(t), 1u) << t;
  }
}

// A challenge's further intervals travel in order; a verdict that lists
// them where they cannot be (an acceptance), twice, or too many, is
// refused naming what is wrong.
TEST_F(MessageTypes, AChallengesFurtherIntervalsRoundTrip) {
  Verdict v;
  v.accept = false;
  v.disputed_interval = 2;
  v.reason = "outside δ";
  v.further.push_back({0, "outside δ too", {{"start", {{"hash", "x"}}}}});
  v.further.push_back({5, "hash differs", nlohmann::json::object()});
  const Verdict back = RoundTrip(v);
  EXPECT_EQ(back.further, v.further);
  EXPECT_FALSE(Verdict().ToBody().contains("further"));  // none: as before

  auto refused = [](nlohmann::json body) {
    auto r = Verdict::FromBody(body);
    return r.ok() ? std::string() : r.status().message();
  };
  nlohmann::json accept = v.ToBody();
  accept["accept"] = true;
  EXPECT_NE(refused(accept).find("only a challenge"), std::string::npos);
  nlohmann::json twice = v.ToBody();
  twice["further"][1]["interval"] = 2;  // the disputed interval again
  EXPECT_NE(refused(twice).find("interval 2 twice"), std::string::npos);
  nlohmann::json many = v.ToBody();
  many["further"] = nlohmann::json::array();
  for (int64_t i = 0; i < static_cast<int64_t>(Verdict::kMaxChallengedIntervals); ++i) {
    many["further"].push_back({{"interval", 100 + i}, {"reason", ""}, {"evidence", {}}});
  }
  EXPECT_NE(refused(many).find("at most 64"), std::string::npos);
  nlohmann::json not_list = v.ToBody();
  not_list["further"] = 3;
  EXPECT_NE(refused(not_list).find("'further'"), std::string::npos);
}

// A diverged training run's update norms are NaN or +inf, which JSON cannot
// hold (nlohmann writes them as null, and the arbiter refused the honest
// solver's trace_commit): they travel as "nan", "inf", "-inf".
TEST_F(MessageTypes, NonFiniteUpdateNormsRoundTrip) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  TraceCommit tc;
  tc.trace_root = Sha256Of("x");
  tc.final_state_hash = Sha256Of("y");
  tc.num_checkpoints = 5;
  tc.update_norms = {0.5, inf, nan, 1e308};
  tc.serve_endpoint = "tcp://127.0.0.1:5555";
  EXPECT_EQ(tc.ToBody()["update_norms"], nlohmann::json::parse(R"(
      [0.5, "inf", "nan", 1e308])"));
  const TraceCommit back = RoundTrip(tc);
  ASSERT_EQ(back.update_norms.size(), 4u);
  EXPECT_EQ(back.update_norms[0], 0.5);
  EXPECT_EQ(back.update_norms[1], inf);
  EXPECT_TRUE(std::isnan(back.update_norms[2]));
  EXPECT_EQ(back.update_norms[3], 1e308);

  ProofPosted pp;
  pp.solver = "solver-1";
  pp.num_checkpoints = 3;
  pp.update_norms = {-inf, nan};
  const ProofPosted pback = RoundTrip(pp);
  EXPECT_EQ(pback.update_norms[0], -inf);
  EXPECT_TRUE(std::isnan(pback.update_norms[1]));

  // Anything else in the list is refused, naming the field.
  for (const char* bad : {R"([1, null])", R"([1, "NaN"])", R"([1, "infinity"])", R"([[1]])"}) {
    nlohmann::json body = tc.ToBody();
    body["update_norms"] = nlohmann::json::parse(bad);
    auto r = TraceCommit::FromBody(body);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find("'update_norms'"), std::string::npos);
  }
}

TEST_F(MessageTypes, MissingFieldIsNamed) {
  Message m = Pack(Hello{"solver", ""});
  m.body.erase("role");
  auto r = Unpack<Hello>(m);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("'role'"), std::string::npos) << r.status().message();
}

TEST_F(MessageTypes, WrongBodyVersionOrTypeIsRejected) {
  Message m = Pack(Heartbeat{1});
  m.body["v"] = 2;
  EXPECT_FALSE(Unpack<Heartbeat>(m).ok());
  EXPECT_FALSE(Unpack<Shutdown>(Pack(Heartbeat{1})).ok());
}

TEST_F(MessageTypes, TaskSpecRejectsInconsistentFields) {
  TaskSpec s = SampleSpec();
  s.checkpoint_interval = 7;  // does not divide 40
  auto r = TaskSpec::FromJson(s.ToJson());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("checkpoint_interval"), std::string::npos);
  s = SampleSpec();
  s.top_q = 3;
  s.random_samples = 2;  // 5 > 4 intervals
  EXPECT_FALSE(TaskSpec::FromJson(s.ToJson()).ok());
  s = SampleSpec();
  s.verifiers.clear();
  EXPECT_FALSE(TaskSpec::FromJson(s.ToJson()).ok());
}

TEST(SamplesFitIntervalsTest, TheSumIsBoundedWithoutOverflow) {
  EXPECT_TRUE(SamplesFitIntervals(3, 1, 4));
  EXPECT_TRUE(SamplesFitIntervals(0, 0, 0));
  EXPECT_FALSE(SamplesFitIntervals(3, 2, 4));
  EXPECT_FALSE(SamplesFitIntervals(-1, 2, 4));
  EXPECT_FALSE(SamplesFitIntervals(INT64_MAX, 1, INT64_MAX));  // wraps round without a check
}

TEST_F(MessageTypes, ProofFromJsonRejectsMalformedPaths) {
  EXPECT_FALSE(ProofFromJson({{"index", 0}, {"tree_size", 1}}, "proof").ok());
  EXPECT_FALSE(ProofFromJson({{"index", 0}, {"tree_size", 1}, {"path", {"zz"}}}, "proof").ok());
  EXPECT_FALSE(ProofFromJson({{"index", -1}, {"tree_size", 1}, {"path", nlohmann::json::array()}},
                             "proof")
                   .ok());
  EXPECT_TRUE(ProofFromJson({{"index", 0}, {"tree_size", 1}, {"path", nlohmann::json::array()}},
                            "proof")
                  .ok());
}

}  // namespace
}  // namespace veritrain

namespace veritrain {
namespace {

TEST_F(MessageTypes, AvailabilityMessagesRoundTripAndRefuseBadBodies) {
  AvailabilityChallenge ask{3, "the solver refused checkpoint 3"};
  EXPECT_EQ(RoundTrip(ask).reason, ask.reason);
  CheckpointDemand demand{"solver-1", 3, "open", 12345, ""};
  EXPECT_EQ(RoundTrip(demand).deadline_ms, 12345);
  CheckpointDelivery delivery;
  delivery.index = 3;
  delivery.state_hash = Sha256Of("state");
  delivery.proof.index = 3;
  delivery.proof.tree_size = 5;
  delivery.proof.path = {Sha256Of("a"), Sha256Of("b")};
  delivery.tensors = {
      TensorData{"param/w", DType::kFloat32, {2}, Bytes::FromString(std::string(8, '\2'))}};
  const CheckpointDelivery back = RoundTrip(delivery);
  EXPECT_EQ(back.proof.path, delivery.proof.path);
  ASSERT_EQ(back.tensors.size(), 1u);
  for (const char* t : {AvailabilityChallenge::kType, CheckpointDemand::kType,
                        CheckpointDelivery::kType}) {
    EXPECT_EQ(KnownMessageTypes().count(t), 1u) << t;
  }
  // Hostile bodies: a negative index, an unbounded reason, an unknown state.
  EXPECT_FALSE(AvailabilityChallenge::FromBody({{"index", -1}, {"reason", ""}}).ok());
  auto long_reason = AvailabilityChallenge::FromBody(
      {{"index", 1}, {"reason", std::string(AvailabilityChallenge::kMaxReason + 1, 'x')}});
  ASSERT_FALSE(long_reason.ok());
  EXPECT_NE(long_reason.status().message().find("reason"), std::string::npos);
  EXPECT_FALSE(AvailabilityChallenge::FromBody({{"index", "1"}, {"reason", ""}}).ok());
  EXPECT_FALSE(CheckpointDemand::FromBody({{"solver", "s"}, {"index", 1}, {"state", "won"},
                                           {"deadline_ms", 1}, {"reason", ""}})
                   .ok());
  nlohmann::json body = delivery.ToBody();
  body["proof"] = "not a proof";
  EXPECT_FALSE(CheckpointDelivery::FromBody(body).ok());
  body = delivery.ToBody();
  body["state_hash"] = "zz";
  EXPECT_FALSE(CheckpointDelivery::FromBody(body).ok());
}

}  // namespace
}  // namespace veritrain
