// Tests of scenario parsing: the canonical example, defaults, schema errors
// (all of them, with paths), JSON syntax errors, missing files, and every
// semantic check.
#include "scenarios/spec/scenario.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "core/wire/messages/trace_commit.h"
#include "tests/unit/scenario/scenario_test_util.h"

namespace veritrain {
namespace {

using nlohmann::json;
using testing_util::ErrorOf;
using ::testing::HasSubstr;
using ::testing::Not;

// The canonical example of the scenario format (version 1).
constexpr char kQuickstart[] = R"json({
  "format": "veritrain-scenario/1",
  "name": "quickstart",
  "description": "One honest solver and one honest verifier; the mlp job on Fashion-MNIST in exact mode.",
  "seed": 1,
  "job": {
    "name": "mlp",
    "steps": 300,
    "batch_size": 64,
    "params": {"hidden": [128], "optimizer": {"name": "adam", "lr": 0.001}, "train_limit": 0}
  },
  "protocol": {
    "checkpoint_interval": 50,
    "mode": "exact",
    "top_q": 1,
    "random_samples": 1,
    "deadlines": {"training_s": 600, "verification_s": 600}
  },
  "economics": {"reward": 1000, "submitter_funds": 10000},
  "participants": [
    {"name": "solver-1", "role": "solver", "behaviour": "honest", "profile": {"threads": 1}},
    {"name": "verifier-1", "role": "verifier", "behaviour": "honest", "profile": {"threads": 1}}
  ],
  "network": {"transport": "ipc"},
  "timeout_s": 900,
  "expect": [
    {"path": "/tasks/0/outcome", "equals": "accepted"},
    {"path": "/tasks/0/test_accuracy", "min": 0.7},
    {"path": "/tasks/0/verifier_steps_reexecuted", "equals": 100}
  ]
})json";

// Only the required fields; everything else comes from defaults.
constexpr char kMinimal[] = R"json({
  "format": "veritrain-scenario/1",
  "name": "minimal",
  "job": {"name": "synthetic", "steps": 100},
  "participants": [
    {"name": "s", "role": "solver"},
    {"name": "v", "role": "verifier"}
  ]
})json";

std::string DataPath(const std::string& name) {
  return std::string(VERITRAIN_SOURCE_DIR) + "/tests/unit/scenario/data/" +
         name;
}

size_t LineCount(const std::string& s) {
  return s.empty() ? 0 : 1 + std::count(s.begin(), s.end(), '\n');
}

TEST(ScenarioTest, CanonicalExampleParses) {
  Result<Scenario> r = ParseScenario(kQuickstart, "quickstart.json");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const Scenario& s = *r;
  EXPECT_EQ(s.name, "quickstart");
  EXPECT_EQ(s.seed, 1u);
  EXPECT_EQ(s.job["name"], "mlp");
  EXPECT_EQ(s.job["steps"], 300);
  EXPECT_EQ(s.job["params"]["hidden"], json::array({128}));
  EXPECT_EQ(s.protocol.checkpoint_interval, 50);
  EXPECT_EQ(s.protocol.mode, "exact");
  EXPECT_EQ(s.intervals(), 6);  // 300 / 50
  EXPECT_EQ(s.economics.reward, 1000);
  EXPECT_EQ(s.economics.submitter_funds, 10000);
  ASSERT_EQ(s.participants.size(), 2u);
  ASSERT_EQ(s.solvers().size(), 1u);
  EXPECT_EQ(s.solvers()[0]->name, "solver-1");
  ASSERT_EQ(s.verifiers().size(), 1u);
  EXPECT_EQ(s.verifiers()[0]->name, "verifier-1");
  EXPECT_EQ(s.network.transport, "ipc");
  EXPECT_EQ(s.timeout_s, 900);
  EXPECT_EQ(s.expect.size(), 3u);
  EXPECT_TRUE(CheckScenarioJson(json::parse(kQuickstart)).empty());
}

TEST(ScenarioTest, CanonicalExampleFillsProfileDefaults) {
  Result<Scenario> r = ParseScenario(kQuickstart, "quickstart.json");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  // Only "threads" is given; the rest are the documented defaults.
  const json& profile = r->resolved["participants"][0]["profile"];
  EXPECT_EQ(profile, (json{{"threads", 1},
                           {"dtype", "float32"},
                           {"deterministic", true},
                           {"device", "cpu"}}));
  EXPECT_EQ(r->participants[1].profile.ToJson(), profile);
  EXPECT_EQ(r->network.host, "127.0.0.1");
}

TEST(ScenarioTest, MinimalScenarioGetsEveryDefault) {
  Result<Scenario> r = ParseScenario(kMinimal, "minimal.json");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const Scenario& s = *r;
  // Defaults as specified for format version 1.
  EXPECT_EQ(s.seed, 1u);
  EXPECT_EQ(s.description, "");
  EXPECT_EQ(s.job["batch_size"], 64);
  EXPECT_EQ(s.job["params"], json::object());
  EXPECT_EQ(s.protocol.checkpoint_interval, 50);
  EXPECT_EQ(s.protocol.mode, "exact");
  EXPECT_EQ(s.protocol.top_q, 1);
  EXPECT_EQ(s.protocol.random_samples, 1);
  EXPECT_EQ(s.protocol.training_deadline_s, 600);
  EXPECT_EQ(s.protocol.verification_deadline_s, 600);
  EXPECT_EQ(s.economics.reward, 1000);
  EXPECT_EQ(s.economics.submitter_funds, 10000);
  EXPECT_EQ(s.network.transport, "ipc");
  EXPECT_EQ(s.network.host, "127.0.0.1");
  EXPECT_FALSE(s.network.curve.enabled);
  EXPECT_EQ(s.network.curve.keys, "generate");
  EXPECT_EQ(s.timeout_s, 900);
  EXPECT_EQ(s.expect, json::array());
  EXPECT_EQ(s.participants[0].behaviour, "honest");
  EXPECT_EQ(s.participants[0].params, json::object());
  EXPECT_EQ(s.participants[0].profile.threads, 1);
  EXPECT_EQ(s.participants[0].profile.dtype, "float32");
  EXPECT_TRUE(s.participants[0].profile.deterministic);
  EXPECT_EQ(s.participants[0].profile.device, "cpu");

  // The same defaults are in `resolved`, for the run manifest.
  EXPECT_EQ(s.resolved["protocol"]["checkpoint_interval"], 50);
  EXPECT_EQ(s.resolved["protocol"]["deadlines"]["training_s"], 600);
  EXPECT_EQ(s.resolved["economics"]["reward"], 1000);
  EXPECT_EQ(s.resolved["network"]["transport"], "ipc");
  EXPECT_EQ(s.resolved["timeout_s"], 900);
  EXPECT_EQ(s.resolved["participants"][1]["profile"]["dtype"], "float32");
  // Resolving is idempotent: the resolved document parses to itself.
  Result<Scenario> again = ParseScenario(s.resolved.dump(), "resolved");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->resolved, s.resolved);
}

// Exact mode compares bits: a verifier in another precision than the
// solver's can never agree, so the scenario is refused (tolerance mode
// allows it).
TEST(ScenarioTest, ExactModeNeedsTheSolversDtype) {
  json j = json::parse(kMinimal);
  j["participants"][1]["profile"] = {{"dtype", "float64"}};
  Result<Scenario> exact = ParseScenario(j.dump(), "t.json");
  ASSERT_FALSE(exact.ok());
  EXPECT_NE(exact.status().message().find("/participants/1/profile/dtype"), std::string::npos)
      << exact.status().message();
  EXPECT_NE(exact.status().message().find("exact mode"), std::string::npos);
  j["participants"][0]["profile"] = {{"dtype", "float64"}};
  j["participants"][1]["profile"] = {{"dtype", "float32"}};
  EXPECT_FALSE(ParseScenario(j.dump(), "t.json").ok());  // the reverse too
  j["participants"][1]["profile"] = {{"dtype", "float64"}};
  EXPECT_TRUE(ParseScenario(j.dump(), "t.json").ok());
  j["participants"][1]["profile"] = {{"dtype", "float32"}};
  j["protocol"] = {{"mode", "tolerance"}, {"delta", {{"l2", 1e-3}}}};
  Result<Scenario> tolerance = ParseScenario(j.dump(), "t.json");
  EXPECT_TRUE(tolerance.ok()) << tolerance.status().ToString();
}

// Exact mode has no threshold: a delta, reference or calibration block
// would be reported as applied while changing nothing.
TEST(ScenarioTest, ExactModeRefusesToleranceSettings) {
  const json delta = {{"l2", 0.1}};
  const json calibration = {{"profiles", {{{"threads", 1}}}}, {"seeds", {1, 2}}};
  const std::vector<std::pair<std::string, json>> cases = {
      {"delta", delta}, {"reference", delta}, {"calibration", calibration}};
  for (const auto& c : cases) {
    json j = json::parse(kMinimal);
    j["protocol"] = {{"mode", "exact"}, {c.first, c.second}};
    Result<Scenario> r = ParseScenario(j.dump(), "t.json");
    ASSERT_FALSE(r.ok()) << c.first;
    EXPECT_THAT(r.status().message(),
                HasSubstr("t.json: /protocol/" + c.first + ": protocol." + c.first +
                          " applies in tolerance mode only; mode is exact"));
    // The same block is fine in tolerance mode.
    j["protocol"]["mode"] = "tolerance";
    if (c.first == "reference") j["protocol"]["delta"] = delta;
    Result<Scenario> tolerance = ParseScenario(j.dump(), "t.json");
    EXPECT_TRUE(tolerance.ok()) << c.first << ": " << tolerance.status().ToString();
  }
}

// The game's node threshold is tolerance mode's too: in exact mode the game
// compares node outputs bit for bit, and a node_tolerance would be recorded
// in the task while changing nothing. Its default, 0, is exact.
TEST(ScenarioTest, ExactModeRefusesANodeTolerance) {
  json j = json::parse(kMinimal);
  j["protocol"] = {{"mode", "exact"}, {"game", {{"node_tolerance", 1}}}};
  Result<Scenario> r = ParseScenario(j.dump(), "t.json");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(),
              HasSubstr("t.json: /protocol/game/node_tolerance: protocol.game.node_tolerance "
                        "applies in tolerance mode only; mode is exact"));
  j["protocol"]["game"]["node_tolerance"] = 0;
  EXPECT_TRUE(ParseScenario(j.dump(), "t.json").ok());
  j["protocol"] = {{"mode", "tolerance"},
                   {"delta", {{"l2", 0.1}}},
                   {"game", {{"node_tolerance", 1e-3}}}};
  Result<Scenario> tolerance = ParseScenario(j.dump(), "t.json");
  EXPECT_TRUE(tolerance.ok()) << tolerance.status().ToString();
}

// A delta or reference for a metric protocol.metrics does not measure would
// be reported as applied and never compared: refused, naming the metric.
TEST(ScenarioTest, ThresholdsForMetricsNotMeasuredAreRefused) {
  for (const char* field : {"delta", "reference"}) {
    json j = json::parse(kMinimal);
    j["protocol"] = {{"mode", "tolerance"},
                     {"metrics", {"l2"}},
                     {"delta", {{"l2", 1.0}}}};
    j["protocol"][field]["linf"] = 1e-9;
    Result<Scenario> r = ParseScenario(j.dump(), "t.json");
    ASSERT_FALSE(r.ok()) << field;
    EXPECT_THAT(r.status().message(),
                HasSubstr(std::string("t.json: /protocol/") + field + "/linf: protocol." + field +
                          " names metric \"linf\", which protocol.metrics does not measure "
                          "(\"l2\"): it would be reported as applied and never compared"));
    j["protocol"]["metrics"] = {"l2", "linf"};
    if (std::string(field) == "reference") j["protocol"]["delta"]["linf"] = 1e-3;
    Result<Scenario> measured = ParseScenario(j.dump(), "t.json");
    EXPECT_TRUE(measured.ok()) << field << ": " << measured.status().ToString();
  }
}

// A host the tcp endpoints cannot bind to is refused by check, not found
// when the run starts.
TEST(ScenarioTest, TheNetworkHostMustBeAnAddressOrAHostName) {
  for (const char* bad : {"999.1.1.1", "1.2.3", "", "-a.example", "a..b", "a b", "::1",
                          "tcp://127.0.0.1"}) {
    json j = json::parse(kMinimal);
    j["network"] = {{"host", bad}};
    EXPECT_THAT(ErrorOf(j), HasSubstr("/network/host: " + json(bad).dump() +
                                      " is neither an IPv4 address"))
        << bad;
  }
  // Its example of a name is one the roles can bind to (an interface: a
  // host name such as "localhost" passes this syntax, and check's bind on
  // the machine then refuses it).
  json example = json::parse(kMinimal);
  example["network"] = {{"host", "a b"}};
  EXPECT_THAT(ErrorOf(example), HasSubstr("nor a network interface's name (letters, digits, "
                                          "'-' and '.': \"lo\")"));
  for (const char* good : {"127.0.0.1", "0.0.0.0", "localhost", "node-1.cluster.local",
                           "10.2.3.4"}) {
    json j = json::parse(kMinimal);
    j["network"] = {{"host", good}};
    EXPECT_EQ(ErrorOf(j), "") << good;
  }
}

TEST(ScenarioTest, GivenValuesAreNotReplacedByDefaults) {
  json j = json::parse(kMinimal);
  j["protocol"] = {{"checkpoint_interval", 25},
                   {"deadlines", {{"training_s", 5}}}};
  j["participants"][0]["profile"] = {{"dtype", "float64"}};
  j["participants"][1]["profile"] = {{"dtype", "float64"}, {"threads", 4}};
  Result<Scenario> r = ParseScenario(j.dump(), "t.json");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->protocol.checkpoint_interval, 25);
  EXPECT_EQ(r->protocol.training_deadline_s, 5);
  EXPECT_EQ(r->protocol.verification_deadline_s, 600);
  EXPECT_EQ(r->participants[1].profile.dtype, "float64");
  EXPECT_EQ(r->participants[1].profile.threads, 4);
  EXPECT_EQ(r->intervals(), 4);  // 100 / 25
}

TEST(ScenarioTest, DefaultConstructedScenarioHasNoIntervals) {
  EXPECT_EQ(Scenario().intervals(), 0);
}

TEST(ScenarioTest, ReportsAllSchemaErrorsWithPaths) {
  Result<Scenario> r = LoadScenario(DataPath("three_errors.json"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  const std::string& m = r.status().message();
  EXPECT_EQ(LineCount(m), 3u) << m;
  const std::string source = DataPath("three_errors.json");
  EXPECT_THAT(m, HasSubstr(source + ": /colour: unknown field 'colour'"));
  EXPECT_THAT(m, HasSubstr(source + ": /job/steps: -5 is less than the "
                                    "minimum 1"));
  EXPECT_THAT(m, HasSubstr(source + ": /participants/1/role: \"referee\" is "
                                    "not one of: \"solver\", \"verifier\""));
}

TEST(ScenarioTest, CheckScenarioJsonReturnsStructuredErrors) {
  std::ifstream in(DataPath("three_errors.json"));
  std::vector<ScenarioError> errors = CheckScenarioJson(json::parse(in));
  ASSERT_EQ(errors.size(), 3u);
  std::vector<std::string> paths;
  for (const ScenarioError& e : errors) paths.push_back(e.path);
  EXPECT_THAT(paths, ::testing::UnorderedElementsAre("/colour", "/job/steps",
                                                     "/participants/1/role"));
}

TEST(ScenarioTest, SyntaxErrorNamesSourceLineAndColumn) {
  Result<Scenario> r = LoadScenario(DataPath("syntax_error.json"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  // The missing comma is on line 4 (Python's json module agrees:
  // "Expecting ',' delimiter: line 4").
  EXPECT_THAT(r.status().message(),
              HasSubstr(DataPath("syntax_error.json") +
                        ": invalid JSON at line 4, column "));
}

TEST(ScenarioTest, SyntaxErrorColumnCountsFromLineStart) {
  // The unexpected 'x' is the 8th character of line 2.
  Result<Scenario> r = ParseScenario("{\n  \"a\": x\n}", "inline");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(),
              HasSubstr("inline: invalid JSON at line 2, column 8: "));
}

// A number beyond the range of a double is refused by the JSON reader
// without a position: the error still gives the line and column where the
// number starts, as for a syntax error.
TEST(ScenarioTest, ANumberBeyondADoubleNamesItsLineAndColumn) {
  Result<Scenario> r = ParseScenario("{\n  \"seed\": 1,\n  \"timeout_s\": 1e999\n}", "big.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(r.status().message(),
              HasSubstr("big.json: invalid JSON at line 3, column 16: number overflow parsing "
                        "'1e999'"));
  // Negative, and as the first token of a line.
  r = ParseScenario("[\n-1E+400]", "neg.json");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("neg.json: invalid JSON at line 2, column 1: "));
}

TEST(ScenarioTest, EmptyTextIsInvalidJson) {
  Result<Scenario> r = ParseScenario("", "empty.json");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("empty.json: invalid JSON"));
}

TEST(ScenarioTest, MissingFileIsNotFound) {
  const std::string path = DataPath("does_not_exist.json");
  Result<Scenario> r = LoadScenario(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kNotFound);
  EXPECT_THAT(r.status().message(), HasSubstr(path));
}

// A device is refused by what it is (reading /dev/zero never ends, and
// grew the process until memory ran out); a file far larger than any
// scenario is refused without being read whole.
TEST(ScenarioTest, DevicesAndHugeFilesAreNotReadAsScenarios) {
  Result<Scenario> r = LoadScenario("/dev/zero");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("/dev/zero: is a device or a socket"));
  const std::string path = ::testing::TempDir() + "/huge.json";
  {
    std::ofstream out(path, std::ios::binary);
    out << "{\"description\": \"" << std::string((size_t{16} << 20) + 10, 'x') << "\"}";
  }
  r = LoadScenario(path);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("huge.json: larger than 16 MiB"));
  std::remove(path.c_str());
}

// A well-formed file nested some 30,000 levels deep would overflow the
// stack in the recursive walks over the parsed document: refused before
// parsing, naming the file and the limit (also with --plugin, which
// parses the file first).
TEST(ScenarioTest, JsonNestedTooDeepIsRefusedNotACrash) {
  json j = json::parse(kMinimal);
  const std::string deep = std::string(30000, '[') + std::string(30000, ']');
  std::string text = j.dump();
  text.insert(1, "\"description\": " + deep + ", ");
  Result<Scenario> r = ParseScenario(text, "deep.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(r.status().message(),
            "deep.json: JSON nested deeper than 128 levels (the limit for files veritrain "
            "reads)");
  const std::string path = ::testing::TempDir() + "/veritrain_scenario_deep.json";
  std::ofstream(path) << text;
  for (const std::vector<std::string>& plugins :
       {std::vector<std::string>{}, std::vector<std::string>{"/no/such/plugin.so"}}) {
    r = LoadScenario(path, plugins);
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.status().message(), HasSubstr(path + ": JSON nested deeper than 128 levels"));
  }
  // Nesting at the limit is only a wrong type.
  text = j.dump();
  text.insert(1, "\"description\": " + std::string(127, '[') + std::string(127, ']') + ", ");
  r = ParseScenario(text, "deep.json");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), Not(HasSubstr("nested deeper")));
}

TEST(ScenarioTest, UnknownJobListsKnownJobs) {
  Result<Scenario> r = LoadScenario(DataPath("unknown_job.json"));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(),
              HasSubstr("/job/name: \"resnet\" is not one of: \"mlp\", "
                        "\"synthetic\""));
}

// A key of job.params that the task sets itself would be overwritten
// without a word: "dtype": "float64" there trained in float32. Each is
// refused at its path, saying where the value is set.
TEST(ScenarioTest, JobParamsThatTheTaskSetsItselfAreRefused) {
  const std::vector<std::pair<std::string, json>> cases = {
      {"dtype", "float64"}, {"steps", 20},  {"batch_size", 4},
      {"name", "mlp"},      {"data_seed", 99}, {"init_seed", 1}};
  for (const auto& c : cases) {
    json j = json::parse(kMinimal);
    j["job"]["params"] = {{c.first, c.second}};
    const std::string error = testing_util::ErrorOf(j);
    EXPECT_THAT(error, HasSubstr("/job/params/" + c.first + ": is not a job parameter"))
        << c.first;
  }
  json j = json::parse(kMinimal);
  j["job"]["params"] = {{"dtype", "float64"}};
  EXPECT_THAT(testing_util::ErrorOf(j), HasSubstr("each participant's profile.dtype"));
  j["job"]["params"] = {{"hidden", 16}};  // a real parameter is the job's to check
  EXPECT_EQ(testing_util::ErrorOf(j), "");
}

TEST(ScenarioTest, NonObjectRootIsReportedAtRoot) {
  Result<Scenario> r = ParseScenario("[1, 2]", "list.json");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(),
              HasSubstr("list.json: (root): expected object, got array"));
}

TEST(ScenarioTest, TypoInFieldNameSuggestsTheField) {
  json j = json::parse(kMinimal);
  j["protocol"] = {{"chekpoint_interval", 10}};
  EXPECT_THAT(ErrorOf(j),
              HasSubstr("/protocol/chekpoint_interval: unknown field "
                        "'chekpoint_interval'; did you mean "
                        "'checkpoint_interval'?"));
}

TEST(ScenarioTest, NetworkCurveIsParsedAndItsFieldsChecked) {
  json j = json::parse(kMinimal);
  j["network"] = {{"curve", {{"enabled", true}, {"keys", "keys/run-1"}}}};
  Result<Scenario> r = ParseScenario(j.dump(), "curve.json");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->network.curve.enabled);
  EXPECT_EQ(r->network.curve.keys, "keys/run-1");
  j["network"] = {{"curve", {{"enabled", "yes"}, {"key", "x"}}}};
  std::string m = ErrorOf(j);
  EXPECT_THAT(m, HasSubstr("/network/curve/enabled"));
  EXPECT_THAT(m, HasSubstr("/network/curve/key: unknown field"));
  j["network"] = {{"curve", {{"keys", ""}}}};
  EXPECT_THAT(ErrorOf(j), HasSubstr("/network/curve/keys"));
}

TEST(ScenarioTest, EveryUnknownFieldOfAnObjectIsReported) {
  json j = json::parse(kMinimal);
  j["participants"][0]["colour"] = "red";
  j["participants"][0]["size"] = 3;
  std::string m = ErrorOf(j);
  EXPECT_THAT(m, HasSubstr("/participants/0/colour: unknown field"));
  EXPECT_THAT(m, HasSubstr("/participants/0/size: unknown field"));
}

TEST(ScenarioTest, MissingRequiredFieldIsNamed) {
  json j = json::parse(kMinimal);
  j["job"].erase("steps");
  j.erase("format");
  std::string m = ErrorOf(j);
  EXPECT_THAT(m, HasSubstr("test.json: /job: missing required field 'steps'"));
  EXPECT_THAT(m, HasSubstr("test.json: (root): missing required field "
                           "'format'"));
}

TEST(ScenarioTest, SchemaRulesOnValues) {
  struct Case {
    const char* pointer;
    json value;
    const char* expected;
  };
  const Case cases[] = {
      {"/format", "veritrain-scenario/2",
       "/format: must be \"veritrain-scenario/1\", got "
       "\"veritrain-scenario/2\""},
      {"/name", "has space", "/name: \"has space\" does not match the pattern"},
      {"/name", std::string(65, 'a'),  // shown shortened
       "/name: \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa... "
       "does not match the pattern"},
      {"/seed", -1, "/seed: -1 is less than the minimum 0"},
      {"/seed", "1", "/seed: expected integer, got string \"1\""},
      {"/job/batch_size", 0, "/job/batch_size: 0 is less than the minimum 1"},
      {"/job/params", json::array(), "/job/params: expected object"},
      {"/protocol/mode", "fuzzy", "/protocol/mode: \"fuzzy\" is not one of"},
      {"/protocol/deadlines/training_s", 0,
       "/protocol/deadlines/training_s: 0 must be greater than 0"},
      {"/economics/reward", 1.5,
       "/economics/reward: expected integer, got number 1.5"},
      // Token amounts stay exactly representable as doubles: at most
      // 2^53 - 1 = 9007199254740991.
      {"/economics/reward", 9007199254740992ULL,
       "/economics/reward: 9007199254740992 is greater than the maximum "
       "9007199254740991"},
      {"/economics/submitter_funds", 9007199254740993ULL,
       "/economics/submitter_funds: 9007199254740993 is greater than the "
       "maximum"},
      {"/participants/0/profile/threads", 257,
       "/participants/0/profile/threads: 257 is greater than the maximum 256"},
      {"/participants/0/profile/dtype", "float16",
       "/participants/0/profile/dtype: \"float16\" is not one of"},
      {"/participants/0/profile/deterministic", 1,
       "/participants/0/profile/deterministic: expected boolean"},
      {"/participants/0/name", "a/b",
       "/participants/0/name: \"a/b\" is not a safe participant name"},
      {"/network/transport", "udp", "/network/transport: \"udp\" is not one"},
      {"/timeout_s", -3, "/timeout_s: -3 must be greater than 0"},
      {"/expect", json::array({{{"path", "tasks"}, {"equals", 1}}}),
       "/expect/0/path: \"tasks\" does not match the pattern ^/"},
  };
  for (const Case& c : cases) {
    json j = json::parse(kMinimal);
    j[json::json_pointer(c.pointer)] = c.value;
    EXPECT_THAT(ErrorOf(j), HasSubstr(c.expected))
        << c.pointer << " = " << c.value.dump();
  }
}

// Every time and amount has a bounded range, and an out-of-range value is
// refused naming the field and its maximum. Before, training_s = 1e16
// passed `check` and overflowed the arbiter's deadline into the past (the
// honest solver timed out and was slashed), and an integer of 2^63 or more
// was reported as "less than the minimum 0".
TEST(ScenarioTest, TimesAndAmountsHaveBoundedRanges) {
  struct Case {
    const char* pointer;
    json value;
    const char* expected;
  };
  const Case cases[] = {
      {"/protocol/deadlines/training_s", 1e16,
       "/protocol/deadlines/training_s: 1e+16 is greater than the maximum 31536000"},
      {"/protocol/deadlines/training_s", 9.3e15, "is greater than the maximum 31536000"},
      {"/protocol/deadlines/verification_s", 1e16,
       "/protocol/deadlines/verification_s: 1e+16 is greater than the maximum 31536000"},
      {"/protocol/game/clock_s", 1e16,
       "/protocol/game/clock_s: 1e+16 is greater than the maximum 31536000"},
      {"/timeout_s", 31536001, "/timeout_s: 31536001 is greater than the maximum 31536000"},
      {"/economics/reward", 9223372036854775808ULL,  // 2^63
       "/economics/reward: 9223372036854775808 is greater than the maximum "
       "9007199254740991"},
      {"/economics/submitter_funds", 18446744073709551615ULL,  // 2^64 - 1
       "/economics/submitter_funds: 18446744073709551615 is greater than the maximum"},
      {"/seed", 9223372036854775808ULL,
       "/seed: 9223372036854775808 is greater than the maximum 9007199254740991"},
      {"/job/steps", 9223372036854775809ULL,
       "/job/steps: 9223372036854775809 is greater than the maximum 100000000"},
      {"/job/batch_size", 16777217, "/job/batch_size: 16777217 is greater than the maximum"},
      {"/economics/verifiers_per_task", 10001,
       "/economics/verifiers_per_task: 10001 is greater than the maximum 10000"},
  };
  for (const Case& c : cases) {
    json j = json::parse(kMinimal);
    j[json::json_pointer(c.pointer)] = c.value;
    const std::string error = ErrorOf(j);
    EXPECT_THAT(error, HasSubstr(c.expected)) << c.pointer << " = " << c.value.dump();
    EXPECT_THAT(error, Not(HasSubstr("less than the minimum"))) << c.pointer;
  }
  // The largest values allowed pass.
  json j = json::parse(kMinimal);
  j["protocol"]["deadlines"] = {{"training_s", 31536000}, {"verification_s", 31536000}};
  j["protocol"]["game"] = {{"clock_s", 31536000}};
  j["timeout_s"] = 31536000;
  j["seed"] = 9007199254740991LL;
  EXPECT_EQ(ErrorOf(j), "");
  // Every integer of the schema reads 2^63 and more as too large, also
  // where no maximum is written (calibration seeds).
  j = json::parse(kMinimal);
  j["protocol"]["calibration"] = {{"profiles", {json::object()}},
                                  {"seeds", {9223372036854775808ULL}}};
  EXPECT_THAT(ErrorOf(j), HasSubstr("/protocol/calibration/seeds/0: 9223372036854775808 is "
                                    "greater than the largest integer allowed"));
}

// A calibration seed given twice would be left out of the false-positive
// estimate while still calibrating it: refused by name.
TEST(ScenarioTest, ACalibrationSeedGivenTwiceIsRefused) {
  json j = json::parse(kMinimal);
  j["protocol"]["mode"] = "tolerance";
  j["protocol"]["calibration"] = {{"profiles", {json::object()}}, {"seeds", {1, 2, 1}}};
  EXPECT_THAT(ErrorOf(j), HasSubstr("/protocol/calibration/seeds"));
  EXPECT_THAT(ErrorOf(j), HasSubstr("uniqueness"));
  j["protocol"]["calibration"]["seeds"] = {1, 2, 3};
  EXPECT_EQ(ErrorOf(j), "");
}

TEST(ScenarioTest, LargestTokenAmountIsAccepted) {
  json j = json::parse(kMinimal);
  j["economics"] = {{"reward", 9007199254740991LL},
                    {"submitter_funds", 9007199254740991LL}};
  Result<Scenario> r = ParseScenario(j.dump(), "t.json");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->economics.reward, 9007199254740991LL);
}

TEST(ScenarioTest, ExpectationNeedsExactlyOneComparison) {
  auto with_expect = [](json e) {
    json j = json::parse(kMinimal);
    if (!e.contains("path")) e["path"] = "/tasks/0/test_accuracy";
    j["expect"] = json::array({e});
    return j;
  };
  EXPECT_EQ(ErrorOf(with_expect({{"path", "/tasks/0/outcome"}, {"equals", "accepted"}})), "");
  EXPECT_EQ(ErrorOf(with_expect({{"path", "/tasks/0/outcome"}, {"not_equals", "void"}})), "");
  EXPECT_EQ(ErrorOf(with_expect({{"min", 0.5}})), "");
  EXPECT_EQ(ErrorOf(with_expect({{"max", 0.5}})), "");
  EXPECT_EQ(ErrorOf(with_expect({{"min", 0.1}, {"max", 0.5}})), "");
  EXPECT_EQ(ErrorOf(with_expect({{"equals", 1}, {"description", "d"}})), "");

  for (const json& bad : {json::object(), json{{"equals", 1}, {"min", 0}},
                          json{{"equals", 1}, {"not_equals", 2}},
                          json{{"not_equals", 1}, {"max", 2}}}) {
    std::string m = ErrorOf(with_expect(bad));
    EXPECT_THAT(m, HasSubstr("/expect/0: needs exactly one comparison"))
        << bad.dump();
    // One line: the alternatives' own errors are folded into it.
    EXPECT_EQ(LineCount(m), 1u) << m;
  }
  std::string m = ErrorOf(with_expect({{"equals", 1}, {"min", 0}}));
  EXPECT_THAT(m, HasSubstr("(has: equals, min)"));

  json no_path = json::parse(kMinimal);
  no_path["expect"] = json::array({{{"equals", 1}}});
  EXPECT_THAT(ErrorOf(no_path),
              HasSubstr("/expect/0: missing required field 'path'"));

  json min_string = with_expect({{"min", "0.5"}});
  EXPECT_THAT(ErrorOf(min_string), HasSubstr("/expect/0/min: expected number"));
}

TEST(ScenarioTest, ExpectPathMustBeAValidJsonPointer) {
  json j = json::parse(kMinimal);
  j["expect"] = json::array({{{"path", "/a~2"}, {"equals", 1}}});
  EXPECT_THAT(ErrorOf(j), HasSubstr("/expect/0/path: \"/a~2\" is not a valid "
                                    "JSON pointer"));
}

// --- Semantic checks -------------------------------------------------------

TEST(ScenarioTest, NeedsExactlyOneSolver) {
  json two = json::parse(kMinimal);
  two["participants"].push_back({{"name", "s2"}, {"role", "solver"}});
  EXPECT_THAT(ErrorOf(two), HasSubstr("test.json: /participants: need exactly "
                                      "one solver (found 2)"));
  json none = json::parse(kMinimal);
  none["participants"].erase(0);
  EXPECT_THAT(ErrorOf(none), HasSubstr("/participants: need exactly one "
                                       "solver (found 0)"));
}

TEST(ScenarioTest, NeedsAtLeastOneVerifier) {
  json j = json::parse(kMinimal);
  j["participants"].erase(1);
  EXPECT_THAT(ErrorOf(j), HasSubstr("/participants: need at least one "
                                    "verifier (found 0)"));
  json three = json::parse(kMinimal);
  three["participants"].push_back({{"name", "v2"}, {"role", "verifier"}});
  three["participants"].push_back({{"name", "v3"}, {"role", "verifier"}});
  EXPECT_EQ(ErrorOf(three), "");
}

TEST(ScenarioTest, ParticipantNamesAreUnique) {
  json j = json::parse(kMinimal);
  j["participants"].push_back({{"name", "v"}, {"role", "verifier"}});
  EXPECT_THAT(ErrorOf(j), HasSubstr("/participants/2/name: duplicate "
                                    "participant name 'v' (also "
                                    "/participants/1)"));
}

// Names that differ only in case are one file on a case-insensitive file
// system: the second would overwrite the first's work folder, key and log.
TEST(ScenarioTest, ParticipantNamesThatDifferOnlyInCaseAreRefused) {
  json j = json::parse(kMinimal);
  j["participants"].push_back({{"name", "V"}, {"role", "verifier"}});
  EXPECT_THAT(ErrorOf(j), HasSubstr("/participants/2/name: participant name 'V' differs from "
                                    "'v' (/participants/1) only in case: on a case-insensitive "
                                    "file system"));
  EXPECT_THAT(ErrorOf(j), HasSubstr("rename one"));
  // Across roles too, and said once with the first name it collides with.
  j = json::parse(kMinimal);
  j["participants"].push_back({{"name", "S"}, {"role", "verifier"}});
  j["participants"].push_back({{"name", "s_"}, {"role", "verifier"}});
  EXPECT_THAT(ErrorOf(j), HasSubstr("/participants/2/name: participant name 'S' differs from "
                                    "'s' (/participants/0) only in case"));
  EXPECT_EQ(LineCount(ErrorOf(j)), 1u) << ErrorOf(j);
  // An exact duplicate is said as a duplicate only.
  j = json::parse(kMinimal);
  j["participants"].push_back({{"name", "v"}, {"role", "verifier"}});
  EXPECT_THAT(ErrorOf(j), Not(HasSubstr("only in case")));
}

// A name is a ledger account and a path component of the run's work
// directory: reserved names and unsafe ones are refused with the reason.
// Before, a verifier named "jackpot" had its tokens merged into the
// jackpot, and one named ".." kept its verdict outside the private temp dir.
TEST(ScenarioTest, ParticipantNamesAreSafeAndNotReserved) {
  auto error_for = [](const std::string& name) {
    json j = json::parse(kMinimal);
    j["participants"][1]["name"] = name;
    return ErrorOf(j);
  };
  for (const char* name : {"arbiter", "submitter", "mint", "jackpot", "burn", "escrow", "stake",
                           "challenge", "keys"}) {
    EXPECT_THAT(error_for(name),
                HasSubstr("/participants/1/name: participant name '" + std::string(name) +
                          "' is reserved for"))
        << name;
  }
  EXPECT_THAT(error_for("jackpot"), HasSubstr("reserved for the ledger's jackpot account"));
  for (const char* name : {".", "..", ".hidden", "-v", "_v", "a/b", "a b", ""}) {
    EXPECT_THAT(error_for(name), HasSubstr("/participants/1/name: "))
        << "'" << name << "'";
    EXPECT_THAT(error_for(name), HasSubstr("is not a safe participant name")) << name;
  }
  EXPECT_THAT(error_for(".."), HasSubstr("the first a letter or digit"));
  for (const char* name : {"v", "verifier-1", "V_2", "9lives", "a..b", "Jackpot-2"}) {
    EXPECT_EQ(error_for(name), "") << name;
  }
  // In any case: "Keys" is the key folder on a case-insensitive file system.
  EXPECT_THAT(error_for("Keys"), HasSubstr("participant name 'Keys' is reserved for the run's key "
                                           "folder"));
  // The solver too.
  json j = json::parse(kMinimal);
  j["participants"][0]["name"] = "burn";
  EXPECT_THAT(ErrorOf(j), HasSubstr("/participants/0/name: participant name 'burn' is "
                                    "reserved"));
}

TEST(ScenarioTest, CheckpointIntervalMustDivideSteps) {
  Result<Scenario> r = LoadScenario(DataPath("indivisible_interval.json"));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(),
              HasSubstr("/protocol/checkpoint_interval: 70 does not divide "
                        "job.steps = 300"));
}

TEST(ScenarioTest, IntervalLargerThanStepsDoesNotDivide) {
  json j = json::parse(kMinimal);  // 100 steps
  j["protocol"] = {{"checkpoint_interval", 200}};
  std::string m = ErrorOf(j);
  EXPECT_THAT(m, HasSubstr("/protocol/checkpoint_interval: 200 does not "
                           "divide job.steps = 100"));
  EXPECT_EQ(LineCount(m), 1u) << m;
}

// A trace of more intervals than a commitment can carry (one update norm
// each, in a header of at most 1 MiB) is refused: its solver could never
// commit it, and was slashed for not committing.
TEST(ScenarioTest, IntervalsMustFitATraceCommitment) {
  json most = json::parse(kMinimal);
  most["job"]["steps"] = kMaxTraceIntervals;
  most["protocol"] = {{"checkpoint_interval", 1}};
  EXPECT_EQ(ErrorOf(most), "");
  json more = json::parse(kMinimal);
  more["job"]["steps"] = 2 * kMaxTraceIntervals + 2;
  more["protocol"] = {{"checkpoint_interval", 1}};
  EXPECT_THAT(ErrorOf(more),
              HasSubstr("/protocol/checkpoint_interval: 80002 intervals (steps / "
                        "checkpoint_interval = 80002 / 1) are more than the 40000 a trace "
                        "commitment can carry"));
  EXPECT_THAT(ErrorOf(more), HasSubstr("Raise checkpoint_interval to at least 3"));
}

// A verdict reports every interval its verifier checked, in a header of at
// most 1 MiB: a verifier sampling 2,000 intervals had its verdict refused
// (header_too_large) and the run hung to its timeout with no summary.
TEST(ScenarioTest, SamplesMustFitAVerdict) {
  json most = json::parse(kMinimal);
  most["job"]["steps"] = 1000;
  most["protocol"] = {{"checkpoint_interval", 1}, {"top_q", 100}, {"random_samples", 300}};
  EXPECT_EQ(ErrorOf(most), "");
  json more = most;
  more["protocol"]["random_samples"] = 301;
  EXPECT_THAT(ErrorOf(more),
              HasSubstr("/protocol: top_q + random_samples = 100 + 301 is more than the 400 "
                        "intervals a verifier's verdict can report"));
}

TEST(ScenarioTest, SamplesMustBePositiveAndFitTheIntervals) {
  json none = json::parse(kMinimal);
  none["protocol"] = {{"top_q", 0}, {"random_samples", 0}};
  EXPECT_THAT(ErrorOf(none), HasSubstr("/protocol: top_q + random_samples "
                                       "must be at least 1 (got 0 + 0)"));

  json only_random = json::parse(kMinimal);
  only_random["protocol"] = {{"top_q", 0}, {"random_samples", 2}};
  EXPECT_EQ(ErrorOf(only_random), "");

  // 100 steps / 50 = 2 intervals.
  json top = json::parse(kMinimal);
  top["protocol"] = {{"top_q", 3}};
  EXPECT_THAT(ErrorOf(top), HasSubstr("/protocol/top_q: 3 exceeds the number "
                                      "of intervals (2 = "));
  json random = json::parse(kMinimal);
  random["protocol"] = {{"random_samples", 5}};
  EXPECT_THAT(ErrorOf(random), HasSubstr("/protocol/random_samples: 5 "
                                         "exceeds the number of intervals"));
  json all = json::parse(kMinimal);
  all["protocol"] = {{"top_q", 1}, {"random_samples", 1}};
  EXPECT_EQ(ErrorOf(all), "");
  // Each fits alone, but the arbiter refuses a task whose two together
  // sample more intervals than it has (SamplesFitIntervals).
  json sum = json::parse(kMinimal);
  sum["protocol"] = {{"top_q", 2}, {"random_samples", 1}};
  EXPECT_THAT(ErrorOf(sum), HasSubstr("/protocol: top_q + random_samples = 2 + 1 exceeds the "
                                      "number of intervals (2 = "));
  EXPECT_THAT(ErrorOf(sum), HasSubstr("the arbiter refuses a task that samples more intervals"));
}

TEST(ScenarioTest, ANameThatIsADirectoryOfItsOwnIsRefused) {
  json dot = json::parse(kMinimal);
  dot["name"] = ".";
  EXPECT_THAT(ErrorOf(dot), HasSubstr("/name: \".\" is not a name: results/runs/./ is "
                                      "results/runs/ itself"));
  json dotdot = json::parse(kMinimal);
  dotdot["name"] = "..";
  EXPECT_THAT(ErrorOf(dotdot), HasSubstr("/name: \"..\" is not a name: results/runs/../ is "
                                         "results/, outside results/runs/"));
  for (const char* name : {"...", ".a", "a..b"}) {
    json j = json::parse(kMinimal);
    j["name"] = name;
    EXPECT_EQ(ErrorOf(j), "") << name;
  }
}

TEST(ScenarioTest, AnExpectedRangeWithMinAboveMaxIsRefused) {
  json j = json::parse(kMinimal);
  j["expect"] = {{{"path", "/tasks/0/solver_steps_computed"}, {"min", 10}, {"max", 1}},
                 {{"path", "/tasks/0/solver_steps_computed"}, {"min", 1}, {"max", 1}}};
  EXPECT_EQ(ErrorOf(j), "test.json: /expect/0: min 10 is above max 1: no value is in that "
                        "range, so the expectation could never hold");
}

TEST(ScenarioTest, AnExpectPathErrorIsReportedOnce) {
  json j = json::parse(kMinimal);
  j["expect"] = {{{"path", "/tasks/0/outcom"}, {"equals", "accepted"}}};
  const std::string error = ErrorOf(j);
  EXPECT_THAT(error, HasSubstr("/expect/0/path"));
  EXPECT_EQ(LineCount(error), 1u) << error;
}

TEST(ScenarioTest, ADuplicateKeyIsRefusedWithItsPointer) {
  // nlohmann keeps the last of two equal keys: the run used seed 8.
  const std::string top = R"json({
    "format": "veritrain-scenario/1", "name": "dup", "seed": 7, "seed": 8,
    "job": {"name": "synthetic", "steps": 100},
    "participants": [{"name": "s", "role": "solver"}, {"name": "v", "role": "verifier"}]
  })json";
  auto r = ParseScenario(top, "dup.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(r.status().message(),
            "dup.json: /seed: duplicate key \"seed\": a key may appear once in an object "
            "(otherwise only its last value would count)");
  const std::string nested = R"json({
    "format": "veritrain-scenario/1", "name": "dup",
    "job": {"name": "synthetic", "steps": 100, "params": {"a/b": 1, "x": [1, {"y": 2}], "a/b": 2}},
    "participants": [{"name": "s", "role": "solver"},
                     {"name": "v", "role": "verifier", "name": "w"}]
  })json";
  r = ParseScenario(nested, "dup.json");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("dup.json: /job/params/a~1b: duplicate key \"a/b\""));
  EXPECT_THAT(r.status().message(),
              HasSubstr("dup.json: /participants/1/name: duplicate key \"name\""));
  EXPECT_EQ(LineCount(r.status().message()), 2u);
  // The same key in two objects is no duplicate.
  const std::string apart = R"json({
    "format": "veritrain-scenario/1", "name": "dup",
    "job": {"name": "synthetic", "steps": 100},
    "participants": [{"name": "s", "role": "solver"}, {"name": "v", "role": "verifier"}]
  })json";
  EXPECT_TRUE(ParseScenario(apart, "dup.json").ok());
}

TEST(ScenarioTest, BehaviourMustBeKnownForTheRole) {
  json j = json::parse(kMinimal);
  j["participants"][1]["behaviour"] = "x";
  EXPECT_THAT(ErrorOf(j), HasSubstr("/participants/1/behaviour: unknown "
                                    "verifier behaviour 'x' (known: honest"));
  json solver = json::parse(kMinimal);
  solver["participants"][0]["behaviour"] = "no-such-attack";
  EXPECT_THAT(ErrorOf(solver), HasSubstr("/participants/0/behaviour: unknown "
                                         "solver behaviour 'no-such-attack'"));
  EXPECT_THAT(KnownBehaviours("solver"), ::testing::Contains("honest"));
  EXPECT_THAT(KnownBehaviours("verifier"), ::testing::Contains("honest"));
  EXPECT_TRUE(KnownBehaviours("arbiter").empty());
}

TEST(ScenarioTest, ToleranceModeNeedsADelta) {
  // More tolerance-mode checks in tolerance_scenario_test.cc.
  json j = json::parse(kMinimal);
  j["protocol"] = {{"mode", "tolerance"}};
  EXPECT_THAT(ErrorOf(j), HasSubstr("/protocol/delta: tolerance mode needs a "
                                    "delta for metric \"l2\""));
}

TEST(ScenarioTest, SemanticErrorsAreAllReported) {
  json j = json::parse(kMinimal);
  j["protocol"] = {{"checkpoint_interval", 30}, {"mode", "tolerance"}};
  j["participants"][1]["behaviour"] = "x";
  j["participants"].push_back({{"name", "s"}, {"role", "solver"}});
  std::vector<ScenarioError> errors = CheckScenarioJson(j);
  std::vector<std::string> paths;
  for (const ScenarioError& e : errors) paths.push_back(e.path);
  EXPECT_THAT(paths, ::testing::UnorderedElementsAre(
                         "/protocol/delta", "/protocol/checkpoint_interval",
                         "/participants/1/behaviour", "/participants/2/name",
                         "/participants"));
}

TEST(ScenarioTest, SchemaErrorsComeBeforeSemanticChecks) {
  // Two solvers (semantic) and a bad seed (schema): only the schema error
  // is reported until it is fixed.
  json j = json::parse(kMinimal);
  j["participants"].push_back({{"name", "s2"}, {"role", "solver"}});
  j["seed"] = -1;
  std::string m = ErrorOf(j);
  EXPECT_THAT(m, HasSubstr("/seed"));
  EXPECT_THAT(m, Not(HasSubstr("solver")));
}

// --- The schema file ---------------------------------------------------------

TEST(ScenarioSchemaTest, EmbeddedSchemaMatchesTheSourceFile) {
  std::ifstream in(VERITRAIN_SCHEMA_PATH, std::ios::binary);
  ASSERT_TRUE(in) << VERITRAIN_SCHEMA_PATH;
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(ScenarioSchemaText(), text.str())
      << "re-run cmake to re-embed the schema";
}

// Every property is documented (the schema is the scenario reference).
void ExpectDescribed(const json& node, const std::string& where) {
  if (!node.is_object()) return;
  if (node.contains("properties")) {
    for (const auto& [key, sub] : node["properties"].items()) {
      EXPECT_TRUE(sub.contains("description")) << where << "/" << key;
      ExpectDescribed(sub, where + "/" + key);
    }
  }
  if (node.contains("items")) ExpectDescribed(node["items"], where + "/items");
}

TEST(ScenarioSchemaTest, EveryPropertyHasADescription) {
  json schema = json::parse(ScenarioSchemaText());
  EXPECT_EQ(schema["$schema"], "http://json-schema.org/draft-07/schema#");
  ExpectDescribed(schema, "");
}

}  // namespace
}  // namespace veritrain
