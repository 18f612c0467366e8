// Interrupted checkpoint writes: whatever point a write stops at, the file
// at the checkpoint's path is the old checkpoint or the new one, never a
// torn mix, and a torn file is detected.
//
// Two fault injections, both in a forked child so the test process is
// untouched:
//  - SIGKILL at a random moment while the child rewrites the checkpoint
//    over and over (alternating two states): a crash in the middle of the
//    temp-file write, the fsync, the rename or the directory fsync;
//  - RLIMIT_FSIZE set to a byte offset N, so that the write of the new file
//    fails at exactly byte N (a full disk, an I/O error) — at every offset
//    of the header and at seeded random offsets of the data.
// A process kill keeps what the kernel has buffered; a real power cut
// would also lose writes that were not fsync'ed, which is what the
// temp-file + fsync + rename + directory-fsync order in atomic_file.cc is
// for; that part is not simulated here.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <string>
#include <thread>

#include "core/state/checkpoint_file.h"
#include "core/state/state_hash.h"
#include "tests/support/files.h"
#include "tests/support/tensors.h"

namespace veritrain {
namespace {

using testing_util::MakeTensor;
using testing_util::ReadFile;
using testing_util::ScratchDir;

// A checkpoint big enough (4 MiB) that a write takes many system calls.
State BigState(char fill) {
  return {MakeTensor("param/w", DType::kFloat32, {1024, 1024},
                     std::string(4 << 20, fill)),
          MakeTensor("step", DType::kInt64, {1}, std::string(8, fill))};
}

Digest HashOf(const State& s) { return *StateHash(s); }

std::vector<std::string> TempFiles(const ScratchDir& dir) {
  std::vector<std::string> temps;
  for (const auto& n : dir.Entries()) {
    if (n.find(".tmp.") != std::string::npos) temps.push_back(n);
  }
  return temps;
}

TEST(PowerLossTest, KilledWriterLeavesTheOldOrTheNewCheckpoint) {
  ScratchDir dir;
  const std::string path = dir.path() + "/ckpt.vtc";
  const State a = BigState('a'), b = BigState('b');
  ASSERT_TRUE(WriteCheckpoint(path, a, {{"which", "a"}}).ok());
  std::mt19937 rng(20261201);
  int saw_a = 0, saw_b = 0;
  constexpr int kTrials = 24;
  for (int trial = 0; trial < kTrials; ++trial) {
    int ready[2];
    ASSERT_EQ(pipe(ready), 0);
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      close(ready[0]);
      // Signal the first write has started, then keep rewriting.
      if (write(ready[1], "r", 1) != 1) _exit(3);
      for (int i = 0;; ++i) {
        const bool use_b = i % 2 == 0;
        if (!WriteCheckpoint(path, use_b ? b : a,
                             {{"which", use_b ? "b" : "a"}})
                 .ok())
          _exit(4);
      }
    }
    close(ready[1]);
    char c = 0;
    ASSERT_EQ(read(ready[0], &c, 1), 1);
    close(ready[0]);
    // The fault: a kill at a seeded random moment within a few writes.
    std::this_thread::sleep_for(std::chrono::microseconds(
        std::uniform_int_distribution<int>(0, 30000)(rng)));
    ASSERT_EQ(kill(child, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status))
        << "the writer failed on its own: " << status;

    auto got = ReadCheckpoint(path);
    ASSERT_TRUE(got.ok()) << "trial " << trial << ": "
                          << got.status().ToString();
    const std::string which = got->meta.at("which").get<std::string>();
    EXPECT_EQ(got->state_hash, HashOf(which == "a" ? a : b))
        << "trial " << trial;
    (which == "a" ? saw_a : saw_b)++;
    // A killed writer may leave its temp file behind; it is never read.
    for (const auto& t : TempFiles(dir))
      std::filesystem::remove(dir.path() + "/" + t);
  }
  RecordProperty("old_or_a", saw_a);
  RecordProperty("new_or_b", saw_b);
  EXPECT_EQ(saw_a + saw_b, kTrials);
}

// Runs WriteCheckpoint(path, state) in a child whose files may not grow past
// `limit` bytes; returns the child's exit code (0: the write failed cleanly).
int WriteWithFileSizeLimit(const std::string& path, const State& state,
                           rlim_t limit) {
  pid_t child = fork();
  if (child == 0) {
    signal(SIGXFSZ, SIG_IGN);  // a write past the limit fails with EFBIG
    rlimit lim{limit, limit};
    if (setrlimit(RLIMIT_FSIZE, &lim) != 0) _exit(3);
    Status s = WriteCheckpoint(path, state, {{"which", "new"}});
    if (s.ok()) _exit(1);
    _exit(s.code() == Status::Code::kIOError ? 0 : 2);
  }
  int status = 0;
  waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TEST(PowerLossTest,
     WriteFailingAtAnyByteOffsetKeepsTheOldFileAndTornFilesAreDetected) {
  ScratchDir dir;
  const std::string path = dir.path() + "/ckpt.vtc";
  const State old_state = {
      MakeTensor("param/w", DType::kFloat32, {64}, std::string(256, 'o'))};
  const State new_state = {
      MakeTensor("param/w", DType::kFloat32, {4096}, std::string(16384, 'n'))};
  ASSERT_TRUE(WriteCheckpoint(path, old_state, {{"which", "old"}}).ok());
  const std::string old_bytes = ReadFile(path);
  // The complete new file, to know its size and to cut torn copies from.
  const std::string full_path = dir.path() + "/full.vtc";
  ASSERT_TRUE(WriteCheckpoint(full_path, new_state, {{"which", "new"}}).ok());
  const std::string new_bytes = ReadFile(full_path);
  std::filesystem::remove(full_path);

  std::vector<size_t> offsets;
  for (size_t n = 0; n < 300 && n < new_bytes.size(); ++n) offsets.push_back(n);
  std::mt19937 rng(7);
  for (int i = 0; i < 40; ++i) {
    offsets.push_back(
        std::uniform_int_distribution<size_t>(300, new_bytes.size() - 1)(rng));
  }
  for (size_t n : offsets) {
    ASSERT_EQ(WriteWithFileSizeLimit(path, new_state, n), 0) << "offset " << n;
    ASSERT_EQ(ReadFile(path), old_bytes) << "offset " << n;
    ASSERT_TRUE(TempFiles(dir).empty()) << "offset " << n;
    // What a crash at that offset leaves in the temp file (or at the path,
    // on a file system that does not order the rename after the data):
    // detected, never mistaken for a checkpoint.
    auto torn =
        DecodeCheckpoint(Bytes::FromString(new_bytes.substr(0, n)), "torn");
    ASSERT_FALSE(torn.ok()) << "offset " << n;
    EXPECT_EQ(torn.status().code(), Status::Code::kCorruption)
        << "offset " << n;
  }
  // With room for the whole file, the same write succeeds.
  ASSERT_EQ(WriteWithFileSizeLimit(path, new_state, new_bytes.size()), 1);
  EXPECT_EQ(ReadFile(path), new_bytes);
}

}  // namespace
}  // namespace veritrain
