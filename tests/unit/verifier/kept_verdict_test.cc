// A kept verdict is posted again only by a restarted verifier of the same
// run, for the same task; another run's record is refused with the reason.
#include "verifier/kept_verdict.h"

#include <gtest/gtest.h>

#include "tests/support/files.h"

namespace veritrain {
namespace {

using testing_util::ScratchDir;
using testing_util::WriteFile;

Verdict KeptAcceptance() {
  Verdict v;
  v.accept = true;
  v.reason = "all 2 intervals match";
  v.steps_reexecuted = 100;
  return v;
}

TEST(KeptVerdict, ARestartOfTheSameRunPostsItAgain) {
  ScratchDir dir;
  const std::string path = dir.path() + "/verdict.json";
  ASSERT_TRUE(KeepVerdict(path, "run-a", "task-0001", KeptAcceptance()).ok());
  auto kept = ReadKeptVerdict(path, "run-a", "task-0001", /*restarts=*/1);
  ASSERT_TRUE(kept.ok()) << kept.status().ToString();
  EXPECT_TRUE(kept->accept);
  EXPECT_EQ(kept->ToBody(), KeptAcceptance().ToBody());
}

TEST(KeptVerdict, AFirstStartReadsNothing) {
  ScratchDir dir;
  const std::string path = dir.path() + "/verdict.json";
  ASSERT_TRUE(KeepVerdict(path, "run-a", "task-0001", KeptAcceptance()).ok());
  auto kept = ReadKeptVerdict(path, "run-a", "task-0001", /*restarts=*/0);
  ASSERT_FALSE(kept.ok());
  EXPECT_EQ(kept.status().code(), Status::Code::kNotFound);
}

// The attack: an earlier run's acceptance of a cheating solver left where a
// later run's verifier looks (a reused directory; a name like "..").
TEST(KeptVerdict, AnotherRunsRecordIsRefusedNamingBothRuns) {
  ScratchDir dir;
  const std::string path = dir.path() + "/verdict.json";
  ASSERT_TRUE(
      KeepVerdict(path, "earlier-run", "task-0001", KeptAcceptance()).ok());
  auto kept = ReadKeptVerdict(path, "this-run", "task-0001", /*restarts=*/1);
  ASSERT_FALSE(kept.ok());
  EXPECT_EQ(kept.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(kept.status().message().find(
                "another run (run_id 'earlier-run', this run "
                "'this-run')"),
            std::string::npos)
      << kept.status().ToString();
  // A run without an id trusts no record.
  EXPECT_FALSE(ReadKeptVerdict(path, "", "task-0001", 1).ok());
}

TEST(KeptVerdict, AnotherTaskOrAMalformedRecordIsRefused) {
  ScratchDir dir;
  const std::string path = dir.path() + "/verdict.json";
  ASSERT_TRUE(KeepVerdict(path, "run-a", "task-0002", KeptAcceptance()).ok());
  auto other = ReadKeptVerdict(path, "run-a", "task-0001", 1);
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.status().message().find("kept for task-0002, not task-0001"),
            std::string::npos);
  // The format before run ids: a bare verdict body.
  WriteFile(path, KeptAcceptance().ToBody().dump());
  auto old = ReadKeptVerdict(path, "run-a", "task-0001", 1);
  ASSERT_FALSE(old.ok());
  EXPECT_EQ(old.status().code(), Status::Code::kCorruption);
  WriteFile(path, "{\"run_id\": 7, \"task\": \"task-0001\", \"verdict\": {}}");
  EXPECT_EQ(ReadKeptVerdict(path, "run-a", "task-0001", 1).status().code(),
            Status::Code::kCorruption);
  WriteFile(path, "not json");
  EXPECT_EQ(ReadKeptVerdict(path, "run-a", "task-0001", 1).status().code(),
            Status::Code::kCorruption);
  EXPECT_EQ(ReadKeptVerdict(dir.path() + "/none.json", "run-a", "task-0001", 1)
                .status()
                .code(),
            Status::Code::kNotFound);
}

// The count of steps re-executed survives a restart of the same run, as a
// kept verdict does; a first start, another run's or task's record and a
// count that is not one count nothing earlier.
TEST(KeptSteps, ARestartOfTheSameRunCountsTheKilledProcesssSteps) {
  ScratchDir dir;
  const std::string path = dir.path() + "/steps-reexecuted.json";
  auto none = StepsReexecutedBefore(path, "run-a", "task-0001", /*restarts=*/1, 100);
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_EQ(*none, 0);
  ASSERT_TRUE(KeepStepsReexecuted(path, "run-a", "task-0001", 30).ok());
  auto kept = StepsReexecutedBefore(path, "run-a", "task-0001", /*restarts=*/1, 100);
  ASSERT_TRUE(kept.ok()) << kept.status().ToString();
  EXPECT_EQ(*kept, 30);
  auto first = StepsReexecutedBefore(path, "run-a", "task-0001", /*restarts=*/0, 100);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, 0);
  EXPECT_EQ(StepsReexecutedBefore(path, "run-b", "task-0001", 1, 100).status().code(),
            Status::Code::kFailedPrecondition);
  EXPECT_EQ(StepsReexecutedBefore(path, "run-a", "task-0002", 1, 100).status().code(),
            Status::Code::kFailedPrecondition);
  for (const char* text : {"{\"run_id\": \"run-a\", \"task\": \"task-0001\", \"steps\": -3}",
                           "{\"run_id\": \"run-a\", \"task\": \"task-0001\", \"steps\": 1.5}",
                           "{\"run_id\": \"run-a\", \"task\": \"task-0001\"}", "30"}) {
    WriteFile(path, text);
    EXPECT_EQ(StepsReexecutedBefore(path, "run-a", "task-0001", 1, 100).status().code(),
              Status::Code::kCorruption)
        << text;
  }  // A count no earlier process could have reached (each re-executes the
  // task's 100 steps at most once) is a damaged record: charged, it made a
  // verifier's compute cost saturate.
  ASSERT_TRUE(KeepStepsReexecuted(path, "run-a", "task-0001", 200).ok());
  EXPECT_EQ(*StepsReexecutedBefore(path, "run-a", "task-0001", 2, 100), 200);
  auto beyond = StepsReexecutedBefore(path, "run-a", "task-0001", 1, 100);
  EXPECT_EQ(beyond.status().code(), Status::Code::kCorruption);
  EXPECT_NE(beyond.status().message().find("more than the 100 its 1 earlier process(es)"),
            std::string::npos)
      << beyond.status().ToString();
  ASSERT_TRUE(KeepStepsReexecuted(path, "run-a", "task-0001", int64_t{1} << 60).ok());
  EXPECT_EQ(StepsReexecutedBefore(path, "run-a", "task-0001", 3, 100).status().code(),
            Status::Code::kCorruption);
}

}  // namespace
}  // namespace veritrain
