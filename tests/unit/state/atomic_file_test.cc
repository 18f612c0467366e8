// Tests for crash-safe whole-file writes and mmap'ed whole-file reads.
#include "core/state/atomic_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/state/disk_full_env.h"
#include "tests/support/files.h"

namespace veritrain {
namespace {

using testing_util::ReadFile;
using testing_util::ScratchDir;

namespace fs = std::filesystem;

TEST(AtomicFileTest, WritesTheConcatenationOfPieces) {
  ScratchDir dir;
  const std::string path = dir.path() + "/f.bin";
  std::string big(100000, 'x');
  big[5] = '\0';
  ASSERT_TRUE(WriteFileAtomically(path, {"head", "", big, "tail"}).ok());
  EXPECT_EQ(ReadFile(path), "head" + big + "tail");
  EXPECT_EQ(dir.Entries(), std::vector<std::string>{"f.bin"});
}

TEST(AtomicFileTest, ReplacesAnExistingFileWhole) {
  ScratchDir dir;
  const std::string path = dir.path() + "/f.bin";
  ASSERT_TRUE(WriteFileAtomically(path, {std::string(5000, 'a')}).ok());
  ASSERT_TRUE(WriteFileAtomically(path, {"short"}).ok());
  EXPECT_EQ(ReadFile(path), "short");
  EXPECT_EQ(dir.Entries(), std::vector<std::string>{"f.bin"});
}

// Env::Volatile skips the fsyncs but not the atomic replacement: the same
// bytes, the same single file, whatever was there before.
TEST(AtomicFileTest, TheVolatileEnvWritesAndReplacesLikeTheDurableOne) {
  ScratchDir dir;
  ASSERT_NE(Env::Volatile(), Env::Default());
  EXPECT_EQ(Env::Volatile(), Env::Volatile());
  const std::string path = dir.path() + "/f.bin";
  std::string big(100000, 'y');
  ASSERT_TRUE(WriteFileAtomically(path, {"head", big}, 0666, Env::Volatile()).ok());
  EXPECT_EQ(ReadFile(path), "head" + big);
  ASSERT_TRUE(WriteFileAtomically(path, {"short"}, 0666, Env::Volatile()).ok());
  EXPECT_EQ(ReadFile(path), "short");
  EXPECT_EQ(dir.Entries(), std::vector<std::string>{"f.bin"});
  // A write into a missing folder still fails, naming the path.
  Status missing = WriteFileAtomically(dir.path() + "/no/f.bin", {"x"}, 0666, Env::Volatile());
  EXPECT_EQ(missing.code(), Status::Code::kIOError);
  EXPECT_NE(missing.message().find("/no/f.bin"), std::string::npos) << missing.ToString();
}

TEST(AtomicFileTest, ASecretIsCreatedReadableByItsOwnerOnly) {
  ScratchDir dir;
  const std::string path = dir.path() + "/secret";
  ASSERT_TRUE(WriteFileAtomically(path, {"key"}, 0600).ok());
  EXPECT_EQ(fs::status(path).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
}

TEST(AtomicFileTest, OldReadersKeepTheOldContents) {
  // A mapping of the old file survives a replacement: rename never touches
  // the old inode.
  ScratchDir dir;
  const std::string path = dir.path() + "/f.bin";
  ASSERT_TRUE(WriteFileAtomically(path, {"old contents"}).ok());
  auto old = ReadFileBytes(path);
  ASSERT_TRUE(old.ok());
  ASSERT_TRUE(WriteFileAtomically(path, {"new"}).ok());
  EXPECT_EQ(old->ToString(), "old contents");
  EXPECT_EQ(ReadFileBytes(path)->ToString(), "new");
}

TEST(AtomicFileTest, MissingDirectoryFailsCleanly) {
  ScratchDir dir;
  const std::string path = dir.path() + "/no/such/dir/f.bin";
  Status s = WriteFileAtomically(path, {"data"});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Status::Code::kIOError);
  EXPECT_NE(s.message().find(path), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("No such file or directory"), std::string::npos)
      << s.ToString();
  EXPECT_TRUE(dir.Entries().empty());
}

TEST(AtomicFileTest, FailedRenameRemovesTheTempFile) {
  // The target is a non-empty directory: the data is written and synced,
  // then rename() fails; the temp file must not be left behind.
  ScratchDir dir;
  const std::string path = dir.path() + "/target";
  fs::create_directory(path);
  std::ofstream(path + "/keep") << "x";
  Status s = WriteFileAtomically(path, {"data"});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Status::Code::kIOError);
  EXPECT_NE(s.message().find("rename"), std::string::npos) << s.ToString();
  EXPECT_EQ(dir.Entries(), std::vector<std::string>{"target"});
}

TEST(AtomicFileTest, StagedBytesAreAtThePathOnlyOncePublished) {
  ScratchDir dir;
  const std::string path = dir.path() + "/f.bin";
  auto staged = StageFileAtomically(path, {"ab", "cd"});
  ASSERT_TRUE(staged.ok()) << staged.status().ToString();
  EXPECT_FALSE(fs::exists(path));
  ASSERT_EQ(dir.Entries().size(), 1u);  // the temporary file, whole
  EXPECT_EQ(ReadFile(dir.path() + "/" + dir.Entries()[0]), "abcd");
  ASSERT_TRUE(staged->Publish().ok());
  EXPECT_EQ(ReadFile(path), "abcd");
  EXPECT_EQ(dir.Entries(), std::vector<std::string>{"f.bin"});
  EXPECT_FALSE(staged->Publish().ok());  // once only
}

TEST(AtomicFileTest, AStagedFileNeverPublishedIsRemoved) {
  ScratchDir dir;
  {
    auto staged = StageFileAtomically(dir.path() + "/f.bin", {"data"});
    ASSERT_TRUE(staged.ok()) << staged.status().ToString();
    StagedFile moved(std::move(*staged));  // the moved-from one removes nothing
    EXPECT_EQ(dir.Entries().size(), 1u);
  }
  EXPECT_TRUE(dir.Entries().empty());
}

TEST(AtomicFileTest, AFullDiskIsReportedWhenStaging) {
  // Before anyone acts on the content: a full disk reports at write(),
  // not only at fsync.
  ScratchDir dir;
  DiskFullEnv disk(Env::Default(), 3);
  auto staged = StageFileAtomically(dir.path() + "/f.bin", {"data"}, 0666, &disk);
  ASSERT_FALSE(staged.ok());
  EXPECT_EQ(staged.status().code(), Status::Code::kIOError);
  EXPECT_NE(staged.status().message().find("No space left on device"), std::string::npos)
      << staged.status().ToString();
  EXPECT_TRUE(dir.Entries().empty());
}

TEST(AtomicFileTest, ConcurrentWritersLeaveOneCompleteFile) {
  ScratchDir dir;
  const std::string path = dir.path() + "/f.bin";
  const std::string a(200000, 'a');
  const std::string b(300000, 'b');
  std::vector<std::thread> writers;
  for (int i = 0; i < 4; ++i) {
    writers.emplace_back([&, i] {
      for (int k = 0; k < 5; ++k) {
        EXPECT_TRUE(WriteFileAtomically(path, {i % 2 ? a : b}).ok());
      }
    });
  }
  for (auto& w : writers) w.join();
  const std::string got = ReadFile(path);
  EXPECT_TRUE(got == a || got == b) << got.size();
  EXPECT_EQ(dir.Entries(), std::vector<std::string>{"f.bin"});
}

TEST(AtomicFileTest, ReadIsAPageAlignedMapping) {
  ScratchDir dir;
  const std::string path = dir.path() + "/f.bin";
  std::string data(10000, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7);
  ASSERT_TRUE(WriteFileAtomically(path, {data}).ok());
  auto r = ReadFileBytes(path);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->ToString(), data);
  const auto page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  EXPECT_EQ(reinterpret_cast<uintptr_t>(r->data()) % page, 0u);
  // The mapping outlives the file's name.
  Bytes copy = *r;
  fs::remove(path);
  EXPECT_EQ(copy.ToString(), data);
}

TEST(AtomicFileTest, ReadEmptyFile) {
  ScratchDir dir;
  const std::string path = dir.path() + "/empty";
  ASSERT_TRUE(WriteFileAtomically(path, {}).ok());
  auto r = ReadFileBytes(path);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->empty());
}

TEST(AtomicFileTest, ReadErrorsNameThePath) {
  ScratchDir dir;
  auto missing = ReadFileBytes(dir.path() + "/missing");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Status::Code::kNotFound);
  EXPECT_NE(missing.status().message().find("/missing"), std::string::npos);

  auto directory = ReadFileBytes(dir.path());
  ASSERT_FALSE(directory.ok());
  EXPECT_EQ(directory.status().code(), Status::Code::kIOError);
  EXPECT_NE(directory.status().message().find("not a regular file"),
            std::string::npos);
}

}  // namespace
}  // namespace veritrain
