// ProcessSupervisor: exits are seen through the wake fd (no polling on a
// timer), described by status or signal, and nothing outlives WaitAll.
#include "scenarios/runner/process_supervisor.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>

#include <filesystem>
#include <fstream>

namespace veritrain {
namespace {

std::string LogPath() { return ::testing::TempDir() + "/supervisor_test.log"; }

ChildExit WaitForOne(ProcessSupervisor& s) {
  while (true) {
    auto exits = s.Reap();
    if (!exits.empty()) return exits[0];
    struct pollfd p = {s.wake_fd(), POLLIN, 0};
    ::poll(&p, 1, 10000);
  }
}

TEST(ProcessSupervisor, ReportsExitStatusAndSignal) {
  ProcessSupervisor s;
  ASSERT_TRUE(s.Spawn("three", {"/bin/sh", "-c", "exit 3"}, LogPath()).ok());
  ChildExit e = WaitForOne(s);
  EXPECT_EQ(e.label, "three");
  EXPECT_FALSE(e.clean());
  EXPECT_EQ(e.Describe(), "exited with status 3");

  ASSERT_TRUE(s.Spawn("killed", {"/bin/sh", "-c", "kill -9 $$"}, LogPath()).ok());
  e = WaitForOne(s);
  EXPECT_NE(e.Describe().find("killed by signal 9"), std::string::npos) << e.Describe();

  ASSERT_TRUE(s.Spawn("ok", {"/bin/true"}, LogPath()).ok());
  EXPECT_TRUE(WaitForOne(s).clean());
  EXPECT_EQ(s.running(), 0u);
}

TEST(ProcessSupervisor, WaitAllKillsStragglers) {
  ProcessSupervisor s;
  auto pid = s.Spawn("hang", {"/bin/sh", "-c", "exec tail -f /dev/null"}, LogPath());
  ASSERT_TRUE(pid.ok());
  auto exits = s.WaitAll(std::chrono::milliseconds(200));
  ASSERT_EQ(exits.size(), 1u);
  EXPECT_NE(exits[0].Describe().find("signal 9"), std::string::npos);
  EXPECT_EQ(::kill(*pid, 0), -1);  // gone (reaped)
}

TEST(ProcessSupervisor, MissingExecutableIsNotFound) {
  ProcessSupervisor s;
  auto r = s.Spawn("nope", {"/nonexistent/veritrain-solver"}, LogPath());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kNotFound);
  EXPECT_NE(r.status().message().find("/nonexistent/veritrain-solver"), std::string::npos);
}

TEST(ProcessSupervisor, OutputGoesToTheLog) {
  const std::string log = ::testing::TempDir() + "/supervisor_output.log";
  std::filesystem::remove(log);
  ProcessSupervisor s;
  ASSERT_TRUE(s.Spawn("echo", {"/bin/sh", "-c", "echo hello-from-child; echo err >&2"}, log).ok());
  EXPECT_TRUE(WaitForOne(s).clean());
  std::ifstream in(log);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(all.find("hello-from-child"), std::string::npos);
  EXPECT_NE(all.find("err"), std::string::npos);
}

}  // namespace
}  // namespace veritrain
