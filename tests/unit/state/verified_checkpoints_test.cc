// Tests for VerifiedCheckpoints: a file is hashed in full on its first read
// only, and again whenever it is replaced.
#include "core/state/verified_checkpoints.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/state/state_hash.h"
#include "tests/support/files.h"
#include "tests/support/tensors.h"

namespace veritrain {
namespace {

using testing_util::MakeTensor;
using testing_util::ReadFile;
using testing_util::ScratchDir;

State SmallState(char fill) {
  return {MakeTensor("w", DType::kFloat32, {4}, std::string(16, fill)),
          MakeTensor("b", DType::kUInt8, {3}, std::string(3, fill))};
}

TEST(VerifiedCheckpointsTest, VerifiesAFileOnItsFirstReadOnly) {
  ScratchDir dir;
  const std::string path = dir.path() + "/c.vtc";
  ASSERT_TRUE(WriteCheckpoint(path, SmallState('a'), nlohmann::json::object()).ok());
  VerifiedCheckpoints files;
  auto first = files.Read(path);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto second = files.Read(path);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(files.full_reads(), 1);
  EXPECT_EQ(second->state_hash, first->state_hash);
  EXPECT_EQ(second->tensor_hashes, first->tensor_hashes);
  EXPECT_EQ(second->state_hash, *StateHash(second->state));
  // Forgotten: verified again.
  files.Forget(path);
  ASSERT_TRUE(files.Read(path).ok());
  EXPECT_EQ(files.full_reads(), 2);
}

TEST(VerifiedCheckpointsTest, AReplacedFileIsVerifiedAgain) {
  ScratchDir dir;
  const std::string path = dir.path() + "/c.vtc";
  ASSERT_TRUE(WriteCheckpoint(path, SmallState('a'), nlohmann::json::object()).ok());
  VerifiedCheckpoints files;
  ASSERT_TRUE(files.Read(path).ok());
  // Rewritten (a new file renamed over it): another state, verified afresh.
  ASSERT_TRUE(WriteCheckpoint(path, SmallState('b'), nlohmann::json::object()).ok());
  auto again = files.Read(path);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(files.full_reads(), 2);
  EXPECT_EQ(again->state_hash, *StateHash(SmallState('b')));
  // Damaged in place (a new size and mtime): the full read catches it.
  std::string bytes = ReadFile(path);
  bytes[bytes.size() / 2] ^= 1;
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes << "x";
  auto damaged = files.Read(path);
  ASSERT_FALSE(damaged.ok());
  EXPECT_EQ(damaged.status().code(), Status::Code::kCorruption)
      << damaged.status().ToString();
  EXPECT_EQ(files.full_reads(), 3);
}

TEST(VerifiedCheckpointsTest, AMissingFileIsNotFound) {
  ScratchDir dir;
  VerifiedCheckpoints files;
  auto r = files.Read(dir.path() + "/none.vtc");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kNotFound);
  EXPECT_NE(r.status().message().find("none.vtc"), std::string::npos);
}

}  // namespace
}  // namespace veritrain
