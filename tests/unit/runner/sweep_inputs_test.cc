// A sweep's inputs: the build and the files its job reads, hashed; what
// changed between two records, in words; sweep.json's "inputs" field
// (required fields, round trip, and sweep.json files without it).
#include "scenarios/sweep/sweep_inputs.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/util/build_info.h"
#include "tests/support/files.h"

namespace veritrain {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using json = nlohmann::json;
using testing_util::ScratchDir;
using testing_util::WriteFile;

// SHA-256("abc").
constexpr const char* kAbc =
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

// A torchscript scenario whose files are in `dir`, with `sweep` when given.
Scenario ScriptScenario(const std::string& dir, const json& sweep = nullptr) {
  json doc = json::parse(R"({
    "format": "veritrain-scenario/1",
    "name": "inputs-test",
    "seed": 7,
    "job": {"name": "torchscript", "steps": 40, "batch_size": 8,
            "params": {"model": "m.pt",
                       "dataset": {"format": "csv", "train": "data.csv"}}},
    "protocol": {"checkpoint_interval": 10, "top_q": 1, "random_samples": 1},
    "participants": [
      {"name": "solver-1", "role": "solver"},
      {"name": "verifier-1", "role": "verifier"}
    ]
  })");
  if (!sweep.is_null()) doc["sweep"] = sweep;
  auto sc = ParseScenario(doc.dump(), "test");
  EXPECT_TRUE(sc.ok()) << sc.status().ToString();
  sc->source_dir = dir;
  return *sc;
}

SweepInputs InputsOf(const Scenario& sc) {
  auto spec = SweepSpecOf(sc);
  EXPECT_TRUE(spec.ok()) << spec.status().ToString();
  return SweepInputsOf(sc, *spec);
}

// `dir` as the inputs name it: normalised ("/tmp//x" is "/tmp/x").
std::string Normal(const std::string& dir) {
  return std::filesystem::path(dir).lexically_normal().string();
}

std::vector<std::string> Paths(const SweepInputs& in) {
  std::vector<std::string> out;
  for (const auto& f : in.files) out.push_back(f.path);
  return out;
}

TEST(SweepInputsTest, RecordsTheBuildAndHashesEveryFileTheJobReads) {
  ScratchDir dir;
  WriteFile(dir.path() + "/m.pt", "abc");
  WriteFile(dir.path() + "/data.csv", "1,0\n");
  const SweepInputs in = InputsOf(ScriptScenario(dir.path()));
  EXPECT_EQ(in.version, VeritrainVersion());
  EXPECT_EQ(in.commit, VeritrainCommit());
  ASSERT_THAT(Paths(in), ElementsAre(Normal(dir.path()) + "/m.pt",
                                     Normal(dir.path()) + "/data.csv"));
  ASSERT_TRUE(in.files[0].sha256.has_value());
  EXPECT_EQ(in.files[0].sha256->Hex(), kAbc);
  EXPECT_EQ(in.files[0].what, "model file");
  EXPECT_EQ(in.files[0].field, "job.model");
  EXPECT_EQ(in.files[1].field, "job.dataset.train");
}

TEST(SweepInputsTest, AChangedFileIsNamedWithBothHashes) {
  ScratchDir dir;
  WriteFile(dir.path() + "/m.pt", "abc");
  WriteFile(dir.path() + "/data.csv", "1,0\n");
  const Scenario sc = ScriptScenario(dir.path());
  const SweepInputs before = InputsOf(sc);
  EXPECT_FALSE(CompareSweepInputs(before, InputsOf(sc)).has_value());

  WriteFile(dir.path() + "/m.pt", "abd");
  const SweepInputs after = InputsOf(sc);
  auto change = CompareSweepInputs(before, after);
  ASSERT_TRUE(change.has_value());
  EXPECT_EQ(change->thing,
            "the model file " + Normal(dir.path()) + "/m.pt (job.model)");
  EXPECT_EQ(change->before, "sha256 ba7816bf8f01…");
  EXPECT_EQ(change->after,
            "sha256 " + after.files[0].sha256->Hex().substr(0, 12) + "…");

  // A file gone is unreadable, not skipped.
  std::filesystem::remove(dir.path() + "/data.csv");
  change = CompareSweepInputs(after, InputsOf(sc));
  ASSERT_TRUE(change.has_value());
  EXPECT_THAT(change->thing,
              HasSubstr("the dataset file " + Normal(dir.path()) +
                        "/data.csv (job.dataset.train)"));
  EXPECT_EQ(change->after, "unreadable");
}

TEST(SweepInputsTest, ABuildChangeIsNamedWithBothVersions) {
  SweepInputs before;
  before.version = "0.9.0";
  before.commit = "aaaaaaaaaaaa";
  SweepInputs after = before;
  after.commit = "bbbbbbbbbbbb-dirty";
  auto change = CompareSweepInputs(before, after);
  ASSERT_TRUE(change.has_value());
  EXPECT_EQ(change->thing, "the veritrain build");
  EXPECT_EQ(change->before, "0.9.0 (commit aaaaaaaaaaaa)");
  EXPECT_EQ(change->after, "0.9.0 (commit bbbbbbbbbbbb-dirty)");
}

// Two builds of changed sources share a "-dirty" commit: the executable's
// hash tells them apart, and is recorded for a dirty commit only.
TEST(SweepInputsTest, DirtyBuildsAreToldApartByTheirExecutable) {
  SweepInputs before;
  before.version = "0.9.0";
  before.commit = "aaaaaaaaaaaa-dirty";
  before.executable = Sha256Of("one build");
  SweepInputs after = before;
  EXPECT_FALSE(CompareSweepInputs(before, after).has_value());
  after.executable = Sha256Of("another build");
  auto change = CompareSweepInputs(before, after);
  ASSERT_TRUE(change.has_value());
  EXPECT_EQ(change->thing, "the veritrain build");
  EXPECT_EQ(change->before, "0.9.0 (commit aaaaaaaaaaaa-dirty, executable sha256 " +
                                before.executable->Hex().substr(0, 12) + "…)");
  // A record without one (written before it was recorded) cannot tell.
  after.executable.reset();
  EXPECT_FALSE(CompareSweepInputs(before, after).has_value());
  // Round trip, and a malformed hash is named.
  auto back = SweepInputs::FromJson(before.ToJson());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->executable, before.executable);
  json bad = before.ToJson();
  bad["build"]["executable"] = "xyz";
  EXPECT_THAT(SweepInputs::FromJson(bad).status().message(),
              HasSubstr("inputs.build.executable: not 64 hex digits"));
  // This build records its executable exactly when its commit is dirty.
  ScratchDir dir;
  WriteFile(dir.path() + "/m.pt", "abc");
  const SweepInputs here = InputsOf(ScriptScenario(dir.path()));
  const bool dirty = here.commit.size() > 6 &&
                     here.commit.compare(here.commit.size() - 6, 6, "-dirty") == 0;
  EXPECT_EQ(here.executable.has_value(), dirty) << here.commit;
  EXPECT_EQ(here.ToJson()["build"].contains("executable"), dirty);
}

TEST(SweepInputsTest, FilesOnlyOneRecordReadsAreDifferences) {
  SweepInputs a;
  a.files.push_back({"model file", "job.model", "/x/a.pt", std::nullopt});
  SweepInputs b;
  auto change = CompareSweepInputs(a, b);
  ASSERT_TRUE(change.has_value());
  EXPECT_EQ(change->after, "not read");
  change = CompareSweepInputs(b, a);
  ASSERT_TRUE(change.has_value());
  EXPECT_EQ(change->thing, "the model file /x/a.pt (job.model)");
  EXPECT_EQ(change->before, "not read");
}

TEST(SweepInputsTest, EveryPointsFilesWhenTheSweepChangesTheJob) {
  ScratchDir dir;
  WriteFile(dir.path() + "/m.pt", "abc");
  WriteFile(dir.path() + "/n.pt", "abd");
  WriteFile(dir.path() + "/data.csv", "1,0\n");
  const json sweep = {
      {"parameters",
       {{{"path", "job.params.model"}, {"values", {"m.pt", "n.pt"}}}}},
      {"repetitions", 3}};
  EXPECT_THAT(Paths(InputsOf(ScriptScenario(dir.path(), sweep))),
              ElementsAre(Normal(dir.path()) + "/m.pt",
                          Normal(dir.path()) + "/data.csv",
                          Normal(dir.path()) + "/n.pt"));
}

TEST(SweepInputsTest, JsonRoundTripsAndEveryFieldIsRequired) {
  ScratchDir dir;
  WriteFile(dir.path() + "/m.pt", "abc");  // data.csv is missing: null
  const SweepInputs in = InputsOf(ScriptScenario(dir.path()));
  const json j = in.ToJson();
  EXPECT_TRUE(j["files"][1]["sha256"].is_null()) << j.dump();
  auto back = SweepInputs::FromJson(j);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->ToJson(), j);
  EXPECT_FALSE(CompareSweepInputs(in, *back).has_value());

  json bad = j;
  bad["files"][0].erase("sha256");
  EXPECT_THAT(SweepInputs::FromJson(bad).status().message(),
              HasSubstr("inputs.files[0].sha256 is missing"));
  bad = j;
  bad["files"][0]["sha256"] = "abc";
  EXPECT_THAT(SweepInputs::FromJson(bad).status().message(),
              HasSubstr("inputs.files[0].sha256: not 64 hex digits"));
  bad = j;
  bad["build"].erase("commit");
  EXPECT_THAT(SweepInputs::FromJson(bad).status().message(),
              HasSubstr("inputs.build.commit"));
  bad = j;
  bad.erase("files");
  EXPECT_THAT(SweepInputs::FromJson(bad).status().message(),
              HasSubstr("inputs.files"));
}

// With --bin-dir the roles are not the runner's build: their executables
// are hashed, recorded, read back, and a change of their contents (or
// running them, then not) is a difference, whatever directory holds them.
TEST(SweepInputsTest, TheRoleExecutablesOfBinDirAreRecordedAndCompared) {
  ScratchDir dir;
  WriteFile(dir.path() + "/m.pt", "abc");
  WriteFile(dir.path() + "/data.csv", "1,0\n");
  const Scenario sc = ScriptScenario(dir.path());
  auto spec = SweepSpecOf(sc);
  ASSERT_TRUE(spec.ok());
  const std::string bin = dir.path() + "/bin", copy = dir.path() + "/copy";
  std::filesystem::create_directories(bin);
  std::filesystem::create_directories(copy);
  for (const char* exe : {"veritrain-arbiter", "veritrain-solver", "veritrain-verifier"}) {
    WriteFile(bin + "/" + exe, "abc");
    WriteFile(copy + "/" + exe, "abc");
  }
  const SweepInputs own = SweepInputsOf(sc, *spec);
  EXPECT_TRUE(own.roles.empty());
  EXPECT_FALSE(own.ToJson()["build"].contains("roles"));  // as before roles were recorded
  const SweepInputs roles = SweepInputsOf(sc, *spec, bin);
  ASSERT_EQ(roles.roles.size(), 3u);
  EXPECT_EQ(roles.roles[1].path, Normal(bin) + "/veritrain-solver");
  EXPECT_EQ(roles.roles[1].what, "role executable");
  EXPECT_EQ(roles.roles[1].field, "--bin-dir");
  ASSERT_TRUE(roles.roles[1].sha256.has_value());
  EXPECT_EQ(roles.roles[1].sha256->Hex(), kAbc);
  // Round trip.
  const json j = roles.ToJson();
  ASSERT_TRUE(j["build"]["roles"].is_array()) << j.dump();
  auto back = SweepInputs::FromJson(j);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->ToJson(), j);
  json bad = j;
  bad["build"]["roles"][2].erase("sha256");
  EXPECT_THAT(SweepInputs::FromJson(bad).status().message(),
              HasSubstr("inputs.build.roles[2].sha256 is missing"));
  // The same executables elsewhere run the same roles.
  EXPECT_FALSE(CompareSweepInputs(roles, SweepInputsOf(sc, *spec, copy)).has_value());
  // Own roles, then --bin-dir's: refused, naming both.
  auto change = CompareSweepInputs(own, roles);
  ASSERT_TRUE(change.has_value());
  EXPECT_EQ(change->thing, "the role executables (--bin-dir)");
  EXPECT_EQ(change->before, "this veritrain's own roles (no --bin-dir)");
  EXPECT_THAT(change->after, HasSubstr("veritrain-arbiter sha256 ba7816bf8f01…"));
  EXPECT_THAT(change->after, HasSubstr("(in " + Normal(bin) + ")"));
  // Another build of one role.
  WriteFile(copy + "/veritrain-verifier", "abd");
  change = CompareSweepInputs(roles, SweepInputsOf(sc, *spec, copy));
  ASSERT_TRUE(change.has_value());
  EXPECT_EQ(change->thing, "the role executables (--bin-dir)");
  EXPECT_THAT(change->after, HasSubstr("veritrain-verifier sha256 "));
  EXPECT_NE(change->before, change->after);
}

TEST(SweepInputsTest, ASweepJsonWithoutInputsIsNotTakenAsMatching) {
  auto r =
      RecordedSweepInputs({{"format", "veritrain-sweep/1"}}, "/s/sweep.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(r.status().message(),
              HasSubstr("/s/sweep.json records no inputs"));
  r = RecordedSweepInputs({{"inputs", {{"build", 1}}}}, "/s/sweep.json");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("/s/sweep.json"));
}

}  // namespace
}  // namespace veritrain

namespace veritrain {
namespace {

// A file that changed during the sweep: a run's manifest records what it
// read, and the first file whose hash is not the one the sweep began with
// is named with both hashes.
TEST(SweepInputsTest, ARunThatReadAChangedFileIsToldApart) {
  testing_util::ScratchDir dir;
  testing_util::WriteFile(dir.path() + "/m.pt", "abc");
  testing_util::WriteFile(dir.path() + "/data.csv", "1,0\n");
  const Scenario sc = ScriptScenario(dir.path());
  auto spec = SweepSpecOf(sc);
  ASSERT_TRUE(spec.ok());
  const SweepInputs began = SweepInputsOf(sc, *spec);
  nlohmann::json manifest = {{"inputs", nlohmann::json::array()}};
  for (const InputFile& f : ScenarioInputFiles(sc)) manifest["inputs"].push_back(InputFileJson(f));
  EXPECT_FALSE(RunInputChange(began, manifest).has_value());
  EXPECT_FALSE(RunInputChange(began, nlohmann::json::object()).has_value());  // an older run

  testing_util::WriteFile(dir.path() + "/data.csv", "2,1\n");
  manifest["inputs"] = nlohmann::json::array();
  for (const InputFile& f : ScenarioInputFiles(sc)) manifest["inputs"].push_back(InputFileJson(f));
  auto change = RunInputChange(began, manifest);
  ASSERT_TRUE(change.has_value());
  EXPECT_THAT(change->thing, HasSubstr("data.csv (job.dataset.train)"));
  EXPECT_EQ(change->before, "sha256 " + began.files[1].sha256->Hex().substr(0, 12) + "…");
  EXPECT_NE(change->after, change->before);

  manifest["inputs"][0] = "not an entry";
  ASSERT_TRUE(RunInputChange(began, manifest).has_value());
}

}  // namespace
}  // namespace veritrain
