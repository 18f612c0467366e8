// ScratchDirectory (core/util/scratch_dir.h): made under TMPDIR, removed
// with its contents, and owned by one object at a time.
#include "core/util/scratch_dir.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

namespace veritrain {
namespace {

namespace fs = std::filesystem;

TEST(ScratchDirectoryTest, IsMadeUnderTmpdirAndRemovedWithItsContents) {
  const std::string base = ::testing::TempDir() + "/scratch-base";
  fs::create_directories(base);
  const char* saved = std::getenv("TMPDIR");
  const std::string old = saved ? saved : "";
  ::setenv("TMPDIR", base.c_str(), 1);
  std::string path;
  {
    auto dir = ScratchDirectory::Make("unit-");
    ASSERT_TRUE(dir.ok()) << dir.status().ToString();
    path = dir->path();
    EXPECT_EQ(fs::path(path).parent_path(), fs::path(base));
    EXPECT_EQ(fs::path(path).filename().string().rfind("unit-", 0), 0u);
    std::ofstream(path + "/file") << "x";
    ScratchDirectory moved = std::move(dir).value();
    EXPECT_EQ(moved.path(), path);
    EXPECT_TRUE(fs::exists(path + "/file"));
  }
  EXPECT_FALSE(fs::exists(path));
  ::setenv("TMPDIR", (base + "/missing/deeper").c_str(), 1);
  auto refused = ScratchDirectory::Make("unit-");
  EXPECT_FALSE(refused.ok());
  if (old.empty()) {
    ::unsetenv("TMPDIR");
  } else {
    ::setenv("TMPDIR", old.c_str(), 1);
  }
}

}  // namespace
}  // namespace veritrain
