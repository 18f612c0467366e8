// CURVE in real runs (`veritrain run`, role processes over ipc):
//
//  - an outsider with a CURVE key pair that is not in the run's roster
//    connects to the arbiter's request ROUTER and to the solver's checkpoint
//    ROUTER while the task runs and cannot talk to either: its handshake
//    fails authentication (socket monitor), its signed request gets no
//    answer while the same request over a listed key does, each role's ZAP
//    handler counts the denial (reports/<role>.json, summary.json), and the
//    task is still accepted;
//  - keys can be loaded from a directory of <participant>.curve files, and
//    a missing or malformed one is bad input (exit 2) naming the file,
//    before anything starts;
//  - in-process mode with CURVE runs as processes and says why.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "core/crypto/identity.h"
#include "core/transport/curve.h"
#include "core/transport/messenger.h"
#include "core/role/role_config.h"
#include "core/transport/zmq_frames.h"
#include "core/wire/messages/all.h"
#include "tests/support/log_wait.h"
#include "tests/support/socket_events.h"
#include "tests/support/veritrain_process.h"

namespace veritrain {
namespace {

namespace fs = std::filesystem;
using test_support::CommandResult;
using test_support::ReadWholeFile;
using test_support::SocketEvents;
using KeysByName = std::map<std::string, std::string>;

constexpr auto kWait = std::chrono::seconds(120);
constexpr int kHandshakeEvents =
    ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
    ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL;

// One CURVE client of one role's ROUTER: it sends a shutdown request signed
// with a real participant's Ed25519 key that has no business there (the
// arbiter's own key at the arbiter, the submitter's at the solver). A role
// drops such a message, counting it ("own_key", "not_a_request") and
// logging it, and never answers: the log line means the request got
// through the connection.
class Client {
 public:
  Client(zmq::context_t& ctx, const std::string& endpoint, const CurveKeyPair& own,
         const std::string& server_key, const KeyDirectory& keys, std::string signer_name,
         Identity signer)
      : socket_(ctx, zmq::socket_type::dealer),
        signer_name_(std::move(signer_name)),
        signer_(std::move(signer)),
        listener_("listener", Identity::Generate(), keys) {
    ConfigureSocket(socket_);
    // One attempt: a refused handshake is one denial, not one per retry.
    socket_.set(zmq::sockopt::reconnect_ivl, -1);
    EXPECT_TRUE(MakeCurveClient(socket_, own, server_key).ok());
    events_.emplace(ctx, socket_);
    socket_.connect(endpoint);
  }

  // The first handshake event of the connection.
  int Handshake() { return events_->WaitFor(kHandshakeEvents, kWait); }

  // Sends the signed request; false if it could not even be queued (the
  // refused connection is gone).
  bool Ask() {
    // One counter for every client, so that two clients signing as the
    // same participant never repeat a sequence number.
    static uint64_t seq = 0;
    // A request both roles answer with a refusing `ack`: the arbiter takes
    // shutdowns from the submitter alone, the solver serves only fetches.
    Message m = Pack(Shutdown{"probe"});
    m.from = signer_name_;
    m.seq = ++seq;
    return SendFrames(socket_, EncodeMessage(m, signer_)).ok();
  }

  // Whether an `ack` arrives within `timeout`.
  bool Answered(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    do {
      zmq::pollitem_t items[] = {{socket_.handle(), 0, ZMQ_POLLIN, 0}};
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      (void)PollSockets(items, 1, std::max(left, std::chrono::milliseconds(0)));
      auto m = listener_.Receive(socket_, false, guard_);
      if (m.ok() && m->type == Ack::kType) return true;
    } while (std::chrono::steady_clock::now() < deadline);
    return false;
  }

 private:
  zmq::socket_t socket_;
  std::optional<SocketEvents> events_;
  std::string signer_name_;
  Identity signer_;
  Messenger listener_;
  ReplayGuard guard_;
};

class CurveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test_support::MakeTestDir("vt-curve-");
    ASSERT_FALSE(dir_.empty());
  }
  void TearDown() override {
    // A test that failed half-way stops the run it started instead of
    // leaving it to its timeout.
    test_support::StopVeritrain(run_);
    fs::remove_all(dir_);
  }
  // scenarios/curve.json with `patch` merged in, written to dir_.
  std::string Scenario(const nlohmann::json& patch) {
    auto j = nlohmann::json::parse(
        ReadWholeFile(std::string(VERITRAIN_SOURCE_DIR) + "/scenarios/curve.json"));
    j.merge_patch(patch);
    const std::string path = dir_ + "/curve-patched.json";
    std::ofstream(path) << j.dump(2);
    return path;
  }
  CommandResult Run(const std::vector<std::string>& args) {
    run_ = test_support::SpawnVeritrain(args, dir_);
    return WaitRun();
  }
  CommandResult WaitRun() {
    auto r = test_support::WaitVeritrain(run_, dir_);
    run_ = -1;
    return r;
  }
  // A key pair file for each participant of scenarios/curve.json in
  // dir_/keys; returns the public keys by name.
  std::map<std::string, std::string> WriteKeys() {
    fs::create_directories(dir_ + "/keys");
    std::map<std::string, std::string> out;
    for (const char* n : {"arbiter", "submitter", "solver-1", "verifier-1"}) {
      auto pair = CurveKeyPair::Generate();
      EXPECT_TRUE(pair.ok());
      EXPECT_TRUE(SaveCurveKeyFile(dir_ + "/keys/" + n + ".curve", *pair).ok());
      out[n] = pair->public_key;
    }
    return out;
  }
  std::string dir_;
  pid_t run_ = -1;
};

TEST_F(CurveTest, AnUnlistedKeyCannotTalkToTheArbiterOrTheSolverAndTheTaskCompletes) {
  const std::string out = dir_ + "/results";
  // About 3 s of training (as in hostile_test.cc), so that the probes fall
  // well inside the run.
  run_ = test_support::SpawnVeritrain(
      {"run",
       Scenario({{"job", {{"steps", 6000}}},
                 {"protocol", {{"checkpoint_interval", 600}}},
                 {"expect",
                  {{{"path", "/tasks/0/outcome"}, {"equals", "accepted"}},
                   {{"path", "/conservation"}, {"equals", true}}}}}),
       "--out", out},
      dir_);
  const std::string work = test_support::WaitForWorkDir(
      dir_, run_,
      {"arbiter.json", "keys/arbiter.key", "keys/submitter.key", "keys/submitter.curve",
       "arbiter-requests.sock", "solver-1-serve.sock"},
      kWait);
  ASSERT_FALSE(work.empty()) << "the run ended before its sockets appeared: " << WaitRun().err;

  auto config = RoleConfig::Load(work + "/arbiter.json");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  ASSERT_TRUE(config->curve());
  auto keys = config->Keys();
  auto arbiter_id = LoadIdentityFile(work + "/keys/arbiter.key");
  auto submitter_id = LoadIdentityFile(work + "/keys/submitter.key");
  auto submitter_curve = LoadCurveKeyFile(work + "/keys/submitter.curve");
  ASSERT_TRUE(keys.ok() && arbiter_id.ok() && submitter_id.ok() && submitter_curve.ok());
  auto outsider = CurveKeyPair::Generate();
  ASSERT_TRUE(outsider.ok());
  const auto& curve_keys = config->curve_public_keys;

  zmq::context_t ctx(1);
  struct Target {
    std::string endpoint, server, signer;
    const Identity* id;
    std::string reason;  // what the role calls the request when it arrives
  };
  // Each request is signed with the key of a participant that never sends
  // requests to that role itself, so that its sequence numbers are ours.
  const std::vector<Target> targets = {
      {"ipc://" + work + "/arbiter-requests.sock", "arbiter", "arbiter", &*arbiter_id, "own_key"},
      {"ipc://" + work + "/solver-1-serve.sock", "solver-1", "submitter", &*submitter_id,
       "not_a_request"}};
  for (const Target& t : targets) {
    SCOPED_TRACE(t.server);
    Client outsider_client(ctx, t.endpoint, *outsider, curve_keys.at(t.server), *keys,
                           t.signer, *t.id);
    ASSERT_EQ(outsider_client.Handshake(), ZMQ_EVENT_HANDSHAKE_FAILED_AUTH);
    (void)outsider_client.Ask();  // queued or refused: it must not arrive
    // The same request over a listed key (the submitter's) gets through:
    // the role receives it (and drops it, as it drops any outsider's
    // request): the role is live and serving on this endpoint.
    Client listed(ctx, t.endpoint, *submitter_curve, curve_keys.at(t.server), *keys, t.signer,
                  *t.id);
    ASSERT_EQ(listed.Handshake(), ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
    ASSERT_TRUE(listed.Ask());
    EXPECT_TRUE(test_support::WaitForLogCount(out + "/logs/" + t.server + ".log",
                                              "(" + t.reason + ")", 1, kWait));
    EXPECT_FALSE(listed.Answered(std::chrono::milliseconds(0)));
    EXPECT_FALSE(outsider_client.Answered(std::chrono::milliseconds(0)));
  }

  CommandResult r = WaitRun();
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto summary = nlohmann::json::parse(ReadWholeFile(out + "/summary.json"));
  EXPECT_EQ(summary.at("tasks").at(0).at("outcome"), "accepted");
  EXPECT_EQ(summary.at("expectations_met"), true);
  EXPECT_EQ(summary.at("curve_denials_by_role"),
            (nlohmann::json{{"arbiter", 1}, {"solver-1", 1}}));
  auto report = nlohmann::json::parse(ReadWholeFile(out + "/reports/arbiter.json"));
  EXPECT_EQ(report.at("curve").at("denied"), 1);
  // Nothing the outsider sent reached the arbiter's message layer: only
  // the listed client's request did.
  EXPECT_EQ(report.at("rejected_messages"), (nlohmann::json{{"own_key", 1}})) << report.dump();
  EXPECT_EQ(summary.at("rejected_messages_by_role").at("solver-1"),
            (nlohmann::json{{"not_a_request", 1}}));
  // Each denial is logged with the outsider's key.
  for (const char* role : {"arbiter", "solver-1"}) {
    const std::string log = ReadWholeFile(out + "/logs/" + role + ".log");
    EXPECT_NE(log.find("ZAP: refused"), std::string::npos) << role;
    EXPECT_NE(log.find(outsider->public_key), std::string::npos) << role;
  }
  auto manifest = nlohmann::json::parse(ReadWholeFile(out + "/manifest.json"));
  EXPECT_EQ(manifest.at("curve").at("enabled"), true);
  EXPECT_EQ(manifest.at("curve").at("public_keys").get<KeysByName>(), curve_keys);
}

TEST_F(CurveTest, KeysComeFromTheScenariosKeyDirectory) {
  const auto public_keys = WriteKeys();
  const std::string out = dir_ + "/results";
  // "keys" is relative to the scenario file's directory (dir_).
  CommandResult r =
      Run({"run", Scenario({{"network", {{"curve", {{"keys", "keys"}}}}}}), "--out", out});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto manifest = nlohmann::json::parse(ReadWholeFile(out + "/manifest.json"));
  EXPECT_EQ(manifest.at("curve").at("keys"), dir_ + "/keys");
  EXPECT_EQ(manifest.at("curve").at("public_keys").get<KeysByName>(), public_keys);
  auto summary = nlohmann::json::parse(ReadWholeFile(out + "/summary.json"));
  EXPECT_EQ(summary.at("tasks").at(0).at("outcome"), "accepted");
}

TEST_F(CurveTest, AMissingOrMalformedKeyFileExitsTwoNamingIt) {
  WriteKeys();
  const std::string scenario = Scenario({{"network", {{"curve", {{"keys", "keys"}}}}}});
  const std::string out = dir_ + "/results";
  const std::string missing = dir_ + "/keys/verifier-1.curve";
  fs::remove(missing);
  for (const char* command : {"check", "run"}) {
    std::vector<std::string> args = {command, scenario};
    if (std::string(command) == "run") args.insert(args.end(), {"--out", out});
    CommandResult r = Run(args);
    EXPECT_EQ(r.exit_code, 2) << command << ": " << r.out << r.err;
    EXPECT_NE(r.err.find(missing), std::string::npos) << command << ": " << r.err;
  }
  std::ofstream(missing) << R"({"public_key": "not a key", "secret_key": "nor this"})";
  CommandResult r = Run({"run", scenario, "--out", out});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find(missing), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("public_key"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out)) << "nothing may start on bad keys";
}

TEST_F(CurveTest, InProcessModeRunsAsProcessesAndSaysWhy) {
  const std::string out = dir_ + "/results";
  CommandResult r = Run({"run", Scenario(nlohmann::json::object()), "--out", out, "--in-process"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto manifest = nlohmann::json::parse(ReadWholeFile(out + "/manifest.json"));
  EXPECT_EQ(manifest.at("execution").at("requested"), "in-process");
  EXPECT_EQ(manifest.at("execution").at("mode"), "process");
  EXPECT_NE(manifest.at("execution").at("note").get<std::string>().find("network.curve"),
            std::string::npos);
  EXPECT_EQ(manifest.at("transport"), "ipc");
  auto summary = nlohmann::json::parse(ReadWholeFile(out + "/summary.json"));
  EXPECT_EQ(summary.at("expectations_met"), true);
}

}  // namespace
}  // namespace veritrain
