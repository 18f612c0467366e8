// Tests for where relative job file paths resolve.
#include "core/train/job_files.h"

#include <gtest/gtest.h>

namespace veritrain {
namespace {

TEST(JobFilesTest, RelativePathsResolveAgainstTheJobFileDir) {
  SetJobFileDir("");
  EXPECT_EQ(ResolveJobFile("data/x.csv"), "data/x.csv");  // the working dir
  SetJobFileDir("/srv/scenarios");
  EXPECT_EQ(JobFileDir(), "/srv/scenarios");
  EXPECT_EQ(ResolveJobFile("data/x.csv"), "/srv/scenarios/data/x.csv");
  EXPECT_EQ(ResolveJobFile("../models/m.pt"), "/srv/models/m.pt");
  EXPECT_EQ(ResolveJobFile("/abs/m.pt"), "/abs/m.pt");
  EXPECT_EQ(ResolveJobFile(""), "");
  SetJobFileDir("");
}

TEST(JobFilesTest, ResolvingAgainstAGivenDirLeavesTheProcesssAlone) {
  SetJobFileDir("/elsewhere");
  EXPECT_EQ(ResolveJobFileIn("/srv/scenarios", "data/../x.csv"), "/srv/scenarios/x.csv");
  EXPECT_EQ(ResolveJobFileIn("/srv/scenarios", "/abs/m.pt"), "/abs/m.pt");
  EXPECT_EQ(ResolveJobFileIn("", "data/x.csv"), "data/x.csv");
  EXPECT_EQ(JobFileDir(), "/elsewhere");
  SetJobFileDir("");
}

}  // namespace
}  // namespace veritrain
