// Job-level checks of a scenario: corrupt-node targets resolved against the
// job's real step graph (unknown names, typos, steps past the end, nodes
// that cannot change the state), devices the machine lacks, and a step that
// is not a pure function; for a sweep, at every point of the grid.
#include "scenarios/check/job_check.h"
#include "scenarios/sweep/sweep.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <ATen/Parallel.h>
#include <torch/cuda.h>
#include <torch/script.h>
#include <torch/types.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "core/train/dataset_spec.h"
#include "core/train/job.h"
#include "core/train/op_job.h"
#include "scenarios/check/job_graph.h"
#include "tests/support/files.h"

namespace veritrain {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using json = nlohmann::json;

json JobCheckDoc(const json& solver_params, const std::string& behaviour = "corrupt-node") {
  json doc = json::parse(R"({
    "format": "veritrain-scenario/1",
    "name": "job-check-test",
    "seed": 3,
    "job": {"name": "synthetic", "steps": 40, "batch_size": 8},
    "protocol": {"checkpoint_interval": 10},
    "participants": [
      {"name": "solver-1", "role": "solver"},
      {"name": "verifier-1", "role": "verifier"}
    ]
  })");
  doc["participants"][0]["behaviour"] = behaviour;
  if (!solver_params.is_null()) doc["participants"][0]["params"] = solver_params;
  return doc;
}

Scenario ParseJobCheckDoc(const json& doc) {
  auto sc = ParseScenario(doc.dump(), "test.json");
  EXPECT_TRUE(sc.ok()) << sc.status().ToString();
  return sc.ok() ? *sc : Scenario();
}

// The job-level checks of `doc`: "" when it passes, else the message.
std::string JobProblems(const json& doc) {
  Scenario sc = ParseJobCheckDoc(doc);
  auto config = ScenarioJobConfig(sc);
  EXPECT_TRUE(config.ok()) << config.status().ToString();
  if (!config.ok()) return config.status().message();
  Status s = CheckScenarioAgainstJob(sc, *config);
  if (s.ok()) return "";
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  return s.message();
}

TEST(JobCheckTest, ANodeOfTheGraphAtAStepOfTheTaskPasses) {
  EXPECT_EQ(JobProblems(JobCheckDoc({{"step", 39}, {"node", "fc2.backward"}})), "");
  EXPECT_EQ(JobProblems(JobCheckDoc({{"step", 0}, {"node", "relu1.forward"}})), "");
  EXPECT_EQ(JobProblems(JobCheckDoc(nullptr, "honest")), "");
}

TEST(JobCheckTest, UnknownNodeIsRefusedWithEveryValidName) {
  const std::string m = JobProblems(JobCheckDoc({{"step", 5}, {"node", "bogus.forward"}}));
  EXPECT_THAT(m, HasSubstr("/participants/0/params/node: no node \"bogus.forward\" in the step "
                           "graph of job synthetic"));
  for (const char* name : {"fc1.forward", "relu1.forward", "fc2.forward", "loss.forward",
                           "loss.backward", "fc2.backward", "relu1.backward", "fc1.backward"}) {
    EXPECT_THAT(m, HasSubstr(name));
  }
}

// A dispute's node is a name of the job's challenge game: a typo in an
// expectation on it would always fail (equals) or always pass
// (not_equals, "the game never ends on X").
TEST(JobCheckTest, AnExpectationOnADisputesNodeMustNameANodeOfTheGame) {
  json doc = JobCheckDoc(nullptr, "honest");
  doc["expect"] = json::array();
  doc["expect"].push_back({{"path", "/tasks/0/dispute/node"}, {"equals", "fc2.backward"}});
  doc["expect"].push_back({{"path", "/tasks/0/disputes/0/node"}, {"equals", "state.assemble"}});
  doc["expect"].push_back({{"path", "/tasks/0/dispute/node"}, {"not_equals", nullptr}});
  EXPECT_EQ(JobProblems(doc), "");
  doc["expect"].push_back({{"path", "/tasks/0/dispute/node"}, {"not_equals", "fc2.bakward"}});
  doc["expect"].push_back({{"path", "/tasks/0/disputes/0/node"}, {"equals", "conv1.forward"}});
  const std::string m = JobProblems(doc);
  EXPECT_THAT(m, HasSubstr("/expect/3/not_equals: \"/tasks/0/dispute/node\" can never be "
                           "\"fc2.bakward\": \"fc2.bakward\" is not a node of the job's "
                           "challenge game; did you mean \"fc2.backward\"?"));
  EXPECT_THAT(m, HasSubstr("/expect/4/equals:"));
  EXPECT_THAT(m, Not(HasSubstr("/expect/0")));
  EXPECT_THAT(m, Not(HasSubstr("/expect/1")));
  // Its index: the synthetic job's game has 13 nodes, 0 to 12.
  json index = JobCheckDoc(nullptr, "honest");
  index["expect"] = json::array();
  index["expect"].push_back({{"path", "/tasks/0/dispute/node_index"}, {"equals", 12}});
  EXPECT_EQ(JobProblems(index), "");
  index["expect"].push_back({{"path", "/tasks/0/dispute/node_index"}, {"not_equals", 13}});
  EXPECT_THAT(JobProblems(index),
              HasSubstr("/expect/1/not_equals: \"/tasks/0/dispute/node_index\" can never be 13: "
                        "the job's challenge game has 13 nodes, 0 to 12"));
}

TEST(JobCheckTest, ATypoGetsTheClosestName) {
  EXPECT_THAT(JobProblems(JobCheckDoc({{"step", 5}, {"node", "fc2.bakward"}})),
              HasSubstr("did you mean \"fc2.backward\"?"));
  EXPECT_THAT(JobProblems(JobCheckDoc({{"step", 5}, {"node", "relu1.foward"}})),
              HasSubstr("did you mean \"relu1.forward\"?"));
}

TEST(JobCheckTest, StepPastTheLastStepIsRefused) {
  const std::string m = JobProblems(JobCheckDoc({{"step", 40}, {"node", "fc2.backward"}}));
  EXPECT_THAT(m, HasSubstr("/participants/0/params/step: step 40 is past the last step of the "
                           "task (steps 0 to 39, job.steps = 40)"));
}

// In a market the tasks come in job variants (20 and 60 steps here, the
// scenario's job.steps 40): a step is past every task only beyond the
// longest.
TEST(JobCheckTest, InAMarketTheLongestJobVariantBoundsTheStep) {
  auto market = [](int64_t step) {
    json doc = json::parse(R"({
      "format": "veritrain-scenario/1",
      "name": "job-check-market",
      "seed": 3,
      "tasks": 2,
      "job": {"name": "synthetic", "steps": 40, "batch_size": 8},
      "protocol": {"checkpoint_interval": 10},
      "economics": {"submitter_funds": 100000, "participant_funds": 10000,
                    "verifiers_per_task": 1},
      "market": {
        "solvers": [{"name": "s", "behaviour": "corrupt-node"}],
        "verifiers": [{"name": "v"}],
        "jobs": [{"steps": 20}, {"steps": 60}]
      }
    })");
    doc["market"]["solvers"][0]["params"] = {{"step", step}, {"node", "fc2.backward"}};
    return doc;
  };
  EXPECT_EQ(JobProblems(market(50)), "");
  EXPECT_THAT(JobProblems(market(60)),
              HasSubstr("step 60 is past the last step of the task (steps 0 to 59, the longest "
                        "of market.jobs)"));
}

TEST(JobCheckTest, NodeThatCannotChangeTheStateIsRefusedWithTheReason) {
  const std::string m = JobProblems(JobCheckDoc({{"step", 5}, {"node", "loss.forward"}}));
  EXPECT_THAT(m, HasSubstr("corrupting \"loss.forward\" cannot change the trained state"));
  EXPECT_THAT(m, HasSubstr("count the attack as missed"));
  // The nodes offered instead all reach the state.
  EXPECT_THAT(m, HasSubstr("loss.backward"));
}

TEST(JobCheckTest, TheGamesAssembleNodeIsNotACorruptNodeTarget) {
  EXPECT_THAT(JobProblems(JobCheckDoc({{"step", 5}, {"node", "state.assemble"}})),
              HasSubstr("\"state.assemble\" is the challenge game's last node"));
}

TEST(JobCheckTest, EveryProblemIsListed) {
  json doc = JobCheckDoc({{"step", 99}, {"node", "bogus"}});
  doc["participants"][1]["profile"] = {{"device", "cuda:0"}};
  const std::string m = JobProblems(doc);
  EXPECT_THAT(m, HasSubstr("/participants/0/params/step"));
  EXPECT_THAT(m, HasSubstr("/participants/0/params/node"));
  EXPECT_THAT(m, HasSubstr("/participants/1/profile/device"));
}

TEST(JobCheckTest, DevicesTheMachineLacksAreRefused) {
  json doc = JobCheckDoc(nullptr, "honest");
  doc["participants"][0]["profile"] = {{"device", "cuda:0"}};
  doc["participants"][1]["profile"] = {{"device", "cuda:1"}};
  Scenario sc = ParseJobCheckDoc(doc);
  Status none = CheckDevices(sc, 0);
  EXPECT_THAT(none.message(), HasSubstr("/participants/0/profile/device: \"cuda:0\" names a "
                                        "CUDA device, but this machine has none"));
  EXPECT_THAT(none.message(), HasSubstr("/participants/1/profile/device"));
  Status one = CheckDevices(sc, 1);
  EXPECT_THAT(one.message(), Not(HasSubstr("/participants/0/")));
  EXPECT_THAT(one.message(), HasSubstr("\"cuda:1\" does not exist: this machine has 1 CUDA "
                                       "device(s), cuda:0 to cuda:0"));
  EXPECT_TRUE(CheckDevices(sc, 2).ok());
  // And on this machine, whatever it has.
  if (!torch::cuda::is_available()) {
    EXPECT_THAT(JobProblems(doc), HasSubstr("names a CUDA device, but this machine has none"));
  }
}

TEST(JobCheckTest, MalformedDevicesAreRefusedByTheRolesRule) {
  // Each of these passed check, and every role then refused it at start-up.
  for (const char* device : {"banana", "", "meta", "cpu:1", "CPU", "mps", "gpu", "cuda:-1",
                             "cuda:x", "cuda:"}) {
    json doc = JobCheckDoc(nullptr, "honest");
    doc["participants"][1]["profile"] = {{"device", device}};
    Scenario sc = ParseJobCheckDoc(doc);
    for (int cuda_devices : {0, 2}) {
      const std::string m = CheckDevices(sc, cuda_devices).message();
      EXPECT_THAT(m, HasSubstr("/participants/1/profile: profile.device must be \"cpu\", "
                               "\"cuda\" or \"cuda:N\", not \"" +
                               std::string(device) + "\""))
          << device;
      EXPECT_THAT(m, Not(HasSubstr("this machine has none"))) << device;
    }
  }
}

TEST(JobCheckTest, CalibrationProfilesFollowTheSameDeviceRule) {
  json doc = JobCheckDoc(nullptr, "honest");
  doc["protocol"]["mode"] = "tolerance";
  doc["protocol"]["calibration"] = {
      {"profiles", {{{"threads", 1}}, {{"device", "banana"}}, {{"device", "cuda:3"}}}}};
  Scenario sc = ParseJobCheckDoc(doc);
  const std::string m = CheckDevices(sc, 0).message();
  EXPECT_THAT(m, HasSubstr("/protocol/calibration/profiles/1: profile.device must be"));
  EXPECT_THAT(m, HasSubstr("/protocol/calibration/profiles/2/device: \"cuda:3\" names a CUDA "
                           "device, but this machine has none"));
  EXPECT_THAT(m, Not(HasSubstr("/profiles/0")));
  EXPECT_THAT(CheckDevices(sc, 4).message(), Not(HasSubstr("/profiles/2")));
}

TEST(JobCheckTest, AHeartbeatNotBelowTheSilenceIsRefusedWithTheRunTimeMessage) {
  for (int heartbeat : {1000, 20000}) {
    json doc = JobCheckDoc(nullptr, "honest");
    doc["network"] = {{"retry", {{"heartbeat_ms", heartbeat}, {"silence_ms", 1000}}}};
    EXPECT_THAT(JobProblems(doc), HasSubstr("/network/retry: retry.heartbeat_ms: must be below "
                                            "retry.silence_ms (1000)"))
        << heartbeat;
  }
  json doc = JobCheckDoc(nullptr, "honest");
  doc["network"] = {{"retry", {{"heartbeat_ms", 999}, {"silence_ms", 1000}}}};
  EXPECT_TRUE(CheckRetryPolicy(ParseJobCheckDoc(doc)).ok());
}

// A tcp host no role could bind (a name that resolves nowhere here, which
// ZeroMQ takes for a network interface) failed the run with "No such
// device" after check said ok.
TEST(JobCheckTest, ATcpHostThisMachineCannotBindIsRefused) {
  json doc = JobCheckDoc(nullptr, "honest");
  doc["network"] = {{"transport", "tcp"}, {"host", "example.invalid"}};
  EXPECT_THAT(JobProblems(doc),
              HasSubstr("/network/host: \"example.invalid\" cannot be bound on this machine "
                        "(tcp://example.invalid:*: "));
  doc["network"]["host"] = "127.0.0.1";
  EXPECT_TRUE(CheckTcpHost(ParseJobCheckDoc(doc)).ok());
  // The ipc transport binds no host.
  doc["network"] = {{"transport", "ipc"}, {"host", "example.invalid"}};
  EXPECT_TRUE(CheckTcpHost(ParseJobCheckDoc(doc)).ok());
}

// Calibrated thresholds cover only the honest error between the profiles
// calibrated: a participant computing in another is refused by name.
TEST(JobCheckTest, ACalibrationMustListEveryParticipantsProfile) {
  json doc = JobCheckDoc(nullptr, "honest");
  doc["protocol"]["mode"] = "tolerance";
  doc["protocol"]["calibration"] = {{"profiles", {{{"threads", 2}}}}, {"seeds", {1, 2}}};
  doc["participants"][0]["profile"] = {{"threads", 2}};
  doc["participants"][1]["profile"] = {{"threads", 1}};
  const std::string problems = JobProblems(doc);
  EXPECT_THAT(problems, HasSubstr("/participants/1/profile: verifier-1's"));
  EXPECT_THAT(problems, HasSubstr("is not among protocol.calibration.profiles"));
  EXPECT_THAT(problems, ::testing::Not(HasSubstr("/participants/0/profile")));
  doc["protocol"]["calibration"]["profiles"] = {{{"threads", 2}}, {{"threads", 1}}};
  EXPECT_TRUE(CheckCalibrationProfiles(ParseJobCheckDoc(doc)).ok());
  // A profile listed twice (defaults filled in) would count its samples
  // twice in the predicted false-positive rate.
  doc["protocol"]["calibration"]["profiles"] = {
      {{"threads", 2}}, {{"threads", 1}}, {{"threads", 2}, {"dtype", "float32"}}};
  EXPECT_THAT(CheckCalibrationProfiles(ParseJobCheckDoc(doc)).message(),
              HasSubstr("/protocol/calibration/profiles/2: the same profile as "
                        "/protocol/calibration/profiles/0"));
  doc["protocol"]["calibration"]["profiles"] = {{{"threads", 2}}, {{"threads", 1}}};
  // Exact mode has no thresholds to calibrate: the scenario check refuses
  // the block before the profiles are compared.
  doc["protocol"]["calibration"]["profiles"] = {{{"threads", 2}}};
  doc["protocol"]["mode"] = "exact";
  doc["participants"][1]["profile"] = {{"threads", 2}};
  auto exact = ParseScenario(doc.dump(), "test.json");
  ASSERT_FALSE(exact.ok());
  EXPECT_THAT(exact.status().message(),
              HasSubstr("/protocol/calibration: protocol.calibration applies in tolerance mode "
                        "only; mode is exact"));
}

// A market has no "participants": a generated participant is named by the
// entry that generated it.
TEST(JobCheckTest, AMarketParticipantsProfileIsNamedByItsEntry) {
  json doc = JobCheckDoc(nullptr, "honest");
  doc.erase("participants");
  doc["protocol"]["mode"] = "tolerance";
  doc["protocol"]["calibration"] = {{"profiles", {{{"threads", 1}}}}, {"seeds", {1, 2}}};
  doc["market"] = {{"solvers", {{{"name", "s"}, {"count", 1}}}},
                   {"verifiers",
                    {{{"name", "a"}, {"count", 1}},
                     {{"name", "b"}, {"count", 2}, {"profile", {{"threads", 2}}}}}}};
  doc["economics"]["verifiers_per_task"] = 1;
  auto sc = ParseScenario(doc.dump(), "test.json");
  ASSERT_TRUE(sc.ok()) << sc.status().ToString();
  const std::string problems = CheckCalibrationProfiles(*sc).message();
  EXPECT_THAT(problems, HasSubstr("/market/verifiers/1/profile: b-1's"));
  EXPECT_THAT(problems, ::testing::Not(HasSubstr("/participants/")));
}

TEST(JobCheckTest, ASweepOverAMisspelledNodeIsRefusedAtThatPoint) {
  json doc = JobCheckDoc({{"step", 5}, {"node", "fc2.backward"}});
  doc["sweep"] = {{"parameters",
                   {{{"path", "/participants/0/params/node"},
                     {"name", "node"},
                     {"values", {"fc2.backward", "fc2.bakward", "fc1.forward"}}}}},
                  {"repetitions", 3}};
  Scenario sc = ParseJobCheckDoc(doc);
  const auto errors = CheckSweepJobs(sc);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "/sweep");
  EXPECT_THAT(errors[0].message, HasSubstr("point 1 (node=fc2.bakward): "
                                           "/participants/0/params/node: no node"));
  EXPECT_THAT(errors[0].message, HasSubstr("did you mean \"fc2.backward\"?"));
}

TEST(JobCheckTest, ASweepPointWhoseBehaviourParamsMissTheTaskIsRefused) {
  json doc = JobCheckDoc(nullptr, "honest");
  doc["participants"][1]["behaviour"] = "false-challenge";
  doc["sweep"] = {{"parameters",
                   {{{"path", "/participants/1/params/interval"}, {"values", {1, 4}}}}}};
  const auto errors = CheckSweepJobs(ParseJobCheckDoc(doc));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0].message,
              HasSubstr("point 1 (/participants/1/params/interval=4): "
                        "/participants/1/params/interval: 'verifier-1' (false-challenge)"));
}

// A point that switches to a plug-in job loads the point's plug-in, as
// its run does: the job is checked, not refused as unknown.
TEST(JobCheckTest, ASweepPointLoadsItsOwnPlugins) {
  json doc = JobCheckDoc(nullptr, "honest");
  const json rings = {
      {"name", "example-rings"},
      {"steps", 40},
      {"batch_size", 8},
      {"params",
       {{"dataset",
         {{"format", "csv"},
          {"train", std::string(VERITRAIN_SOURCE_DIR) + "/examples/plugin_job/rings_train.csv"},
          {"test", std::string(VERITRAIN_SOURCE_DIR) + "/examples/plugin_job/rings_test.csv"}}}}}};
  // One value of /plugins, itself a list (built step by step: a braced
  // one-element list is read as a copy by some compilers).
  auto plugins_values = [](const std::string& plugin) {
    json list = json::array();
    list.push_back(plugin);
    json values = json::array();
    values.push_back(list);
    return values;
  };
  json jobs = json::array();
  jobs.push_back(doc["job"]);
  jobs.push_back(rings);
  doc["sweep"] = {{"parameters",
                   {{{"path", "/plugins"}, {"name", "plugins"},
                     {"values", plugins_values(VERITRAIN_EXAMPLE_PLUGIN)}},
                    {{"path", "/job"}, {"name", "job"}, {"values", jobs},
                     {"labels", {"synthetic", "rings"}}}}}};
  // Every point is a scenario (else CheckSweepJobs would skip it).
  const Scenario base = ParseJobCheckDoc(doc);
  auto spec = SweepSpecOf(base);
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  for (const SweepRun& run : SweepRuns(*spec, base.seed)) {
    auto point = SweepRunScenario(base, *spec, run);
    ASSERT_TRUE(point.ok()) << point.status().ToString();
  }
  EXPECT_THAT(CheckSweepJobs(base), ::testing::IsEmpty());
  // A plug-in that cannot be loaded is refused at its point.
  doc["sweep"]["parameters"][0]["values"] = plugins_values("/nonexistent/libnothing.so");
  const auto errors = CheckSweepJobs(ParseJobCheckDoc(doc));
  ASSERT_FALSE(errors.empty());
  EXPECT_THAT(errors[0].message, HasSubstr("/nonexistent/libnothing.so"));
}

TEST(JobCheckTest, AProblemAtEveryPointIsSaidOnce) {
  json doc = JobCheckDoc({{"step", 5}, {"node", "loss.forward"}});
  doc["sweep"] = {{"parameters",
                   {{{"path", "protocol.top_q"}, {"values", {1, 2, 3}}}}}};
  const auto errors = CheckSweepJobs(ParseJobCheckDoc(doc));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0].message, HasSubstr("point 0 (protocol.top_q=1) and 2 more: "));
}

// The thresholds are measured at each point, not only on the file as
// written: a δ no forced error can leave is refused at the point that
// sets it.
TEST(JobCheckTest, ASweepPointWhoseDeltaNoForcedErrorCanLeaveIsRefused) {
  json doc = {{"format", "veritrain-scenario/1"},
              {"name", "fe-sweep"},
              {"job", {{"name", "synthetic"}, {"steps", 20}}},
              {"protocol",
               {{"checkpoint_interval", 5},
                {"mode", "tolerance"},
                {"metrics", {"linf"}},
                {"delta", {{"linf", 10}}}}},
              {"economics", {{"forced_error_rate", 1.0}}},
              {"participants",
               {{{"name", "s"}, {"role", "solver"}}, {{"name", "v"}, {"role", "verifier"}}}},
              {"sweep",
               {{"parameters", {{{"path", "protocol.delta.linf"}, {"values", {10, 1e31}}}}},
                {"repetitions", 3}}}};
  const auto errors = CheckSweepJobs(ParseJobCheckDoc(doc));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "/sweep");
  EXPECT_THAT(errors[0].message,
              HasSubstr("point 1 (protocol.delta.linf=1e+31): /economics/forced_error_rate: 1, "
                        "but no forced error can leave this delta"));
}

// The intervals the thresholds' budget leaves unmeasured are said, for the
// scenario and at each point of a sweep (there with the point), and do not
// refuse it.
TEST(JobCheckTest, IntervalsLeftUnmeasuredAreWarnedAboutAtEachPoint) {
  json doc = {{"format", "veritrain-scenario/1"},
              {"name", "budget-sweep"},
              {"job", {{"name", "synthetic"}, {"steps", 20}}},
              {"protocol",
               {{"checkpoint_interval", 5},
                {"mode", "tolerance"},
                {"metrics", {"l2"}},
                {"delta", {{"l2", 10}}}}},
              {"participants",
               {{{"name", "s"}, {"role", "solver"}},
                {{"name", "v"}, {"role", "verifier"}, {"profile", {{"dtype", "float64"}}}}}}};
  IntervalErrorBudget none;
  none.max_steps = 0;
  std::vector<std::string> warnings;
  EXPECT_TRUE(CheckPointAgainstJob(ParseJobCheckDoc(doc), &warnings, none).ok());
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_THAT(warnings[0], HasSubstr("/protocol/delta: the honest error of intervals 1..3 (steps "
                                     "5 to 20) of the task's 4 was not measured"));
  warnings.clear();
  EXPECT_TRUE(CheckPointAgainstJob(ParseJobCheckDoc(doc), &warnings).ok());
  EXPECT_THAT(warnings, ::testing::IsEmpty());

  doc["sweep"] = {{"parameters", {{{"path", "job.steps"}, {"values", {20, 40}}}}}};
  warnings.clear();
  EXPECT_THAT(CheckSweepJobs(ParseJobCheckDoc(doc), &warnings, none), ::testing::IsEmpty());
  ASSERT_EQ(warnings.size(), 2u) << ::testing::PrintToString(warnings);
  EXPECT_THAT(warnings[0], HasSubstr("/sweep: point 0 (job.steps=20): /protocol/delta: the "
                                     "honest error of intervals 1..3"));
  EXPECT_THAT(warnings[1], HasSubstr("/sweep: point 1 (job.steps=40): /protocol/delta: the "
                                     "honest error of intervals 1..7"));
}

TEST(JobCheckTest, GraphDescriptionListsTheGameNodes) {
  Scenario sc = ParseJobCheckDoc(JobCheckDoc(nullptr, "honest"));
  auto config = ScenarioJobConfig(sc);
  ASSERT_TRUE(config.ok());
  auto facts = JobFactsFor(*config);
  ASSERT_TRUE(facts.ok()) << facts.status().ToString();
  const json& g = facts->graph;
  EXPECT_EQ(g["job"], "synthetic");
  ASSERT_EQ(g["nodes"].size(), g["game_nodes"].get<size_t>());
  EXPECT_EQ(g["game_nodes"].get<int64_t>(), g["graph_nodes"].get<int64_t>() + 1);
  EXPECT_EQ(g["nodes"].back()["name"], "state.assemble");
  EXPECT_EQ(g["coarse"], false);
  for (const auto& n : g["nodes"]) {
    EXPECT_EQ(n["coarse"], false) << n.dump();
    EXPECT_EQ(n["reaches_state"], n["name"] != "loss.forward") << n.dump();
  }
  const std::string table = NodesTable(g);
  EXPECT_THAT(table, HasSubstr("fc2.backward"));
  EXPECT_THAT(table, HasSubstr("state.assemble"));
  EXPECT_THAT(table, HasSubstr("loss.forward"));
}

// A TorchScript model whose forward adds noise: an honest solver running it
// could never be reproduced.
std::string NoisyModelFile(const std::string& dir) {
  torch::jit::Module m(c10::QualifiedName("Noisy"));
  m.register_parameter("weight", torch::full({4, 16}, 0.01), false);
  m.define(R"(
def forward(self, x):
    y = torch.matmul(x, self.weight.t())
    return y + torch.randn_like(y)
)");
  const std::string path = dir + "/noisy.pt";
  m.save(path);
  return path;
}

TEST(JobCheckTest, ATorchScriptModelWithRandomnessInForwardIsRefused) {
  testing_util::ScratchDir dir;
  json doc = JobCheckDoc(nullptr, "honest");
  doc["job"] = {{"name", "torchscript"},
                {"steps", 20},
                {"batch_size", 8},
                {"params",
                 {{"model", NoisyModelFile(dir.path())},
                  {"dataset",
                   {{"format", "synthetic"}, {"features", 16}, {"classes", 4},
                    {"train_size", 64}, {"test_size", 32}}}}}};
  const std::string m = JobProblems(doc);
  EXPECT_THAT(m, HasSubstr("/job: node 'model.forward' gave two different values of "
                           "'act/model' for the same inputs"));
  EXPECT_THAT(m, HasSubstr("randomness in the model's forward"));
}

// A TorchScript model with `body` as its forward after y = x W^T, saved to
// `dir`/`file`.
std::string ModelFile(const std::string& dir, const std::string& file, const std::string& body) {
  torch::jit::Module m(c10::QualifiedName("Model"));
  m.register_parameter("weight", torch::full({4, 16}, 0.01), false);
  m.define("def forward(self, x):\n    y = torch.matmul(x, self.weight.t())\n" + body);
  const std::string path = dir + "/" + file;
  m.save(path);
  return path;
}

json TorchScriptDoc(const std::string& model) {
  json doc = JobCheckDoc(nullptr, "honest");
  doc["job"] = {{"name", "torchscript"},
                {"steps", 20},
                {"batch_size", 8},
                {"params",
                 {{"model", model},
                  {"dataset",
                   {{"format", "synthetic"}, {"features", 16}, {"classes", 4},
                    {"train_size", 64}, {"test_size", 32}}}}}};
  return doc;
}

// A job whose one op adds a count of its calls when it runs on more than
// one thread: pure on one thread, not on two (as a step whose threads race
// to decide the order of a sum is). Registered once per process.
void RegisterThreadDependentJob() {
  static const bool registered = [] {
    JobFactory f = [](const JobConfig& config) -> Result<std::unique_ptr<TrainingJob>> {
      VT_ASSIGN_OR_RETURN(DatasetPair data,
                          LoadDatasetSpec({{"format", "synthetic"}, {"features", 8},
                                           {"classes", 3}, {"train_size", 64},
                                           {"test_size", 16}},
                                          "job.dataset", config.data_seed,
                                          config.dtype == "float64" ? torch::kFloat64
                                                                    : torch::kFloat32));
      OpJobSpec spec;
      Op fc;
      fc.name = "fc";
      fc.inputs = {"data/x"};
      fc.params = {OpParam{"weight", {3, 8}, ParamInit::kUniform, 0.3},
                   OpParam{"bias", {3}, ParamInit::kUniform, 0.3}};
      fc.forward = [](const std::vector<torch::Tensor>& x, const std::vector<torch::Tensor>& p) {
        static std::atomic<int64_t> calls{0};
        const double drift = at::get_num_threads() > 1 ? 1e-3 * static_cast<double>(++calls) : 0;
        return torch::linear(x[0], p[0], p[1]) + drift;
      };
      spec.ops.push_back(std::move(fc));
      spec.train = std::move(data.train);
      spec.test = std::move(data.test);
      return MakeOpJob(config, std::move(spec));
    };
    return RegisterJob("thread-dependent", f).ok();
  }();
  ASSERT_TRUE(registered);
}

// A step that is pure on one thread and not on two is checked under the
// thread count each participant computes with, not only the check's own.
TEST(JobCheckTest, AStepImpureOnlyOnTwoThreadsIsRefusedUnderTheProfileThatHasThem) {
  RegisterThreadDependentJob();
  // The scenario's participants, with the registered job as its config (a
  // scenario names a job outside the built-in ones through a plug-in).
  auto problems = [](const json& doc) -> std::string {
    Scenario sc = ParseJobCheckDoc(doc);
    auto config = ScenarioJobConfig(sc);
    if (!config.ok()) return config.status().message();
    config->name = "thread-dependent";
    Status s = CheckScenarioAgainstJob(sc, *config);
    return s.ok() ? "" : s.message();
  };
  json doc = JobCheckDoc(nullptr, "honest");
  EXPECT_EQ(problems(doc), "");
  doc["participants"][1]["profile"] = {{"threads", 2}};
  const std::string m = problems(doc);
  EXPECT_THAT(m, HasSubstr("/participants/1/profile: job 'thread-dependent' under the profile "));
  EXPECT_THAT(m, HasSubstr("\"threads\":2"));
  EXPECT_THAT(m, HasSubstr("node 'fc.forward' gave two different values of 'act/fc'"));
  EXPECT_THAT(m, Not(HasSubstr("/participants/0/profile")));
}

// A job that builds in the solver's float32 and fails in a verifier's (or a
// calibration profile's) float64 is refused by check, naming the profile,
// not by the run that would have started.
TEST(JobCheckTest, AJobThatFailsInAnotherProfilesDtypeIsRefusedNamingIt) {
  testing_util::ScratchDir dir;
  const std::string model = ModelFile(dir.path(), "float32-only.pt",
                                      "    return torch.matmul(x, self.weight.t().float())\n");
  json doc = TorchScriptDoc(model);
  EXPECT_EQ(JobProblems(doc), "");
  doc["protocol"]["mode"] = "tolerance";
  doc["protocol"]["calibration"] = {{"profiles", {{{"threads", 1}}, {{"dtype", "float64"}}}},
                                    {"seeds", {1, 2}}};
  doc["participants"][1]["profile"] = {{"dtype", "float64"}};
  const std::string m = JobProblems(doc);
  EXPECT_THAT(m, HasSubstr("/participants/1/profile: job 'torchscript' under the profile "));
  EXPECT_THAT(m, HasSubstr("\"dtype\":\"float64\""));
  // Once per distinct profile: the calibration's float64 is the verifier's.
  EXPECT_THAT(m, Not(HasSubstr("/protocol/calibration/profiles/1")));
}

TEST(JobCheckTest, ATorchScriptModelThatIsNotAChainSaysItIsCoarse) {
  json doc = JobCheckDoc(nullptr, "honest");
  doc["job"] = {{"name", "torchscript"},
                {"steps", 20},
                {"batch_size", 8},
                {"params",
                 {{"model", std::string(VERITRAIN_SOURCE_DIR) + "/tests/unit/train/data/residual.pt"},
                  {"dataset",
                   {{"format", "synthetic"}, {"features", 16}, {"classes", 4},
                    {"train_size", 64}, {"test_size", 32}}}}}};
  EXPECT_EQ(JobProblems(doc), "");
  auto config = ScenarioJobConfig(ParseJobCheckDoc(doc));
  ASSERT_TRUE(config.ok());
  auto facts = JobFactsFor(*config);
  ASSERT_TRUE(facts.ok());
  EXPECT_EQ(facts->graph["coarse"], true);
  EXPECT_EQ(facts->graph["nodes"][0]["name"], "model.forward");
  EXPECT_EQ(facts->graph["nodes"][0]["coarse"], true);
  ASSERT_FALSE(facts->graph["notes"].empty());
  EXPECT_THAT(facts->graph["notes"][0].get<std::string>(),
              HasSubstr("trained as one coarse node, model.forward and model.backward, because "
                        "its forward is not a plain chain of child modules"));
}

}  // namespace
}  // namespace veritrain
