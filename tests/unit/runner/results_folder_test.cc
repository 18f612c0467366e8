// Results folders: their names (time, seed and process id, one format for
// runs and sweeps), the lock that keeps two runs out of one folder, the
// emptying of a reused folder, and the private temp dirs that a killed run
// leaves for the next one to remove.
#include "scenarios/runner/results_folder.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "scenarios/runner/run.h"
#include "scenarios/runner/work_dir.h"
#include "tests/support/files.h"

namespace veritrain {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

TEST(ResultsFolderIdTest, NamesTimeSeedAndProcess) {
  const std::string id = ResultsFolderId(42);
  EXPECT_THAT(id, ::testing::MatchesRegex("[0-9]{8}-[0-9]{6}-seed42-[0-9]+"));
  EXPECT_THAT(id, ::testing::EndsWith("-" + std::to_string(::getpid())));
}

TEST(ResultsFolderTest, ASecondWriterIsRefusedWhileTheFirstHoldsIt) {
  testing_util::ScratchDir dir;
  const std::string out = dir.path() + "/run";
  auto first = OpenResultsFolder(out, ResultsKind::kRun);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto second = OpenResultsFolder(out, ResultsKind::kRun);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_THAT(second.status().message(), HasSubstr("is in use by another veritrain run (pid " +
                                                   std::to_string(::getpid())));
  // Released with the first: the folder can be opened again.
  *first = ResultsFolder();
  EXPECT_TRUE(OpenResultsFolder(out, ResultsKind::kRun).ok());
}

// What a run's manifest.json holds, as far as telling it from another
// program's file goes.
constexpr const char* kManifest = R"({"build": {"version": "0.1.0"}, "scenario": {}})";

TEST(ResultsFolderTest, AReusedFolderKeepsNothingOfTheLastRun) {
  testing_util::ScratchDir dir;
  const std::string out = dir.path() + "/run";
  {
    auto folder = OpenResultsFolder(out, ResultsKind::kRun);
    ASSERT_TRUE(folder.ok());
    std::ofstream(out + "/manifest.json") << kManifest;
    std::ofstream(out + "/calibration.csv") << "old";
    fs::create_directories(out + "/logs");
    std::ofstream(out + "/logs/verifier-2.log") << "a participant the next run does not have";
  }
  auto again = OpenResultsFolder(out, ResultsKind::kRun);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(out)) left.push_back(e.path().filename());
  EXPECT_THAT(left, ::testing::ElementsAre(kResultsLockFile));
}

TEST(ResultsFolderTest, ResumingKeepsWhatIsThere) {
  testing_util::ScratchDir dir;
  const std::string out = dir.path() + "/sweep";
  { ASSERT_TRUE(OpenResultsFolder(out, ResultsKind::kSweep).ok()); }
  std::ofstream(out + "/sweep.json") << "{}";
  ASSERT_TRUE(OpenResultsFolder(out, ResultsKind::kSweep, /*keep_contents=*/true).ok());
  EXPECT_TRUE(fs::exists(out + "/sweep.json"));
}

TEST(ResultsFolderTest, AFolderOfOtherFilesIsRefusedAndLeftAlone) {
  testing_util::ScratchDir dir;
  std::ofstream(dir.path() + "/thesis.tex") << "months of work";
  auto folder = OpenResultsFolder(dir.path(), ResultsKind::kRun);
  ASSERT_FALSE(folder.ok());
  EXPECT_EQ(folder.status().code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(folder.status().message(),
              HasSubstr("holds files that are not a veritrain run's (thesis.tex)"));
  EXPECT_TRUE(fs::exists(dir.path() + "/thesis.tex"));
}

// A run's folder with a file of the user's beside it is not emptied: the
// file would go with it.
TEST(ResultsFolderTest, AUsersFileBesideARunsIsRefusedAndNothingIsRemoved) {
  testing_util::ScratchDir dir;
  std::ofstream(dir.path() + "/manifest.json") << kManifest;
  std::ofstream(dir.path() + "/summary.json") << "{}";
  fs::create_directories(dir.path() + "/mydata");
  std::ofstream(dir.path() + "/mydata/a.txt") << "the user's";
  auto folder = OpenResultsFolder(dir.path(), ResultsKind::kRun);
  ASSERT_FALSE(folder.ok());
  EXPECT_EQ(folder.status().code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(folder.status().message(), HasSubstr("(mydata); nothing was removed"));
  for (const char* f : {"/manifest.json", "/summary.json", "/mydata/a.txt"}) {
    EXPECT_TRUE(fs::exists(dir.path() + f)) << f;
  }
}

// A run writes only its participants' <name>.log and <name>.json in logs/
// and reports/: a file of the user's there (or a folder) is refused with
// nothing removed, in a run's folder and in a sweep's runs. Was: emptied
// with the rest.
TEST(ResultsFolderTest, AUsersFileInsideLogsOrReportsIsRefusedAndKept) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"logs/thesis.tex", "logs/thesis.tex"},
      {"reports/important.txt", "reports/important.txt"},
      {"logs/sub/deep.log", "logs/sub"},
  };
  for (const auto& [file, named] : cases) {
    for (const std::string prefix : {"", "runs/p0-r0/"}) {
      testing_util::ScratchDir dir;
      const std::string root = dir.path() + "/";
      std::ofstream(root + (prefix.empty() ? "manifest.json" : "sweep.json")) << kManifest;
      fs::create_directories(root + prefix + "logs");
      fs::create_directories(root + prefix + "reports");
      fs::create_directories(fs::path(root + prefix + file).parent_path());
      std::ofstream(root + prefix + "logs/solver-1.log") << "a run's";
      std::ofstream(root + prefix + "reports/solver-1.json") << "{}";
      std::ofstream(root + prefix + file) << "the user's";
      auto folder =
          OpenResultsFolder(dir.path(), prefix.empty() ? ResultsKind::kRun : ResultsKind::kSweep);
      ASSERT_FALSE(folder.ok()) << prefix << file;
      EXPECT_THAT(folder.status().message(), HasSubstr(prefix + named));
      EXPECT_THAT(folder.status().message(), HasSubstr("nothing was removed"));
      EXPECT_TRUE(fs::exists(root + prefix + file)) << prefix << file;
      EXPECT_TRUE(fs::exists(root + prefix + "logs/solver-1.log")) << prefix << file;
    }
  }
}

// A run's own files there, an interrupted write's temporary among them,
// are emptied as before.
TEST(ResultsFolderTest, ARunsOwnLogsAndReportsAreEmptied) {
  testing_util::ScratchDir dir;
  std::ofstream(dir.path() + "/manifest.json") << kManifest;
  fs::create_directories(dir.path() + "/logs");
  fs::create_directories(dir.path() + "/reports");
  std::ofstream(dir.path() + "/logs/arbiter.log") << "a run's";
  std::ofstream(dir.path() + "/reports/arbiter.json") << "{}";
  std::ofstream(dir.path() + "/reports/solver-1.json.tmp.12345") << "{";
  auto folder = OpenResultsFolder(dir.path(), ResultsKind::kRun);
  ASSERT_TRUE(folder.ok()) << folder.status().ToString();
  EXPECT_FALSE(fs::exists(dir.path() + "/logs"));
  EXPECT_FALSE(fs::exists(dir.path() + "/reports"));
}

// A manifest.json or sweep.json another program wrote does not make a
// folder a run's: it is refused, not emptied.
TEST(ResultsFolderTest, AManifestVeritrainDidNotWriteIsTheUsers) {
  for (const char* name : {"manifest.json", "sweep.json"}) {
    for (const char* text : {"{}", "not json", R"({"scenario": 1})"}) {
      testing_util::ScratchDir dir;
      std::ofstream(dir.path() + "/" + name) << text;
      auto folder = OpenResultsFolder(dir.path(), ResultsKind::kRun);
      ASSERT_FALSE(folder.ok()) << name << " " << text;
      EXPECT_THAT(folder.status().message(), HasSubstr(std::string("(") + name + ")"));
      EXPECT_TRUE(fs::exists(dir.path() + "/" + name));
    }
  }
}

// A sweep's runs/ holds run folders only: anything else in it is the
// user's, and the sweep folder is refused.
TEST(ResultsFolderTest, AUsersFileAmongASweepsRunsIsRefused) {
  testing_util::ScratchDir dir;
  std::ofstream(dir.path() + "/sweep.json") << kManifest;
  fs::create_directories(dir.path() + "/runs/p0-r0/logs");
  std::ofstream(dir.path() + "/runs/p0-r0/manifest.json") << kManifest;
  std::ofstream(dir.path() + "/runs/p0-r0/notes.md") << "the user's";
  std::ofstream(dir.path() + "/runs/analysis.ipynb") << "the user's";
  auto folder = OpenResultsFolder(dir.path(), ResultsKind::kSweep);
  ASSERT_FALSE(folder.ok());
  EXPECT_THAT(folder.status().message(), HasSubstr("runs/p0-r0/notes.md"));
  EXPECT_THAT(folder.status().message(), HasSubstr("runs/analysis.ipynb"));
  EXPECT_TRUE(fs::exists(dir.path() + "/runs/p0-r0/notes.md"));
  // Without them, the sweep's folder is emptied for the next one.
  fs::remove(dir.path() + "/runs/p0-r0/notes.md");
  fs::remove(dir.path() + "/runs/analysis.ipynb");
  auto again = OpenResultsFolder(dir.path(), ResultsKind::kSweep);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_FALSE(fs::exists(dir.path() + "/runs"));
}

// A whole sweep is not emptied for one run, nor a run for a sweep: a
// mistaken --out, refused with nothing removed.
TEST(ResultsFolderTest, ResultsOfTheOtherKindAreRefusedAndKept) {
  testing_util::ScratchDir dir;
  const std::string sweep = dir.path() + "/sweep";
  fs::create_directories(sweep + "/runs/run-000000");
  std::ofstream(sweep + "/sweep.json") << kManifest;
  std::ofstream(sweep + "/runs/run-000000/manifest.json") << kManifest;
  auto run = OpenResultsFolder(sweep, ResultsKind::kRun);
  ASSERT_FALSE(run.ok());
  EXPECT_EQ(run.status().code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(run.status().message(), HasSubstr("holds a sweep's results (sweep.json)"));
  EXPECT_TRUE(fs::exists(sweep + "/runs/run-000000/manifest.json"));
  EXPECT_FALSE(fs::exists(sweep + "/" + kResultsLockFile));

  const std::string single = dir.path() + "/run";
  fs::create_directories(single);
  std::ofstream(single + "/manifest.json") << kManifest;
  auto swept = OpenResultsFolder(single, ResultsKind::kSweep);
  ASSERT_FALSE(swept.ok());
  EXPECT_THAT(swept.status().message(), HasSubstr("holds a run's results (manifest.json)"));
  EXPECT_TRUE(fs::exists(single + "/manifest.json"));
  // Each of its own kind is emptied as before.
  EXPECT_TRUE(OpenResultsFolder(sweep, ResultsKind::kSweep).ok());
  EXPECT_TRUE(OpenResultsFolder(single, ResultsKind::kRun).ok());
  EXPECT_FALSE(fs::exists(single + "/manifest.json"));
}

TEST(ResultsFolderTest, ARefusedFolderIsRefusedAgainAndKeepsNoLockFile) {
  testing_util::ScratchDir dir;
  std::ofstream(dir.path() + "/notes.md") << "important";
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto folder = OpenResultsFolder(dir.path(), ResultsKind::kRun);
    ASSERT_FALSE(folder.ok()) << "attempt " << attempt;
    EXPECT_EQ(folder.status().code(), Status::Code::kInvalidArgument);
    EXPECT_TRUE(fs::exists(dir.path() + "/notes.md")) << "attempt " << attempt;
    EXPECT_FALSE(fs::exists(dir.path() + "/" + kResultsLockFile)) << "attempt " << attempt;
  }
}

TEST(ResultsFolderTest, AStrayLockFileDoesNotMakeUserFilesARunsToEmpty) {
  testing_util::ScratchDir dir;
  std::ofstream(dir.path() + "/" + kResultsLockFile) << "pid 1, since long ago";
  std::ofstream(dir.path() + "/thesis.tex") << "months of work";
  auto folder = OpenResultsFolder(dir.path(), ResultsKind::kRun);
  ASSERT_FALSE(folder.ok());
  EXPECT_THAT(folder.status().message(), HasSubstr("(thesis.tex)"));
  EXPECT_TRUE(fs::exists(dir.path() + "/thesis.tex"));
  // A lock file that was there before is not this open's to remove.
  EXPECT_TRUE(fs::exists(dir.path() + "/" + kResultsLockFile));
}

TEST(ResultsFolderTest, AFolderThatCannotBeMadeIsAnIOError) {
  testing_util::ScratchDir dir;
  std::ofstream(dir.path() + "/file") << "x";
  auto folder = OpenResultsFolder(dir.path() + "/file/run", ResultsKind::kRun);
  ASSERT_FALSE(folder.ok());
  EXPECT_EQ(folder.status().code(), Status::Code::kIOError);
  EXPECT_THAT(folder.status().message(), HasSubstr(dir.path() + "/file/run"));
}

TEST(WorkDirTest, IsRemovedWhenItsRunEnds) {
  testing_util::ScratchDir tmp;
  std::string path;
  {
    auto dir = WorkDir::Create(tmp.path());
    ASSERT_TRUE(dir.ok()) << dir.status().ToString();
    path = dir->path();
    EXPECT_TRUE(fs::exists(path + "/owner.lock"));
    EXPECT_EQ(fs::status(path).permissions() & fs::perms::all, fs::perms::owner_all);
  }
  EXPECT_FALSE(fs::exists(path));
}

TEST(WorkDirTest, OnlyTheDirsOfDeadRunsAreRemoved) {
  testing_util::ScratchDir tmp;
  // A live run's dir: its lock is held.
  auto live = WorkDir::Create(tmp.path());
  ASSERT_TRUE(live.ok());
  // A killed run's dir: a lock file nobody holds, and its secrets.
  const std::string dead = tmp.path() + "/veritrain-dead01";
  fs::create_directories(dead + "/keys");
  std::ofstream(dead + "/owner.lock") << "";
  std::ofstream(dead + "/keys/solver-1.key") << "secret";
  // Not a run's dir, or one kept on purpose: no lock file.
  const std::string kept = tmp.path() + "/veritrain-kept01";
  fs::create_directories(kept);
  const std::string other = tmp.path() + "/unrelated";
  fs::create_directories(other);
  std::ofstream(other + "/owner.lock") << "";

  EXPECT_EQ(RemoveStaleWorkDirs(tmp.path()), 1);
  EXPECT_FALSE(fs::exists(dead));
  EXPECT_TRUE(fs::exists(live->path()));
  EXPECT_TRUE(fs::exists(kept));
  EXPECT_TRUE(fs::exists(other));
}

TEST(WorkDirTest, AKeptDirIsNotTakenForADeadOne) {
  testing_util::ScratchDir tmp;
  std::string path;
  {
    auto dir = WorkDir::Create(tmp.path());
    ASSERT_TRUE(dir.ok());
    path = dir->path();
    dir->Keep();
  }
  EXPECT_TRUE(fs::exists(path));
  EXPECT_EQ(RemoveStaleWorkDirs(tmp.path()), 0);
  EXPECT_TRUE(fs::exists(path));
}

}  // namespace
}  // namespace veritrain
