// CURVE key pairs and their files: generate, save, load, round trip; a
// missing or malformed file is an error naming the file (and the field).
#include "core/transport/curve.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/support/files.h"

namespace veritrain {
namespace {

namespace fs = std::filesystem;
using testing_util::ReadFile;
using testing_util::ScratchDir;

TEST(CurveKeyPairTest, GeneratedPairsAreZ85AndDistinct) {
  ASSERT_TRUE(CurveAvailable());
  auto a = CurveKeyPair::Generate();
  auto b = CurveKeyPair::Generate();
  ASSERT_TRUE(a.ok() && b.ok()) << a.status().ToString();
  EXPECT_TRUE(IsCurveKey(a->public_key));
  EXPECT_TRUE(IsCurveKey(a->secret_key));
  EXPECT_NE(a->public_key, a->secret_key);
  EXPECT_NE(a->public_key, b->public_key);
  auto derived = CurveKeyPair::FromSecret(a->secret_key);
  ASSERT_TRUE(derived.ok()) << derived.status().ToString();
  EXPECT_EQ(derived->public_key, a->public_key);
}

TEST(CurveKeyPairTest, NotZ85IsRefused) {
  EXPECT_FALSE(IsCurveKey(""));
  EXPECT_FALSE(IsCurveKey(std::string(39, 'a')));
  EXPECT_FALSE(IsCurveKey(std::string(41, 'a')));
  EXPECT_FALSE(IsCurveKey(std::string(40, '~')));  // not in Z85's alphabet
  EXPECT_TRUE(IsCurveKey(std::string(40, 'a')));
  EXPECT_EQ(CurveKeyPair::FromSecret("short").status().code(),
            Status::Code::kInvalidArgument);
}

TEST(CurveKeyFileTest, SaveLoadSaveGivesTheSameBytesAndIsPrivate) {
  ScratchDir dir;
  auto pair = CurveKeyPair::Generate();
  ASSERT_TRUE(pair.ok());
  const std::string path = dir.path() + "/solver-1.curve";
  ASSERT_TRUE(SaveCurveKeyFile(path, *pair).ok());
  EXPECT_EQ(fs::status(path).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  auto back = LoadCurveKeyFile(path);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->public_key, pair->public_key);
  EXPECT_EQ(back->secret_key, pair->secret_key);
  const std::string again = dir.path() + "/again.curve";
  ASSERT_TRUE(SaveCurveKeyFile(again, *back).ok());
  EXPECT_EQ(ReadFile(again), ReadFile(path));
}

TEST(CurveKeyFileTest, MissingFileIsNotFoundNamingIt) {
  ScratchDir dir;
  const std::string path = dir.path() + "/nobody.curve";
  auto r = LoadCurveKeyFile(path);
  ASSERT_EQ(r.status().code(), Status::Code::kNotFound);
  EXPECT_NE(r.status().message().find(path), std::string::npos);
}

TEST(CurveKeyFileTest, MalformedFilesAreCorruptionNamingFileAndField) {
  ScratchDir dir;
  auto pair = CurveKeyPair::Generate();
  auto other = CurveKeyPair::Generate();
  ASSERT_TRUE(pair.ok() && other.ok());
  const std::string pub = pair->public_key, sec = pair->secret_key;
  struct Case {
    std::string text, names;
  };
  const std::vector<Case> cases = {
      {"not json", "not valid JSON"},
      {"[1, 2]", "JSON object"},
      {R"({"public_key": ")" + pub + "\"}", "secret_key"},
      {R"({"public_key": 7, "secret_key": ")" + sec + "\"}", "public_key"},
      {R"({"public_key": ")" + pub + R"(", "secret_key": "short"})", "secret_key"},
      {R"({"public_key": ")" + pub + R"(", "secret_key": ")" + std::string(40, '~') + "\"}",
       "secret_key"},
      {R"({"public_key": ")" + other->public_key + R"(", "secret_key": ")" + sec + "\"}",
       "public_key is not the public key of secret_key"},
      {std::string(5000, ' '), "larger than"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::string path = dir.path() + "/bad" + std::to_string(i) + ".curve";
    std::ofstream(path) << cases[i].text;
    auto r = LoadCurveKeyFile(path);
    ASSERT_EQ(r.status().code(), Status::Code::kCorruption) << i << ": " << cases[i].text;
    EXPECT_NE(r.status().message().find(path), std::string::npos) << r.status().message();
    EXPECT_NE(r.status().message().find(cases[i].names), std::string::npos)
        << r.status().message();
  }
}

TEST(CurveSocketTest, ServerAndClientOptionsAreSet) {
  zmq::context_t ctx(1);
  auto server_keys = CurveKeyPair::Generate();
  auto client_keys = CurveKeyPair::Generate();
  ASSERT_TRUE(server_keys.ok() && client_keys.ok());
  zmq::socket_t server(ctx, zmq::socket_type::router);
  ASSERT_TRUE(MakeCurveServer(server, *server_keys).ok());
  EXPECT_EQ(server.get(zmq::sockopt::curve_server), 1);
  EXPECT_EQ(server.get(zmq::sockopt::zap_domain), kCurveZapDomain);
  zmq::socket_t client(ctx, zmq::socket_type::dealer);
  EXPECT_FALSE(MakeCurveClient(client, *client_keys, "not a key").ok());
  ASSERT_TRUE(MakeCurveClient(client, *client_keys, server_keys->public_key).ok());
  EXPECT_EQ(client.get(zmq::sockopt::curve_serverkey), server_keys->public_key);
}

}  // namespace
}  // namespace veritrain
