// The protocol's outcome does not depend on the network or on crashes:
// each scenario under scenarios/faults and scenarios/crash is run as
// shipped and again without its faults or crashes, and the two runs must
// agree on everything the protocol decides — outcome, trace root, final
// state hash, the dispute's end and every balance. (The presets' own
// expectations are checked by their ctest cases; this compares runs.)
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/veritrain_process.h"

namespace veritrain {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class FaultsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = fs::temp_directory_path().string() + "/vt-faults-XXXXXX";
    std::vector<char> buf(pattern.begin(), pattern.end());
    buf.push_back(0);
    ASSERT_NE(mkdtemp(buf.data()), nullptr);
    dir_ = buf.data();
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs `scenario` (JSON) into <dir>/<label>; its summary.
  json Run(const json& scenario, const std::string& label, bool in_process = false) {
    const std::string path = dir_ + "/" + label + ".json";
    std::ofstream(path) << scenario.dump(2);
    std::vector<std::string> args = {"run", path, "--out", dir_ + "/" + label};
    if (in_process) args.push_back("--in-process");
    auto r = test_support::WaitVeritrain(test_support::SpawnVeritrain(args, dir_), dir_);
    EXPECT_EQ(r.exit_code, 0) << label << ":\n" << r.out << r.err;
    return json::parse(test_support::ReadWholeFile(dir_ + "/" + label + "/summary.json"));
  }
  static json Preset(const std::string& name) {
    return json::parse(test_support::ReadWholeFile(std::string(VERITRAIN_SOURCE_DIR) +
                                                   "/scenarios/" + name + ".json"));
  }
  // What the protocol decided about task 0.
  static json Decided(const json& summary) {
    const json& t = summary.at("tasks").at(0);
    json out = {{"outcome", t.at("outcome")},
                {"trace_root", t.at("trace_root")},
                {"final_state_hash", t.at("final_state_hash")},
                {"balances", t.at("balances")},
                {"intervals_verified", t.at("intervals_verified")},
                // A restarted solver's steps include its earlier process's.
                {"solver_steps_computed", t.at("solver_steps_computed")}};
    if (t.contains("dispute")) {
      for (const char* k : {"step", "node", "winner", "interval"}) {
        out["dispute_" + std::string(k)] = t["dispute"].value(k, json());
      }
    }
    return out;
  }
  // The preset and the same scenario without `field` (its faults or
  // crashes) decide the same.
  void ExpectSameAsWithout(const std::string& preset, const json& removal,
                           bool in_process = false) {
    json with = Preset(preset);
    json without = with;
    without.merge_patch(removal);
    // Its expectations about the faults or crashes themselves do not apply.
    json kept = json::array();
    for (const json& e : without.value("expect", json::array())) {
      const std::string path = e.value("path", std::string());
      if (path.rfind("/crashes", 0) != 0 && path.rfind("/network", 0) != 0 &&
          path.rfind("/silent", 0) != 0) {
        kept.push_back(e);
      }
    }
    without["expect"] = kept;
    const json a = Run(with, "with", in_process);
    const json b = Run(without, "without", in_process);
    EXPECT_EQ(Decided(a), Decided(b)) << preset;
    EXPECT_EQ(a.at("ledger_audit").at("ok"), true);
    last_with_ = a;
  }
  std::string dir_;
  json last_with_;
};

TEST_F(FaultsTest, HonestTaskOverALossyNetworkDecidesAsWithoutFaults) {
  ExpectSameAsWithout("faults/honest-lossy", {{"network", {{"faults", nullptr}}}});
  int64_t faults = 0;
  for (const auto& [role, kinds] : last_with_.at("network").at("faults_injected_by_role").items()) {
    for (const auto& [kind, n] : kinds.items()) faults += n.get<int64_t>();
  }
  EXPECT_GT(faults, 0);
}

TEST_F(FaultsTest, HonestTaskOverALossyNetworkInProcessDecidesAsWithoutFaults) {
  ExpectSameAsWithout("faults/honest-lossy", {{"network", {{"faults", nullptr}}}}, true);
}

TEST_F(FaultsTest, CorruptNodeDisputeOverALossyNetworkEndsWhereItDoesWithoutFaults) {
  ExpectSameAsWithout("faults/corrupt-node-lossy", {{"network", {{"faults", nullptr}}}});
  EXPECT_EQ(last_with_["tasks"][0]["dispute"]["node"], "fc2.backward");
}

TEST_F(FaultsTest, SolverKilledMidTrainingAndRestartedCommitsTheUncrashedTrace) {
  ExpectSameAsWithout("crash/solver-training-restart", {{"crashes", nullptr}});
  ASSERT_EQ(last_with_.at("crashes").size(), 1u);
  EXPECT_EQ(last_with_["crashes"][0]["restarted"], true);
  // It resumed from its checkpoint rather than training again.
  const std::string log = test_support::ReadWholeFile(dir_ + "/with/logs/solver-1.log");
  EXPECT_NE(log.find("resuming task-0001 from checkpoint 4 (step 800)"), std::string::npos) << log;
}

TEST_F(FaultsTest, HonestChallengerKilledMidDisputeAndRestartedStillWins) {
  ExpectSameAsWithout("crash/challenger-dispute-restart", {{"crashes", nullptr}});
  EXPECT_EQ(last_with_["tasks"][0]["dispute"]["winner"], "challenger");
  const std::string log = test_support::ReadWholeFile(dir_ + "/with/logs/verifier-1.log");
  EXPECT_NE(log.find("SIGKILL at dispute 3"), std::string::npos) << log;
}

TEST_F(FaultsTest, HonestSolverKilledMidDisputeAndRestartedStillWins) {
  ExpectSameAsWithout("crash/solver-dispute-restart", {{"crashes", nullptr}});
  EXPECT_EQ(last_with_["tasks"][0]["dispute"]["winner"], "solver");
}

// Killed during the node dissection (after the graph commitment, and in
// the middle of the node rounds), the restarted solver has lost the step it
// recorded: it records it again, and it answers as it would have, with the
// same outcome as a solver that never crashed.
TEST_F(FaultsTest, HonestSolverKilledDuringTheNodeDissectionAndRestartedStillWins) {
  json without = Preset("crash/solver-dispute-restart");
  without.erase("crashes");
  json expect_kept = json::array();
  for (const json& e : without.at("expect")) {
    if (e.at("path").get<std::string>().rfind("/crashes", 0) != 0) expect_kept.push_back(e);
  }
  without["expect"] = expect_kept;
  const json b = Run(without, "without");
  for (int after : {6, 9}) {
    json with = Preset("crash/solver-dispute-restart");
    with["crashes"][0]["after"] = after;
    with["expect"] = expect_kept;
    const std::string label = "with-" + std::to_string(after);
    const json a = Run(with, label);
    EXPECT_EQ(Decided(a), Decided(b)) << "after " << after;
    EXPECT_EQ(a["tasks"][0]["dispute"]["winner"], "solver") << "after " << after;
    const std::string log = test_support::ReadWholeFile(dir_ + "/" + label + "/logs/solver-1.log");
    EXPECT_NE(log.find("SIGKILL at dispute " + std::to_string(after)), std::string::npos) << log;
  }
}

// Tolerance mode: the challenger, killed in the node rounds and restarted,
// has lost the solver's step hashes of the step rounds; the arbiter's
// updates carry those around the disputed step, so it still checks the
// solver's state there and still wins against the corrupt solver.
TEST_F(FaultsTest, ToleranceChallengerKilledDuringTheNodeRoundsAndRestartedStillWins) {
  // Step 45 of interval 2: none of the step hashes around it is an end of
  // the interval, which the restarted challenger learns from the dispute.
  json base = Preset("dispute/corrupt-node-tolerance");
  base["participants"][0]["params"] = {{"step", 45}, {"node", "fc1.backward"}, {"magnitude", 0.5}};
  base["expect"] = json::array();
  const json b = Run(base, "without");
  ASSERT_EQ(b["tasks"][0]["dispute"]["winner"], "challenger");
  ASSERT_EQ(b["tasks"][0]["dispute"]["step"], 45);
  for (int after : {5, 7}) {
    json with = base;
    with["crashes"] = {{{"participant", "verifier-1"}, {"at", "dispute"}, {"after", after},
                        {"restart", true}}};
    const std::string label = "with-" + std::to_string(after);
    const json a = Run(with, label);
    EXPECT_EQ(Decided(a), Decided(b)) << "after " << after;
    const std::string log =
        test_support::ReadWholeFile(dir_ + "/" + label + "/logs/verifier-1.log");
    EXPECT_NE(log.find("SIGKILL at dispute " + std::to_string(after)), std::string::npos) << log;
  }
}

// pol/honest-threads-exact with two intervals checked, both challenged,
// and the challenger killed after its 9th move (in its second game) and
// restarted.
json KilledInTheSecondGame() {
  json with = json::parse(test_support::ReadWholeFile(std::string(VERITRAIN_SOURCE_DIR) +
                                                      "/scenarios/pol/honest-threads-exact.json"));
  with["protocol"]["top_q"] = 0;
  with["protocol"]["random_samples"] = 2;
  with["protocol"]["game"]["arity"] = 2;
  with["crashes"] = {{{"participant", "verifier-1"}, {"at", "dispute"}, {"after", 9},
                      {"restart", true}}};
  with["expect"] = json::array();
  return with;
}

// A challenger whose challenge lists several intervals plays a game on
// each in turn (exact mode across thread counts: every interval differs).
// Its crash point counts its moves over all its games, so "after 9" kills
// it in its second game (each game takes it 8 moves here); counted per
// game, the crash never fired. Restarted, it loads that game's states and
// plays on: the honest solver wins every game.
TEST_F(FaultsTest, AChallengerKilledInItsSecondGameRestartsAndPlaysOn) {
  const json a = Run(KilledInTheSecondGame(), "with");
  const json& task = a.at("tasks").at(0);
  EXPECT_EQ(task.at("outcome"), "challenge_rejected") << task.dump(2);
  ASSERT_EQ(task.at("disputes").size(), 2u) << task.dump(2);
  EXPECT_EQ(task.at("disputes").at(0).at("rounds"), 8) << task.dump(2);
  for (const json& game : task.at("disputes")) EXPECT_EQ(game.at("winner"), "solver");
  ASSERT_EQ(a.at("crashes").size(), 1u);
  EXPECT_EQ(a["crashes"][0]["restarted"], true);
  EXPECT_EQ(a.at("ledger_audit").at("ok"), true);
  const std::string log = test_support::ReadWholeFile(dir_ + "/with/logs/verifier-1.log");
  EXPECT_NE(log.find("SIGKILL at dispute 9"), std::string::npos) << log;
}

// The same crash against a solver that withholds its checkpoints from
// verifiers (the arbiter relays them on demand). The challenger keeps the
// states of every interval its challenge lists on disk
// (verifier/kept_states.h): restarted, it finds the second game's start
// there and plays the game to a ruling. It held them in memory, so its
// restarted process asked the solver, which refused, and it lost the game
// on its clock after 30 s, without a ruling.
TEST_F(FaultsTest, AChallengerRestartedAgainstAWithholdingSolverPlaysFromTheStatesItKept) {
  json with = KilledInTheSecondGame();
  with["participants"][0]["behaviour"] = "withhold";
  with["participants"][0]["params"] = {{"how", "verifiers"}, {"from_index", 1}};
  const json a = Run(with, "with");
  const json& task = a.at("tasks").at(0);
  ASSERT_EQ(task.at("disputes").size(), 2u) << task.dump(2);
  const json& second = task.at("disputes").at(1);
  EXPECT_GE(second.at("interval").get<int64_t>(), 1) << task.dump(2);  // a withheld start
  EXPECT_EQ(second.at("rounds"), 8) << task.dump(2);
  EXPECT_NE(second.at("reason").get<std::string>().find("evaluation of"), std::string::npos)
      << task.dump(2);
  EXPECT_EQ(a["crashes"][0]["restarted"], true);
  EXPECT_EQ(a.at("ledger_audit").at("ok"), true);
  const std::string log = test_support::ReadWholeFile(dir_ + "/with/logs/verifier-1.log");
  EXPECT_NE(log.find("SIGKILL at dispute 9"), std::string::npos) << log;
  EXPECT_EQ(log.find("fetched the disputed interval"), std::string::npos) << log;
}

TEST_F(FaultsTest, AVerifierStillFetchingWhenItsTaskSettlesStopsAndTheRunEnds) {
  // The solver answers no fetch; the verification deadline (1 s) passes
  // long before the verifier's fetch gives up (the game clock, 30 s). The
  // task settles, the run shuts down, and the verifier must notice both
  // while it is still asking: it was killed at shutdown, and the run
  // failed, though everything it decided was right.
  json s = Preset("dispute/corrupt-node-n2");
  s.erase("expect");
  s["participants"][0]["behaviour"] = "withhold";
  s["participants"][0]["params"] = {{"how", "unreachable"}, {"from_index", 1}};
  s["protocol"]["deadlines"] = {{"training_s", 120}, {"verification_s", 1}};
  s["protocol"]["game"]["clock_s"] = 30;
  const json a = Run(s, "settles");  // exit status 0
  EXPECT_EQ(a.at("tasks").at(0).at("outcome"), "unverified") << a.dump(2);
  EXPECT_EQ(a.at("ledger_audit").at("ok"), true);
  const std::string log = test_support::ReadWholeFile(dir_ + "/settles/logs/verifier-1.log");
  EXPECT_NE(log.find("while it was being checked; no verdict"), std::string::npos) << log;
}

// The arbiter's "arbiter_recovered" events of the run in <dir>/<label>.
std::vector<json> Recoveries(const std::string& dir, const std::string& label) {
  std::vector<json> out;
  std::ifstream in(dir + "/" + label + "/events.jsonl");
  for (std::string line; std::getline(in, line);) {
    json e = json::parse(line);
    if (e.at("type") == "arbiter_recovered") out.push_back(e.at("data"));
  }
  return out;
}

TEST_F(FaultsTest, ArbiterKilledMidDisputeReplaysItsLogAndTheDisputeEndsTheSame) {
  ExpectSameAsWithout("crash/arbiter-dispute-restart", {{"crashes", nullptr}});
  const auto recovered = Recoveries(dir_, "with");
  ASSERT_EQ(recovered.size(), 1u);
  EXPECT_EQ(recovered[0]["tasks"]["task-0001"], "challenged");
  EXPECT_TRUE(Recoveries(dir_, "without").empty());
}

TEST_F(FaultsTest, ArbiterKilledMidVerificationReplaysItsLogAndAcceptsTheSame) {
  ExpectSameAsWithout("crash/arbiter-verification-restart", {{"crashes", nullptr}});
  const auto recovered = Recoveries(dir_, "with");
  ASSERT_EQ(recovered.size(), 1u);
  EXPECT_GE(recovered[0]["events"].get<int64_t>(), 10);
}

}  // namespace
}  // namespace veritrain
