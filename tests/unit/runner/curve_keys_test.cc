// A run's CURVE keys (scenarios/runner/curve_keys.h): none when CURVE is
// off, a fresh pair per participant, or the pairs of a keys directory
// resolved against the scenario's directory; a missing directory or file
// and a key shared by two participants are errors naming them.
#include "scenarios/runner/curve_keys.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "tests/support/files.h"

namespace veritrain {
namespace {

using testing_util::ScratchDir;
const std::vector<std::string> kNames = {"arbiter", "submitter", "solver-1", "verifier-1"};

// `path` as CurveKeysDir writes it (the test temp dir may end in '/').
std::string Normal(const std::string& path) {
  return std::filesystem::path(path).lexically_normal().string();
}

Scenario WithCurve(const std::string& keys, const std::string& source_dir = "") {
  Scenario sc;
  sc.network.curve.enabled = true;
  sc.network.curve.keys = keys;
  sc.source_dir = source_dir;
  return sc;
}

TEST(RunCurveKeysTest, NoneWhenCurveIsOff) {
  auto keys = RunCurveKeys(Scenario{}, kNames);
  ASSERT_TRUE(keys.ok());
  EXPECT_TRUE(keys->empty());
}

TEST(RunCurveKeysTest, GeneratesADistinctPairPerParticipant) {
  auto keys = RunCurveKeys(WithCurve("generate"), kNames);
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  ASSERT_EQ(keys->size(), kNames.size());
  std::set<std::string> distinct;
  for (const auto& [name, pair] : *keys) distinct.insert(pair.public_key);
  EXPECT_EQ(distinct.size(), kNames.size());
  EXPECT_EQ(CurveKeysDir(WithCurve("generate")), "");
}

TEST(RunCurveKeysTest, LoadsARelativeDirectoryFromTheScenariosDirectory) {
  ScratchDir dir;
  std::filesystem::create_directories(dir.path() + "/keys");
  std::map<std::string, std::string> want;
  for (const auto& n : kNames) {
    auto pair = CurveKeyPair::Generate();
    ASSERT_TRUE(pair.ok());
    ASSERT_TRUE(SaveCurveKeyFile(dir.path() + "/keys/" + n + ".curve", *pair).ok());
    want[n] = pair->public_key;
  }
  const Scenario sc = WithCurve("keys", dir.path());
  EXPECT_EQ(CurveKeysDir(sc), Normal(dir.path() + "/keys"));
  auto keys = RunCurveKeys(sc, kNames);
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  for (const auto& n : kNames) EXPECT_EQ(keys->at(n).public_key, want.at(n)) << n;

  // The same file for two participants: the ZAP handler could not tell
  // them apart.
  std::filesystem::copy_file(dir.path() + "/keys/arbiter.curve",
                             dir.path() + "/keys/verifier-1.curve",
                             std::filesystem::copy_options::overwrite_existing);
  auto shared = RunCurveKeys(sc, kNames);
  ASSERT_EQ(shared.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(shared.status().message().find("'arbiter' and 'verifier-1'"), std::string::npos)
      << shared.status().message();

  std::filesystem::remove(dir.path() + "/keys/solver-1.curve");
  auto missing = RunCurveKeys(sc, kNames);
  ASSERT_EQ(missing.status().code(), Status::Code::kNotFound);
  EXPECT_NE(missing.status().message().find(Normal(dir.path() + "/keys/solver-1.curve")),
            std::string::npos)
      << missing.status().message();
}

TEST(RunCurveKeysTest, AMissingDirectoryIsNamed) {
  ScratchDir dir;
  auto keys = RunCurveKeys(WithCurve(dir.path() + "/nowhere"), kNames);
  ASSERT_EQ(keys.status().code(), Status::Code::kNotFound);
  EXPECT_NE(keys.status().message().find(Normal(dir.path() + "/nowhere")), std::string::npos)
      << keys.status().message();
}

}  // namespace
}  // namespace veritrain
