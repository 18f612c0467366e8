// The build records the commit it was built from: the source tree's HEAD at
// build time, not at configure time (a commit made after configuring would
// otherwise leave every run manifest naming the previous one).
#include "core/util/build_info.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace veritrain {
namespace {

// `git rev-parse --short=12 HEAD` in the source tree, or "" without git.
std::string SourceHead() {
  const std::string cmd =
      std::string("git -C '") + VERITRAIN_SOURCE_DIR + "' rev-parse --short=12 HEAD 2>/dev/null";
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (pipe == nullptr) return "";
  std::string out;
  char buf[64];
  while (std::fgets(buf, sizeof buf, pipe) != nullptr) out += buf;
  if (::pclose(pipe) != 0) return "";
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

TEST(BuildInfoTest, CommitIsTheSourceTreesHead) {
  const std::string head = SourceHead();
  if (head.empty()) GTEST_SKIP() << "the source tree is not a git checkout";
  const std::string commit = VeritrainCommit();
  // "<commit>" or "<commit>-dirty" when tracked files had changes.
  EXPECT_TRUE(commit == head || commit == head + "-dirty") << commit << " vs HEAD " << head;
}

TEST(BuildInfoTest, BuildInfoNamesVersionAndCommit) {
  const nlohmann::json info = BuildInfo();
  EXPECT_EQ(info.at("commit"), VeritrainCommit());
  EXPECT_EQ(info.at("veritrain"), VeritrainVersion());
  EXPECT_NE(VeritrainVersion(), "unknown");
}

}  // namespace
}  // namespace veritrain
