// Hostile peers during a real run: while `veritrain run` trains and verifies
// the synthetic task (real processes over ipc), this test connects to every
// socket a role binds — the arbiter's request ROUTER and the solver's
// checkpoint ROUTER — and sends each kind of bad message: garbage, too few
// and too many frames, an oversized header, deeply nested JSON, malformed
// JSON, a bad field, an unsupported version, an unknown type, a tensor that
// does not match its frame, a forged signature, an unknown key and a replay.
// It must find every one rejected and counted by reason in the role's final
// report and in summary.json, every role still answering (a valid request
// after each round gets its reply), and the task completed and accepted.
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
#include <string>
#include <vector>
#include <zmq.hpp>

#include "core/crypto/identity.h"
#include "core/transport/messenger.h"
#include "core/transport/role_config.h"
#include "core/transport/zmq_frames.h"
#include "core/wire/messages/all.h"
#include "tests/support/veritrain_process.h"

namespace veritrain {
namespace {

namespace fs = std::filesystem;
using test_support::ReadWholeFile;

using Counts = std::map<std::string, int64_t>;
constexpr int kRounds = 3;
constexpr auto kWait = std::chrono::seconds(120);

// One hostile client of one role's ROUTER socket.
class Attacker {
 public:
  // `stolen` is a real participant's key that never talks to this role
  // itself, so that its sequence numbers here are the attacker's alone.
  Attacker(zmq::context_t& ctx, const std::string& endpoint,
           const KeyDirectory& keys, std::string stolen_name, Identity stolen,
           std::string known_name)
      : socket_(ctx, zmq::socket_type::dealer),
        keys_(keys),
        stolen_name_(std::move(stolen_name)),
        stolen_(std::move(stolen)),
        known_name_(std::move(known_name)),
        mallory_(Identity::Generate()),
        listener_("mallory", mallory_, keys) {
    ConfigureSocket(socket_);
    socket_.connect(endpoint);
  }

  // Sends one of each bad message, each framed by a valid request (which
  // must be answered) and followed by a replay of the first valid request.
  // Returns false if a valid request got no answer within kWait.
  bool Round() {
    const Message probe = Signed("ack-me");
    std::vector<Bytes> probe_frames = EncodeMessage(probe, stolen_);
    if (!Send(probe_frames) || !Answered()) return false;
    Bad("replayed", probe_frames);
    Bad("too_few_frames",
        {Bytes::FromString("\x13\x37 garbage, not a message")});
    Bad("malformed_json",
        {Bytes::FromString("{\"type\": \"hello\", oops"), Sig()});
    Bad("header_too_large",
        {Bytes::FromString(std::string((1 << 20) + 1, ' ')), Sig()});
    std::vector<Bytes> many(WireLimits{}.max_frames + 1,
                            Bytes::FromString("x"));
    Bad("too_many_frames", many);
    const int depth = 100000;
    Bad("json_too_deep",
        {Bytes::FromString(std::string(depth, '[') + std::string(depth, ']')),
         Sig()});
    Bad("bad_field",
        {Bytes::FromString(R"({"type":"hello","from":"x"})"), Sig()});
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
      m.tensors = {TensorData{
          "x", DType::kFloat32, {2}, Bytes::FromString(std::string(8, 0))}};
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
    // Messages on one connection are received in order: this answer means
    // the role has received (and refused) everything sent before it.
    return Send(EncodeMessage(Signed("ack-me-too"), stolen_)) && Answered();
  }

  const std::map<std::string, int64_t>& sent() const { return sent_; }
  int answers() const { return answers_; }

 private:
  // A valid shutdown request from the stolen identity, next sequence
  // number. Both roles refuse it with an `ack` — an answer: the arbiter
  // takes shutdowns from the submitter alone (and the stolen key is not
  // the submitter's at the arbiter), the solver serves only fetches.
  Message Signed(const std::string& note) {
    Message m = Pack(Shutdown{"probe " + std::to_string(seq_) + ": " + note});
    m.from = stolen_name_;
    m.seq = ++seq_;
    return m;
  }
  static Bytes Sig() { return Bytes::FromString(std::string(64, '\x5a')); }
  bool Send(const std::vector<Bytes>& frames) {
    return SendFrames(socket_, frames).ok();
  }
  void Bad(const std::string& reason, const std::vector<Bytes>& frames) {
    if (Send(frames)) ++sent_[reason];
  }
  bool Answered() {
    const auto deadline = std::chrono::steady_clock::now() + kWait;
    while (std::chrono::steady_clock::now() < deadline) {
      zmq::pollitem_t items[] = {{socket_.handle(), 0, ZMQ_POLLIN, 0}};
      (void)PollSockets(items, 1, std::chrono::milliseconds(1000));
      auto m = listener_.Receive(socket_, false, guard_);
      if (m.ok() && m->type == Ack::kType) {
        ++answers_;
        return true;
      }
    }
    return false;
  }

  zmq::socket_t socket_;
  KeyDirectory keys_;
  std::string stolen_name_;
  Identity stolen_;
  std::string known_name_;
  Identity mallory_;
  Messenger listener_;
  ReplayGuard guard_;
  uint64_t seq_ = 0;
  std::map<std::string, int64_t> sent_;
  int answers_ = 0;
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
  auto arbiter_key = LoadIdentityFile(work + "/keys/arbiter.key");
  auto submitter_key = LoadIdentityFile(work + "/keys/submitter.key");
  ASSERT_TRUE(arbiter_key.ok() && submitter_key.ok());

  zmq::context_t ctx(1);
  // The arbiter never sends requests to itself, the submitter never talks
  // to the solver: their stolen keys' sequence numbers are ours alone.
  Attacker at_arbiter(ctx, "ipc://" + work + "/arbiter-requests.sock", *keys,
                      "arbiter", *arbiter_key, "verifier-1");
  Attacker at_solver(ctx, "ipc://" + work + "/solver-1-serve.sock", *keys,
                     "submitter", *submitter_key, "verifier-1");
  zmq::socket_t events(ctx, zmq::socket_type::sub);
  ConfigureSocket(events);
  events.set(zmq::sockopt::subscribe, "");
  events.connect("ipc://" + work + "/arbiter-events.sock");
  Messenger listener("mallory", Identity::Generate(), *keys);
  ReplayGuard events_guard;

  // Round 1 as soon as the arbiter publishes; round 2 once the task is
  // assigned (the solver is training); round 3 once the proof is posted
  // (the verifier is fetching checkpoints from the solver).
  const std::vector<std::string> triggers = {
      Heartbeat::kType, TaskAssigned::kType, ProofPosted::kType};
  int round = 0;
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (round < kRounds && std::chrono::steady_clock::now() < deadline) {
    zmq::pollitem_t items[] = {{events.handle(), 0, ZMQ_POLLIN, 0}};
    (void)PollSockets(items, 1, std::chrono::milliseconds(1000));
    auto m = listener.Receive(events, false, events_guard);
    if (!m.ok() || m->type != triggers[round]) continue;
    const auto start = std::chrono::steady_clock::now();
    ASSERT_TRUE(at_arbiter.Round())
        << "the arbiter stopped answering in round " << round + 1;
    ASSERT_TRUE(at_solver.Round())
        << "the solver stopped answering in round " << round + 1;
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
  EXPECT_EQ(at_arbiter.answers(), 2 * kRounds);
  EXPECT_EQ(at_solver.answers(), 2 * kRounds);

  const std::map<std::string, int64_t> want = at_arbiter.sent();
  ASSERT_EQ(want.size(), 12u);  // every kind of bad message went out
  for (const auto& [reason, n] : want) EXPECT_EQ(n, kRounds) << reason;
  EXPECT_EQ(at_solver.sent(), want);

  auto summary = nlohmann::json::parse(ReadWholeFile(out + "/summary.json"));
  EXPECT_EQ(summary.at("tasks").at(0).at("outcome"), "accepted");
  EXPECT_EQ(summary.at("expectations_met"), true);
  const auto& by_role = summary.at("rejected_messages_by_role");
  EXPECT_EQ(by_role.at("arbiter").get<Counts>(), want);
  EXPECT_EQ(by_role.at("solver-1").get<Counts>(), want);
  EXPECT_TRUE(by_role.at("verifier-1").empty()) << by_role.dump();
  EXPECT_EQ(summary.at("rejected_messages").get<Counts>(), want);
  // Each rejection is logged with its reason.
  const std::string solver_log = ReadWholeFile(out + "/logs/solver-1.log");
  EXPECT_NE(solver_log.find("json_too_deep"), std::string::npos);
  EXPECT_NE(solver_log.find("bad_signature"), std::string::npos);
}

}  // namespace
}  // namespace veritrain
