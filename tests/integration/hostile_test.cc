// Hostile peers during a real run: while `veritrain run` trains and verifies
// the synthetic task (real processes over ipc), this test connects to every
// socket a role binds — the arbiter's request ROUTER and the solver's
// checkpoint ROUTER — and sends each kind of bad message: garbage, too few
// and too many frames, an oversized header, deeply nested JSON, malformed
// JSON, a bad field, an unsupported version, an unknown type, a tensor that
// does not match its frame, a forged signature, an unknown key; then a
// genuine event captured from the arbiter's event socket, twice (the
// arbiter's own signature: "own_key" at the arbiter, "not_a_request" at the
// solver; the second copy "replayed"), and at the solver a fetch signed with
// a stolen key of a party that verifies none of its tasks ("not_a_peer").
// In one round it also floods both roles with 20,000 garbage messages.
// It must find every one rejected and counted by reason in the role's final
// report and in summary.json; nothing answered and nothing written to the
// arbiter's event log (no request_refused); the roles' logs bounded under
// the flood (the first few rejects of a reason in full, then counts); and
// the task completed and accepted.
//
// The verifier binds no socket (it only connects to the arbiter and the
// solver), so no outsider can reach it; its report must show nothing
// rejected.
#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>
#include <zmq.hpp>

#include "core/crypto/identity.h"
#include "core/transport/messenger.h"
#include "core/role/role_config.h"
#include "core/transport/zmq_frames.h"
#include "core/wire/messages/all.h"
#include "tests/support/log_wait.h"
#include "tests/support/veritrain_process.h"

namespace veritrain {
namespace {

namespace fs = std::filesystem;
using test_support::CountOccurrences;
using test_support::ReadWholeFile;

using Counts = std::map<std::string, int64_t>;
constexpr int kRounds = 3;
constexpr int kFlood = 20000;
constexpr auto kWait = std::chrono::seconds(120);

// One hostile client of one role's ROUTER socket.
class Attacker {
 public:
  // `log` is the role's log; `captured_reason` what it calls an arbiter
  // event sent to it. At the solver, `stolen` is the key of a participant
  // that verifies nothing there (the submitter's).
  Attacker(zmq::context_t& ctx, const std::string& endpoint, const KeyDirectory& keys,
           std::string log, std::string captured_reason, std::string known_name,
           std::optional<std::pair<std::string, Identity>> stolen = std::nullopt)
      : socket_(ctx, zmq::socket_type::dealer),
        keys_(keys),
        log_(std::move(log)),
        captured_reason_(std::move(captured_reason)),
        known_name_(std::move(known_name)),
        stolen_(std::move(stolen)),
        mallory_(Identity::Generate()) {
    ConfigureSocket(socket_);
    socket_.connect(endpoint);
  }

  // Sends one of each bad message, the `captured` event twice (the second
  // copy last), and with `flood` 20,000 garbage messages first. Returns
  // false unless the role's log shows the last one rejected within kWait:
  // messages on one connection arrive in order, so by then the role has
  // received (and refused) everything sent before it.
  bool Round(const std::vector<Bytes>& captured, bool flood) {
    if (flood) {
      for (int i = 0; i < kFlood; ++i) {
        Bad("too_few_frames", {Bytes::FromString("flood " + std::to_string(i))});
      }
    }
    Bad("too_few_frames", {Bytes::FromString("\x13\x37 garbage, not a message")});
    Bad("malformed_json", {Bytes::FromString("{\"type\": \"hello\", oops"), Sig()});
    Bad("header_too_large", {Bytes::FromString(std::string((1 << 20) + 1, ' ')), Sig()});
    std::vector<Bytes> many(WireLimits{}.max_frames + 1, Bytes::FromString("x"));
    Bad("too_many_frames", many);
    const int depth = 100000;
    Bad("json_too_deep",
        {Bytes::FromString(std::string(depth, '[') + std::string(depth, ']')), Sig()});
    Bad("bad_field", {Bytes::FromString(R"({"type":"hello","from":"x"})"), Sig()});
    {
      Message m = Signed("old-version");
      m.version = 99;
      Bad("unsupported_version", EncodeMessage(m, mallory_));
    }
    {
      Message m = Signed("no such type");
      m.type = "launch_missiles";
      Bad("unknown_type", EncodeMessage(m, mallory_));
    }
    {
      Message m = Signed("tensor without its frame");
      m.from = known_name_;
      m.tensors = {TensorData{"x", DType::kFloat32, {2}, Bytes::FromString(std::string(8, 0))}};
      std::vector<Bytes> frames = EncodeMessage(m, mallory_);
      frames.pop_back();
      Bad("tensor_mismatch", frames);
    }
    {
      Message m = Signed("forged");
      m.from = known_name_;  // a participant's name, mallory's signature
      Bad("bad_signature", EncodeMessage(m, mallory_));
    }
    {
      Message m = Signed("unknown key");
      m.from = "mallory";
      Bad("unknown_sender", EncodeMessage(m, mallory_));
    }
    if (stolen_) {
      // A genuine fetch from a participant that verifies nothing here.
      Message m = Pack(FetchCheckpoint{0, false}, "task-0001");
      m.from = stolen_->first;
      m.seq = ++seq_;
      m.rid = seq_;
      Bad("not_a_peer", EncodeMessage(m, stolen_->second));
    }
    Bad(captured_reason_, captured);
    Bad("replayed", captured);
    ++rounds_;
    return test_support::WaitForLogCount(log_, "(replayed)", rounds_, kWait);
  }

  const std::map<std::string, int64_t>& sent() const { return sent_; }
  // Messages the role sent back on this connection (none are due).
  int Answers() {
    int n = 0;
    while (RecvFrames(socket_, false, WireLimits{}.max_frames).ok()) ++n;
    return n;
  }

 private:
  Message Signed(const std::string& note) {
    Message m = Pack(Shutdown{"probe " + std::to_string(seq_) + ": " + note});
    m.from = "mallory";
    m.seq = ++seq_;
    return m;
  }
  static Bytes Sig() { return Bytes::FromString(std::string(64, '\x5a')); }
  void Bad(const std::string& reason, const std::vector<Bytes>& frames) {
    if (SendFrames(socket_, frames).ok()) ++sent_[reason];
  }

  zmq::socket_t socket_;
  KeyDirectory keys_;
  std::string log_;
  std::string captured_reason_;
  std::string known_name_;
  std::optional<std::pair<std::string, Identity>> stolen_;
  Identity mallory_;
  uint64_t seq_ = 0;
  int64_t rounds_ = 0;
  std::map<std::string, int64_t> sent_;
};

class HostileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test_support::MakeTestDir("vt-hostile-");
    ASSERT_FALSE(dir_.empty());
  }
  void TearDown() override {
    // A test that failed half-way stops the run it started instead of
    // leaving it to its timeout.
    test_support::StopVeritrain(run_);
    fs::remove_all(dir_);
  }
  // Waits for the run and marks it ended.
  test_support::CommandResult WaitRun() {
    auto r = test_support::WaitVeritrain(run_, dir_);
    run_ = -1;
    return r;
  }
  // The durable log in `out` holds nothing an outsider sent (no refused
  // request); each reason is logged (in full the first times), and the
  // flood's 20,000 rejects write a bounded number of lines: at most 5 in
  // full per reason and one count per 10 s.
  static void ExpectRejectsLoggedAndBounded(const std::string& out) {
    const std::string events_log = ReadWholeFile(out + "/events.jsonl");
    EXPECT_EQ(CountOccurrences(events_log, "\"request_refused\""), 0);
    for (const std::string role : {"arbiter", "solver-1"}) {
      const std::string log = ReadWholeFile(out + "/logs/" + role + ".log");
      for (const char* reason : {"json_too_deep", "bad_signature", "replayed"}) {
        EXPECT_NE(log.find(reason), std::string::npos) << role << ": " << reason;
      }
      EXPECT_LE(CountOccurrences(log, "(too_few_frames)"), 5 + 10) << role;
      EXPECT_LT(log.size(), 200u * 1024) << role;
    }
    const std::string solver_log = ReadWholeFile(out + "/logs/solver-1.log");
    EXPECT_NE(solver_log.find("not_a_peer"), std::string::npos);
    EXPECT_NE(ReadWholeFile(out + "/logs/arbiter.log").find("own_key"), std::string::npos);
  }
  std::string dir_;
  pid_t run_ = -1;
};

TEST_F(HostileTest,
       BadMessagesToEveryRoleAreRejectedCountedAndTheTaskCompletes) {
  const std::string out = dir_ + "/results";
  // The synthetic task, 30x longer (about 3 s of training and 1 s of
  // verification instead of 0.1 s and 0.01 s), so that each attack round
  // (tens of milliseconds) falls inside the phase it is meant for.
  auto j = nlohmann::json::parse(ReadWholeFile(
      std::string(VERITRAIN_SOURCE_DIR) + "/scenarios/synthetic.json"));
  j.merge_patch(
      {{"job", {{"steps", 6000}}},
       {"protocol", {{"checkpoint_interval", 600}}},
       {"expect",
        {{{"path", "/tasks/0/outcome"}, {"equals", "accepted"}},
         {{"path", "/tasks/0/verifier_steps_reexecuted"}, {"equals", 1800}},
         {{"path", "/conservation"}, {"equals", true}}}}});
  const std::string scenario = dir_ + "/hostile-synthetic.json";
  std::ofstream(scenario) << j.dump(2);
  run_ = test_support::SpawnVeritrain({"run", scenario, "--out", out}, dir_);
  const std::string work = test_support::WaitForWorkDir(
      dir_, run_,
      {"arbiter.json", "keys/arbiter.key", "keys/submitter.key",
       "arbiter-requests.sock", "arbiter-events.sock", "solver-1-serve.sock"},
      kWait);
  ASSERT_FALSE(work.empty())
      << "the run ended before its sockets appeared: " << WaitRun().err;

  auto config = RoleConfig::Load(work + "/arbiter.json");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  auto keys = config->Keys();
  ASSERT_TRUE(keys.ok());
  auto submitter_key = LoadIdentityFile(work + "/keys/submitter.key");
  ASSERT_TRUE(submitter_key.ok());

  zmq::context_t ctx(1);
  Attacker at_arbiter(ctx, "ipc://" + work + "/arbiter-requests.sock", *keys,
                      out + "/logs/arbiter.log", "own_key", "verifier-1");
  // The submitter never fetches checkpoints: its stolen key's sequence
  // numbers at the solver are ours alone.
  Attacker at_solver(ctx, "ipc://" + work + "/solver-1-serve.sock", *keys,
                     out + "/logs/solver-1.log", "not_a_request", "verifier-1",
                     std::make_pair(std::string("submitter"), *submitter_key));
  zmq::socket_t events(ctx, zmq::socket_type::sub);
  ConfigureSocket(events);
  events.set(zmq::sockopt::subscribe, "");
  events.connect("ipc://" + work + "/arbiter-events.sock");

  // Round 1 as soon as the arbiter publishes; round 2 once the task is
  // assigned (the solver is training), with the flood; round 3 once the
  // proof is posted (the verifier is fetching checkpoints from the solver).
  // Each round replays the event that triggered it, as captured.
  const std::vector<std::string> triggers = {
      Heartbeat::kType, TaskAssigned::kType, ProofPosted::kType};
  int round = 0;
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (round < kRounds && std::chrono::steady_clock::now() < deadline) {
    zmq::pollitem_t items[] = {{events.handle(), 0, ZMQ_POLLIN, 0}};
    (void)PollSockets(items, 1, std::chrono::milliseconds(1000));
    auto frames = RecvFrames(events, false, WireLimits{}.max_frames);
    if (!frames.ok()) continue;
    RejectReason reason = RejectReason::kNone;
    auto m = DecodeMessage(frames->frames, *keys, KnownMessageTypes(), {}, &reason);
    if (!m.ok() || m->type != triggers[round]) continue;
    const auto start = std::chrono::steady_clock::now();
    ASSERT_TRUE(at_arbiter.Round(frames->frames, round == 1))
        << "the arbiter did not reject round " << round + 1 << " within " << kWait.count() << " s";
    ASSERT_TRUE(at_solver.Round(frames->frames, round == 1))
        << "the solver did not reject round " << round + 1 << " within " << kWait.count() << " s";
    ++round;
    RecordProperty(
        "round_" + std::to_string(round) + "_ms",
        static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::steady_clock::now() - start)
                             .count()));
  }
  ASSERT_EQ(round, kRounds);

  auto r = WaitRun();
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  // Nothing is answered: neither the arbiter nor the solver talks to an
  // outsider, whatever it holds.
  EXPECT_EQ(at_arbiter.Answers(), 0);
  EXPECT_EQ(at_solver.Answers(), 0);

  Counts want = at_arbiter.sent();
  ASSERT_EQ(want.size(), 13u);  // every kind of bad message went out
  EXPECT_EQ(want.at("too_few_frames"), kFlood + kRounds);
  EXPECT_EQ(want.at("own_key"), kRounds);
  EXPECT_EQ(want.at("replayed"), kRounds);
  Counts want_solver = at_solver.sent();
  ASSERT_EQ(want_solver.size(), 14u);
  EXPECT_EQ(want_solver.at("not_a_request"), kRounds);
  EXPECT_EQ(want_solver.at("not_a_peer"), kRounds);

  auto summary = nlohmann::json::parse(ReadWholeFile(out + "/summary.json"));
  EXPECT_EQ(summary.at("tasks").at(0).at("outcome"), "accepted");
  EXPECT_EQ(summary.at("expectations_met"), true);
  const auto& by_role = summary.at("rejected_messages_by_role");
  EXPECT_EQ(by_role.at("arbiter").get<Counts>(), want);
  EXPECT_EQ(by_role.at("solver-1").get<Counts>(), want_solver);
  EXPECT_TRUE(by_role.at("verifier-1").empty()) << by_role.dump();
  EXPECT_EQ(summary.at("rejected_messages").get<Counts>(), want);

  ExpectRejectsLoggedAndBounded(out);
}

}  // namespace
}  // namespace veritrain
