// Tests for plug-in jobs: the example plug-in loads, registers its job,
// builds a step graph with the node-alone property and trains; loading
// refuses what is not a plug-in or was built for another version.
#include "core/train/plugin.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/train/job.h"
#include "core/train/job_environment.h"
#include "tests/unit/train/replay_util.h"
#include "tests/unit/train/train_test_util.h"

namespace veritrain {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string kPlugin = VERITRAIN_EXAMPLE_PLUGIN;
const std::string kExampleDir =
    std::string(VERITRAIN_SOURCE_DIR) + "/examples/plugin_job/";

nlohmann::json RingsJson() {
  return {{"name", "example-rings"},
          {"batch_size", 32},
          {"data_seed", 3},
          {"optimizer", {{"name", "adam"}, {"lr", 0.02}}},
          {"dataset",
           {{"format", "csv"},
            {"train", kExampleDir + "rings_train.csv"},
            {"test", kExampleDir + "rings_test.csv"}}}};
}

class PluginTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing_util::UseTestProfile();
    Status s = LoadPlugin(kPlugin);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
};

TEST_F(PluginTest, ExamplePluginRegistersItsJobOnce) {
  EXPECT_THAT(KnownJobs(), Contains("example-rings"));
  EXPECT_TRUE(LoadPlugin(kPlugin).ok());  // the same file again: nothing to do
  EXPECT_EQ(LoadedPlugins(),
            std::vector<std::string>{std::filesystem::canonical(kPlugin).string()});
}

TEST_F(PluginTest, ExampleJobHasANodePerOpAndReplaysBitExactly) {
  auto job = testing_util::MakeJobOrDie(RingsJson());
  ASSERT_NE(job, nullptr);
  EXPECT_THAT(testing_util::NodeNames(*job),
              ElementsAre("fc1.forward", "swish.forward", "fc2.forward",
                          "res.forward", "head.forward", "loss.forward",
                          "loss.backward", "head.backward", "res.backward",
                          "fc2.backward", "swish.backward", "fc1.grad_sum",
                          "fc1.backward", "adam.fc1.weight", "adam.fc1.bias",
                          "adam.fc2.weight", "adam.fc2.bias",
                          "adam.head.weight", "adam.head.bias"));
  testing_util::ExpectNodesReplayBitExactly(*job, 0);
  testing_util::ExpectNodesReplayBitExactly(*job, 3);
}

TEST_F(PluginTest, ExampleJobLearnsTheRings) {
  auto job = testing_util::MakeJobOrDie(RingsJson());
  ASSERT_NE(job, nullptr);
  TensorMap state = job->InitialState(1);
  for (int i = 0; i < 300; ++i) {
    auto next = TrainStep(*job, state);
    ASSERT_TRUE(next.ok()) << next.status().ToString();
    state = std::move(next).value();
  }
  auto accuracy = job->TestAccuracy(state);
  ASSERT_TRUE(accuracy.ok());
  EXPECT_GT(*accuracy, 0.9);  // three classes: chance is 1/3
}

TEST(PluginLoadTest, WhatIsNotAPluginIsRefusedByName) {
  auto err = [](const std::string& path) {
    Status s = LoadPlugin(path);
    EXPECT_FALSE(s.ok());
    return s.message();
  };
  EXPECT_THAT(err("/no/such/plugin.so"),
              HasSubstr("plug-in /no/such/plugin.so: cannot load: "));
  const std::string text = ::testing::TempDir() + "/veritrain_not_elf.so";
  {
    std::ofstream out(text);
    out << std::string(4096, '#');
  }
  EXPECT_THAT(err(text), HasSubstr("plug-in " + text + ": cannot load: "));
  EXPECT_THAT(err(text), HasSubstr("invalid ELF header"));
  // A real shared library without the entry point.
  const std::string zlib = "/usr/lib/x86_64-linux-gnu/libz.so.1";
  if (std::filesystem::exists(zlib)) {
    EXPECT_THAT(err(zlib), HasSubstr("not a veritrain plug-in: it has no "
                                     "veritrain_plugin_v3 entry point"));
  }
  EXPECT_THAT(err(VERITRAIN_STALE_PLUGIN),
              HasSubstr("built against veritrain 0.0.0-stale, this is veritrain " +
                        std::string(HostPluginInfo().veritrain_version)));
  // A plug-in built before the last change of a type it implements.
  EXPECT_THAT(err(VERITRAIN_OLD_ABI_PLUGIN),
              HasSubstr("built for plug-in ABI 1 (entry point veritrain_plugin_v1), "
                        "this veritrain loads ABI 3: rebuild it"));
  EXPECT_THAT(KnownJobs(), Not(Contains("")));
}

// The compiler's own ABI version (g++ 12's 1017 against clang++'s 1002)
// does not refuse a plug-in: the std::string ABI does, with how to rebuild.
TEST(PluginLoadTest, OnlyTheStringAbiOfAnotherCompilerRefusesAPlugin) {
  Status loaded = LoadPlugin(VERITRAIN_COMPILER_ABI_PLUGIN);
  EXPECT_TRUE(loaded.ok()) << loaded.ToString();
  EXPECT_THAT(KnownJobs(), Contains("compiler-abi-job"));
  Status refused = LoadPlugin(VERITRAIN_STRING_ABI_PLUGIN);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.message(),
              HasSubstr("built with C++ ABI gxx-abi-1017/cxx11-abi-0, this veritrain has "));
  EXPECT_THAT(refused.message(),
              HasSubstr("libstdc++'s std::string ABI (cxx11-abi) differs; rebuild it with "
                        "-D_GLIBCXX_USE_CXX11_ABI=1"));
  EXPECT_THAT(KnownJobs(), Not(Contains("string-abi-job")));
}

// A scenario's bare plug-in name is satisfied by the library given by
// path beside it (--plugin /x/libmine.so for "plugins": ["mine"]): the
// one library, not a search that fails where --plugin's file is not.
TEST(PluginLoadTest, ABareNameIsTheLibraryGivenByPathBesideIt) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(::testing::TempDir()) / "plugin_by_path";
  fs::create_directories(dir);
  const fs::path copy = dir / fs::path(kPlugin).filename();
  fs::copy_file(kPlugin, copy, fs::copy_options::overwrite_existing);
  auto env = ResolveJobEnvironment({"veritrain_example_job", copy.string()}, "");
  ASSERT_TRUE(env.ok()) << env.status().ToString();
  ASSERT_EQ(env->plugins.size(), 1u);
  EXPECT_EQ(fs::path(env->plugins[0]), fs::absolute(copy).lexically_normal());
  fs::remove_all(dir);
}

TEST(PluginLoadTest, FindPluginByNameOrPath) {
  namespace fs = std::filesystem;
  const std::string dir = fs::path(kPlugin).parent_path().string();
  auto found = FindPlugin("veritrain_example_job", "", {"/nonexistent", dir});
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  EXPECT_EQ(fs::canonical(*found), fs::canonical(kPlugin));
  // A path: relative to the base directory.
  auto by_path = FindPlugin("./" + fs::path(kPlugin).filename().string(), dir, {});
  ASSERT_TRUE(by_path.ok()) << by_path.status().ToString();
  EXPECT_EQ(fs::canonical(*by_path), fs::canonical(kPlugin));
  auto missing = FindPlugin("nope", "", {"/a", "/b"});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Status::Code::kNotFound);
  EXPECT_THAT(missing.status().message(),
              HasSubstr("plug-in 'nope' not found (looked for /a/libnope.so, "
                        "/a/nope.so, /a/nope, /b/libnope.so"));
  EXPECT_THAT(FindPlugin("x/y.so", "/base", {}).status().message(),
              HasSubstr("plug-in x/y.so: no such file (/base/x/y.so)"));
  // A directory is there, but is no library.
  EXPECT_THAT(FindPlugin("/tmp/", "", {}).status().message(),
              HasSubstr("plug-in /tmp/: a directory, not a shared library"));
  EXPECT_THAT(DefaultPluginDirs("/opt/vt/bin"),
              Contains("/opt/vt/bin/../plugins"));
}

}  // namespace
}  // namespace veritrain
