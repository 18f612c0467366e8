// Interrupted event-log appends: a writer killed (SIGKILL, at a seeded
// random moment) while appending large events leaves a log whose complete
// lines are a valid hash chain holding every append that returned, plus at
// most the one in flight. A kill rarely lands inside the write(2) itself,
// so a torn line is also made on purpose: an append whose write fails at
// byte N of its line (RLIMIT_FSIZE in a child). A torn last line is
// detected (Corruption "truncated last line"), and the log refuses to be
// appended to.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <thread>

#include "core/protocol/event_log.h"
#include "tests/support/files.h"

namespace veritrain {
namespace {

using testing_util::ReadFile;
using testing_util::ScratchDir;
using testing_util::WriteFile;

TEST(EventLogPowerLossTest,
     KilledAppenderLeavesACompletePrefixAndATornTailIsDetected) {
  ScratchDir dir;
  std::mt19937 rng(20261201);
  constexpr int kTrials = 16;
  int torn = 0, whole = 0, in_flight_landed = 0;
  for (int trial = 0; trial < kTrials; ++trial) {
    const std::string path =
        dir.path() + "/events-" + std::to_string(trial) + ".jsonl";
    int acks[2];
    ASSERT_EQ(pipe(acks), 0);
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      close(acks[0]);
      FakeClock clock(0);
      auto log = EventLog::Open(path, &clock, /*durable=*/true);
      if (!log.ok()) _exit(3);
      // Lines of 256 KiB: each append is many pages.
      const std::string pad(1 << 18, 'x');
      for (int i = 0;; ++i) {
        if (!log->Append("big", "", {{"i", i}, {"pad", pad}}).ok()) _exit(4);
        if (write(acks[1], "a", 1) != 1) _exit(5);  // this append returned
      }
    }
    close(acks[1]);
    const int wait_for = std::uniform_int_distribution<int>(1, 4)(rng);
    int acked = 0;
    char c;
    while (acked < wait_for && read(acks[0], &c, 1) == 1) ++acked;
    ASSERT_EQ(acked, wait_for);
    std::this_thread::sleep_for(std::chrono::microseconds(
        std::uniform_int_distribution<int>(0, 4000)(rng)));
    ASSERT_EQ(kill(child, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status))
        << "the appender failed on its own: " << status;
    while (read(acks[0], &c, 1) == 1) ++acked;  // acks sent before the kill
    close(acks[0]);

    const std::string text = ReadFile(path);
    auto events = ReadEventLog(path);
    std::string complete = text;
    if (!text.empty() && text.back() != '\n') {
      // A torn last line: detected, and the log cannot be continued.
      ++torn;
      ASSERT_FALSE(events.ok()) << "trial " << trial;
      EXPECT_EQ(events.status().code(), Status::Code::kCorruption);
      EXPECT_NE(events.status().message().find("truncated last line"),
                std::string::npos)
          << events.status().ToString();
      FakeClock clock(0);
      EXPECT_FALSE(EventLog::Open(path, &clock).ok()) << "trial " << trial;
      complete = text.substr(0, text.rfind('\n') + 1);
    } else {
      ++whole;
    }
    // The complete lines are a valid chain of every acknowledged append,
    // and at most the one that was in flight.
    auto prefix = ParseEventLog(complete, path);
    ASSERT_TRUE(prefix.ok())
        << "trial " << trial << ": " << prefix.status().ToString();
    ASSERT_GE(prefix->size(), static_cast<size_t>(acked)) << "trial " << trial;
    ASSERT_LE(prefix->size(), static_cast<size_t>(acked) + 1)
        << "trial " << trial;
    if (prefix->size() == static_cast<size_t>(acked) + 1) ++in_flight_landed;
    for (size_t i = 0; i < prefix->size(); ++i) {
      EXPECT_EQ((*prefix)[i].data.at("i"), static_cast<int>(i));
    }
  }
  RecordProperty("torn_tails", torn);
  RecordProperty("whole_logs", whole);
  RecordProperty("in_flight_append_landed", in_flight_landed);
  EXPECT_EQ(torn + whole, kTrials);
}

TEST(EventLogPowerLossTest,
     AppendFailingInsideItsLineLeavesATornTailThatIsDetected) {
  ScratchDir dir;
  const std::string path = dir.path() + "/events.jsonl";
  {
    FakeClock clock(0);
    auto log = EventLog::Open(path, &clock, /*durable=*/true);
    ASSERT_TRUE(log.ok());
    for (int i = 0; i < 3; ++i)
      ASSERT_TRUE(log->Append("e", "", {{"i", i}}).ok());
  }
  const std::string before = ReadFile(path);
  const std::string pad(4096, 'y');
  for (size_t cut :
       {size_t{0}, size_t{1}, size_t{17}, size_t{4000}, size_t{4150}}) {
    WriteFile(path, before);
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      FakeClock clock(0);
      auto log = EventLog::Open(path, &clock, /*durable=*/true);
      if (!log.ok()) _exit(3);
      signal(SIGXFSZ, SIG_IGN);  // a write past the limit fails with EFBIG
      rlimit lim{before.size() + cut, before.size() + cut};
      if (setrlimit(RLIMIT_FSIZE, &lim) != 0) _exit(4);
      auto r = log->Append("big", "", {{"pad", pad}});
      _exit(!r.ok() && r.status().code() == Status::Code::kIOError ? 0 : 1);
    }
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "cut " << cut;
    const std::string text = ReadFile(path);
    ASSERT_EQ(text.size(), before.size() + cut);
    ASSERT_EQ(text.substr(0, before.size()), before);
    auto events = ReadEventLog(path);
    if (cut == 0) {
      ASSERT_TRUE(events.ok()) << events.status().ToString();
      EXPECT_EQ(events->size(), 3u);
      continue;
    }
    ASSERT_FALSE(events.ok()) << "cut " << cut;
    EXPECT_EQ(events.status().code(), Status::Code::kCorruption);
    EXPECT_NE(events.status().message().find("truncated last line"),
              std::string::npos)
        << events.status().ToString();
    FakeClock clock(0);
    EXPECT_FALSE(EventLog::Open(path, &clock).ok()) << "cut " << cut;
  }
}

}  // namespace
}  // namespace veritrain
