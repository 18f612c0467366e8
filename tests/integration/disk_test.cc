// A full disk, where it hurts:
//  - the solver's: scenarios/faults/solver-disk-full.json fills its disk
//    after a few checkpoints (a disk fault simulated in its file writes);
//    the solver tells the arbiter at once and the task settles long before
//    the training deadline, the reason naming the cause — in both
//    execution modes;
//  - the results folder's: the run writes into a small tmpfs (mounted in a
//    private mount namespace, `unshare -rm`, so nothing real fills up), and
//    the runner's error names the cause, although the role logs there are
//    empty or cut short.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/support/veritrain_process.h"

namespace veritrain {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using test_support::CommandResult;

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

class DiskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tmp_ = test_support::MakeTestDir("vt_disk_");
    ASSERT_FALSE(tmp_.empty());
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(tmp_, ec);
  }
  CommandResult Veritrain(const std::vector<std::string>& args) {
    return test_support::WaitVeritrain(test_support::SpawnVeritrain(args, tmp_), tmp_);
  }
  std::string tmp_;
};

std::string Preset(const std::string& name) {
  return std::string(VERITRAIN_SOURCE_DIR) + "/scenarios/" + name;
}

TEST_F(DiskTest, ASolverWhoseDiskFillsUpEndsTheTaskAtOnceNamingTheCause) {
  for (const std::string mode : {"process", "in-process"}) {
    const std::string out = tmp_ + "/" + mode;
    CommandResult r =
        Veritrain({"run", Preset("faults/solver-disk-full.json"), "--out", out, "--mode", mode});
    // The preset's global timeout is far below its training deadline: a
    // task that waited for the deadline would end the run with status 3.
    ASSERT_EQ(r.exit_code, 0) << mode << "\n" << r.out << r.err;
    const json summary = json::parse(test_support::ReadWholeFile(out + "/summary.json"));
    const json& task = summary["tasks"][0];
    EXPECT_EQ(task["outcome"], "solver_timeout") << mode;
    const std::string reason = task["reason"].get<std::string>();
    EXPECT_TRUE(Contains(reason, "the solver gave up before the training deadline")) << reason;
    EXPECT_TRUE(Contains(reason, "No space left on device")) << reason;
    EXPECT_TRUE(Contains(reason, "ckpt-")) << reason;  // which file
    const std::string events = test_support::ReadWholeFile(out + "/events.jsonl");
    EXPECT_TRUE(Contains(events, "\"type\":\"training_failed\"")) << mode;
    EXPECT_TRUE(Contains(r.out, "No space left on device")) << r.out;  // the printed summary
    // The steps it trained before it gave up are its compute (they were
    // not counted: a solver that failed was charged nothing). The fifth
    // checkpoint, at step 80, fails; its write is known by the next one.
    ASSERT_TRUE(task.contains("solver_steps_computed")) << task.dump(2);
    EXPECT_GE(task["solver_steps_computed"].get<int64_t>(), 80) << mode;
    EXPECT_LE(task["solver_steps_computed"].get<int64_t>(), 100) << mode;
  }
}

// Runs `veritrain run synthetic.json` with its results folder on a tmpfs of
// `size` (a mount option: "16k", ...) holding `fill` bytes of another file
// first. Skips when no mount namespace can be made here.
class FullResultsFolderTest : public DiskTest {
 protected:
  CommandResult RunOnTmpfs(const std::string& size, int64_t fill, const std::string& extra = "") {
    const std::string mnt = tmp_ + "/mnt";
    fs::create_directories(mnt);
    const std::string script =
        "mount -t tmpfs -o size=" + size + " tmpfs '" + mnt + "' || exit 90\n" +
        (fill > 0 ? "head -c " + std::to_string(fill) + " /dev/zero > '" + mnt + "/filler'\n"
                  : std::string()) +
        "exec '" + std::string(VERITRAIN_BIN_DIR) + "/veritrain' run '" +
        Preset("synthetic.json") + "' --out '" + mnt + "/run' " + extra + "\n";
    const std::string out = tmp_ + "/stdout.txt", err = tmp_ + "/stderr.txt";
    pid_t pid = fork();
    if (pid == 0) {
      setenv("TMPDIR", tmp_.c_str(), 1);
      FILE* o = freopen(out.c_str(), "w", stdout);
      FILE* e = freopen(err.c_str(), "w", stderr);
      if (o == nullptr || e == nullptr) _exit(91);
      execlp("unshare", "unshare", "-rm", "sh", "-c", script.c_str(), nullptr);
      _exit(92);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    CommandResult r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = test_support::ReadWholeFile(out);
    r.err = test_support::ReadWholeFile(err);
    return r;
  }
};

#define SKIP_WITHOUT_TMPFS(r)                                                             \
  if ((r).exit_code == 90 || (r).exit_code == 92 || Contains((r).err, "unshare: ")) {     \
    GTEST_SKIP() << "no tmpfs in a private mount namespace here (unshare -rm): " << (r).err; \
  }

// A folder with no room is refused before anything starts (the folder's
// lock is its first write), naming the cause.
TEST_F(FullResultsFolderTest, AFolderWithNoRoomIsRefusedBeforeAnythingStarts) {
  CommandResult r = RunOnTmpfs("16k", 16 * 1024);
  SKIP_WITHOUT_TMPFS(r);
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_FALSE(Contains(r.out, "starting the roles")) << r.out;
  EXPECT_TRUE(Contains(r.err, "No space left on device")) << r.err;
  EXPECT_TRUE(Contains(r.err, "the filesystem of the results folder is full")) << r.err;
}

TEST_F(FullResultsFolderTest, ARoleThatRunsOutOfSpaceSaysWhyThoughItsLogIsLost) {
  // Room for the manifest and the first lines of the logs and the event
  // log, not for the run: the arbiter's event log fills the disk.
  CommandResult r = RunOnTmpfs("64k", 40 * 1024);
  SKIP_WITHOUT_TMPFS(r);
  EXPECT_NE(r.exit_code, 0) << r.out << r.err;
  // The role's own words, from outside the full folder.
  EXPECT_TRUE(Contains(r.err, "exited with status 1: ")) << r.err;
  EXPECT_TRUE(Contains(r.err, "No space left on device")) << r.err;
  EXPECT_TRUE(Contains(r.err, "the filesystem of the results folder is full")) << r.err;
  EXPECT_FALSE(Contains(r.out, "ledger conserved: NO")) << r.out;
}

// The same with the roles as threads of the runner: each thread's log file
// fails to flush when its role ends, which must not abort the process.
TEST_F(FullResultsFolderTest, AnInProcessRunThatRunsOutOfSpaceFailsWithoutAborting) {
  CommandResult r = RunOnTmpfs("64k", 40 * 1024, "--in-process");
  SKIP_WITHOUT_TMPFS(r);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_FALSE(Contains(r.err, "terminate called")) << r.err;
  EXPECT_TRUE(Contains(r.err, "No space left on device")) << r.err;
}

}  // namespace
}  // namespace veritrain
