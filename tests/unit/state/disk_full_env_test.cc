// DiskFullEnv and the writers on top of it: a crash-safe write that runs out
// of space fails naming the cause and the file, leaves the old file and no
// temporary file; the budget is shared and spent exactly; the POSIX Env
// reports OS errors with their text.
#include "core/state/disk_full_env.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "core/state/atomic_file.h"
#include "core/state/checkpoint_file.h"
#include "tests/support/files.h"

namespace veritrain {
namespace {

using testing_util::Contains;
using testing_util::ReadFile;
using testing_util::ScratchDir;

TEST(DiskFullEnvTest, AWriteThatDoesNotFitFailsNamingTheCauseAndKeepsTheOldFile) {
  ScratchDir dir;
  const std::string path = dir.path() + "/f.bin";
  ASSERT_TRUE(WriteFileAtomically(path, {"old contents"}).ok());
  DiskFullEnv disk(Env::Default(), 100);
  Status s = WriteFileAtomically(path, {std::string(60, 'a'), std::string(60, 'b')}, 0666, &disk);
  ASSERT_EQ(s.code(), Status::Code::kIOError);
  EXPECT_TRUE(Contains(s.message(), "No space left on device")) << s.message();
  EXPECT_TRUE(Contains(s.message(), path)) << s.message();
  EXPECT_EQ(ReadFile(path), "old contents");
  EXPECT_EQ(dir.Entries(), std::vector<std::string>{"f.bin"});  // no temp file left
  // Its space was reserved up front, all or nothing (as fallocate does),
  // so the failed write took none of it: what fits still fits.
  EXPECT_EQ(disk.free_bytes(), 100);
  EXPECT_TRUE(WriteFileAtomically(dir.path() + "/g", {std::string(100, 'x')}, 0666, &disk).ok());
  // Full stays full: even a byte fails; an empty file still fits.
  EXPECT_FALSE(WriteFileAtomically(dir.path() + "/h", {"x"}, 0666, &disk).ok());
  EXPECT_TRUE(WriteFileAtomically(dir.path() + "/i", {""}, 0666, &disk).ok());
}

// A file written without a reservation (WritableFile::Append alone) writes
// what still fits and then fails, as a full disk does.
TEST(DiskFullEnvTest, AnAppendPastTheBudgetWritesWhatFits) {
  ScratchDir dir;
  DiskFullEnv disk(Env::Default(), 5);
  auto file = disk.NewWritableFile(dir.path() + "/f", 0600);
  ASSERT_TRUE(file.ok());
  Status s = (*file)->Append("1234567");
  EXPECT_EQ(s.code(), Status::Code::kIOError);
  EXPECT_TRUE(Contains(s.message(), "No space left on device")) << s.message();
  ASSERT_TRUE((*file)->Close().ok());
  EXPECT_EQ(ReadFile(dir.path() + "/f"), "12345");
  EXPECT_EQ(disk.free_bytes(), 0);
}

// Reserved bytes are the file's: writing them takes nothing more, and a
// failed reservation takes nothing.
TEST(DiskFullEnvTest, AReservationIsAllOrNothingAndItsBytesAreTheFiles) {
  ScratchDir dir;
  DiskFullEnv disk(Env::Default(), 10);
  auto file = disk.NewWritableFile(dir.path() + "/f", 0600);
  ASSERT_TRUE(file.ok());
  Status too_much = (*file)->Reserve(11);
  EXPECT_TRUE(Contains(too_much.message(), "No space left on device")) << too_much.ToString();
  EXPECT_EQ(disk.free_bytes(), 10);
  ASSERT_TRUE((*file)->Reserve(8).ok());
  EXPECT_EQ(disk.free_bytes(), 2);
  ASSERT_TRUE((*file)->Append("12345678").ok());
  EXPECT_EQ(disk.free_bytes(), 2);
  ASSERT_TRUE((*file)->Append("9").ok());  // past the reservation: from the budget
  EXPECT_EQ(disk.free_bytes(), 1);
  ASSERT_TRUE((*file)->Close().ok());
}

TEST(DiskFullEnvTest, WritesThatFitSpendTheBudgetExactly) {
  ScratchDir dir;
  DiskFullEnv disk(Env::Default(), 10);
  ASSERT_TRUE(WriteFileAtomically(dir.path() + "/a", {"12345"}, 0666, &disk).ok());
  EXPECT_EQ(disk.free_bytes(), 5);
  ASSERT_TRUE(WriteFileAtomically(dir.path() + "/b", {"123", "45"}, 0666, &disk).ok());
  EXPECT_EQ(disk.free_bytes(), 0);
  EXPECT_EQ(ReadFile(dir.path() + "/b"), "12345");
  EXPECT_FALSE(WriteFileAtomically(dir.path() + "/c", {"1"}, 0666, &disk).ok());
}

TEST(DiskFullEnvTest, ThreadsShareOneBudget) {
  ScratchDir dir;
  DiskFullEnv disk(Env::Default(), 40 * 100);
  std::vector<std::thread> threads;
  std::vector<int> written(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        const std::string path = dir.path() + "/t" + std::to_string(t) + "_" + std::to_string(i);
        if (WriteFileAtomically(path, {std::string(100, 'x')}, 0666, &disk).ok()) ++written[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(written[0] + written[1] + written[2] + written[3], 40);
  EXPECT_EQ(disk.free_bytes(), 0);
}

TEST(DiskFullEnvTest, ACheckpointOnAFullDiskIsAnIOErrorNamingTheCause) {
  ScratchDir dir;
  DiskFullEnv disk(Env::Default(), 64);
  State state = {TensorData{"param/w", DType::kFloat32, {64},
                            Bytes::FromString(std::string(256, '\1'))}};
  const std::string path = dir.path() + "/ckpt-000001.vtc";
  Status s = WriteCheckpoint(path, state, {{"step", 1}}, &disk);
  ASSERT_EQ(s.code(), Status::Code::kIOError);
  EXPECT_TRUE(Contains(s.message(), "write checkpoint " + path)) << s.message();
  EXPECT_TRUE(Contains(s.message(), "No space left on device")) << s.message();
  EXPECT_TRUE(dir.Entries().empty());
}

TEST(PosixEnvTest, ErrorsCarryTheOsErrorText) {
  ScratchDir dir;
  Env* env = Env::Default();
  auto missing = env->NewWritableFile(dir.path() + "/no/such/dir/f", 0666);
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(Contains(missing.status().message(), "No such file or directory"))
      << missing.status().message();
  auto made = env->NewWritableFile(dir.path() + "/f", 0666);
  ASSERT_TRUE(made.ok());
  // O_EXCL: an existing file is never written over in place.
  EXPECT_FALSE(env->NewWritableFile(dir.path() + "/f", 0666).ok());
  ASSERT_TRUE((*made)->Append("abc").ok());
  ASSERT_TRUE((*made)->Sync().ok());
  ASSERT_TRUE((*made)->Close().ok());
  EXPECT_EQ(ReadFile(dir.path() + "/f"), "abc");
  EXPECT_FALSE(env->RemoveFile(dir.path() + "/nothing").ok());
}

}  // namespace
}  // namespace veritrain
