// --bin-dir's check: an empty path, a path that is no directory, and a
// directory without one of the three role executables (or with one that
// cannot be executed) are refused, naming what is wrong; a directory with
// all three passes.
#include "scenarios/runner/role_executables.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>

#include "tests/support/files.h"

namespace veritrain {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using testing_util::ScratchDir;
using testing_util::WriteFile;

TEST(RoleExecutablesTest, ABinDirMustHoldEveryRoleAsAnExecutable) {
  EXPECT_EQ(CheckRoleExecutableDir("").code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(CheckRoleExecutableDir("").message(), HasSubstr("--bin-dir is empty"));

  ScratchDir dir;
  EXPECT_EQ(CheckRoleExecutableDir(dir.path() + "/nope").message(),
            "--bin-dir " + dir.path() + "/nope: no such directory");
  WriteFile(dir.path() + "/a-file", "x");
  EXPECT_THAT(CheckRoleExecutableDir(dir.path() + "/a-file").message(),
              HasSubstr("no such directory"));

  const std::string bin = dir.path() + "/bin";
  fs::create_directories(bin);
  for (const std::string& exe : RoleExecutableNames()) {
    WriteFile(bin + "/" + exe, "#!/bin/sh\n");
    fs::permissions(bin + "/" + exe, fs::perms::owner_all);
  }
  EXPECT_TRUE(CheckRoleExecutableDir(bin).ok()) << CheckRoleExecutableDir(bin).ToString();

  fs::permissions(bin + "/veritrain-solver", fs::perms::owner_read | fs::perms::owner_write);
  if (::access((bin + "/veritrain-solver").c_str(), X_OK) != 0) {  // not as root
    EXPECT_EQ(CheckRoleExecutableDir(bin).message(),
              "--bin-dir " + bin + ": " + bin + "/veritrain-solver is missing or not executable");
  }
  fs::remove(bin + "/veritrain-solver");
  EXPECT_THAT(CheckRoleExecutableDir(bin).message(),
              HasSubstr(bin + "/veritrain-solver is missing or not executable"));
  fs::create_directories(bin + "/veritrain-solver");  // a directory is not one
  EXPECT_THAT(CheckRoleExecutableDir(bin).message(),
              HasSubstr(bin + "/veritrain-solver is missing or not executable"));
}

}  // namespace
}  // namespace veritrain
