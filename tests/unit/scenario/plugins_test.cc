// Tests for the scenario fields that bring a team's own job: "plugins", the
// job name check that allows plug-in jobs, the --plugin paths added to a
// file, and the file's directory that relative paths are relative to.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "scenarios/spec/scenario.h"

namespace veritrain {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

json Minimal(const std::string& job) {
  return {{"format", "veritrain-scenario/1"},
          {"name", "byo"},
          {"job", {{"name", job}, {"steps", 10}}},
          {"protocol", {{"checkpoint_interval", 5}}},
          {"participants",
           {{{"name", "s"}, {"role", "solver"}}, {{"name", "v"}, {"role", "verifier"}}}}};
}

TEST(ScenarioPluginsTest, BuiltinJobsNeedNoPlugins) {
  for (const std::string& job : KnownBuiltinJobs()) {
    auto sc = ParseScenario(Minimal(job).dump(), "x.json");
    ASSERT_TRUE(sc.ok()) << job << ": " << sc.status().ToString();
    EXPECT_TRUE(sc->plugins.empty());
    EXPECT_EQ(sc->source_dir, "");
  }
  EXPECT_THAT(KnownBuiltinJobs(), ::testing::Contains("torchscript"));
  EXPECT_THAT(KnownBuiltinJobs(), ::testing::Contains("transformer"));
}

TEST(ScenarioPluginsTest, OtherJobNamesNeedAPlugin) {
  auto sc = ParseScenario(Minimal("my-job").dump(), "x.json");
  ASSERT_FALSE(sc.ok());
  EXPECT_THAT(sc.status().message(),
              HasSubstr("x.json: /job/name: \"my-job\" is not one of: \"mlp\""));
  EXPECT_THAT(sc.status().message(), HasSubstr("needs \"plugins\" or --plugin PATH"));
  json j = Minimal("my-job");
  j["plugins"] = {"libmine.so", "other"};
  sc = ParseScenario(j.dump(), "x.json");
  ASSERT_TRUE(sc.ok()) << sc.status().ToString();
  EXPECT_THAT(sc->plugins, ElementsAre("libmine.so", "other"));
  j["plugins"] = {""};
  EXPECT_FALSE(ParseScenario(j.dump(), "x.json").ok());
  j = Minimal("bad name!");
  EXPECT_THAT(ParseScenario(j.dump(), "x.json").status().message(),
              HasSubstr("/job/name"));
}

TEST(ScenarioPluginsTest, LoadAddsCommandLinePluginsAndRecordsTheDirectory) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(::testing::TempDir()) / "veritrain_plugins_test";
  fs::create_directories(dir);
  const std::string path = (dir / "s.json").string();
  {
    std::ofstream out(path);
    out << Minimal("my-job").dump(2);
  }
  auto sc = LoadScenario(path);
  ASSERT_FALSE(sc.ok());  // no plug-in
  sc = LoadScenario(path, {"/abs/libmine.so"});
  ASSERT_TRUE(sc.ok()) << sc.status().ToString();
  EXPECT_THAT(sc->plugins, ElementsAre("/abs/libmine.so"));
  EXPECT_EQ(fs::path(sc->source_dir), fs::absolute(dir).lexically_normal());
  // The scenario as run records the plug-in too.
  EXPECT_EQ(sc->resolved["plugins"], json({"/abs/libmine.so"}));
}

}  // namespace
}  // namespace veritrain
