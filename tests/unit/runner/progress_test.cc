// The progress line: its text, redrawing in place on a terminal, and
// throttled plain lines otherwise.
#include "scenarios/cli/progress.h"

#include <gtest/gtest.h>
#include <fcntl.h>
#include <unistd.h>

#include <string>

namespace veritrain {
namespace {

// Reads everything written to a pipe so far.
std::string Drain(int fd) {
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof(buf))) > 0) out.append(buf, static_cast<size_t>(n));
  return out;
}

class PipeTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(::pipe2(fds_, O_NONBLOCK), 0); }
  void TearDown() override {
    ::close(fds_[0]);
    ::close(fds_[1]);
  }
  int fds_[2];
};

TEST(ProgressTest, FormatsDurations) {
  EXPECT_EQ(FormatDuration(0), "0.0 s");
  EXPECT_EQ(FormatDuration(42.04), "42.0 s");
  EXPECT_EQ(FormatDuration(185), "3m05s");
  EXPECT_EQ(FormatDuration(3720), "1h02m");
  EXPECT_EQ(FormatDuration(-1), "?");
}

TEST(ProgressTest, CountLineHasRateAndEta) {
  EXPECT_EQ(CountLine("sweep", 0, 10, "runs", 0), "sweep 0/10 runs");
  // 5 runs in 10 s: 0.5 runs/s, 5 left: 10 s.
  EXPECT_EQ(CountLine("sweep", 5, 10, "runs", 10), "sweep 5/10 runs · 0.5 runs/s · ETA 10.0 s");
  // A resumed sweep kept 4 runs: the rate counts the 2 done since, 0.2 runs/s.
  EXPECT_EQ(CountLine("sweep", 6, 10, "runs", 10, 4), "sweep 6/10 runs · 0.2 runs/s · ETA 20.0 s");
  EXPECT_EQ(CountLine("sweep", 4, 10, "runs", 10, 4), "sweep 4/10 runs");
}

TEST_F(PipeTest, PlainLinesAreThrottledUnlessForced) {
  {
    ProgressLine p(fds_[1], /*terminal=*/false, std::chrono::hours(1));
    p.Update("first");
    p.Update("second");  // within the hour: held back
    p.Update("third");   // held back instead of "second"
    p.Update("next stage", /*force=*/true);
    p.Update("more");    // held back, then dropped: the final state replaces it
    p.Finish("done");
  }
  EXPECT_EQ(Drain(fds_[0]), "first\nthird\nnext stage\ndone\n");
}

TEST_F(PipeTest, OnlyANewStageBringsOutWhatTheThrottleHeldBack) {
  {
    auto t = std::chrono::steady_clock::time_point();
    ProgressLine p(fds_[1], /*terminal=*/false, std::chrono::seconds(5), [&t] { return t; });
    p.Update("training 10/300");
    t += std::chrono::seconds(1);
    p.Update("training 20/300");  // held back
    t += std::chrono::seconds(5);
    p.Update("training 30/300");  // due: printed, and what was held back is not
  }
  EXPECT_EQ(Drain(fds_[0]), "training 10/300\ntraining 30/300\n");
}

TEST_F(PipeTest, ALogSaysTheFinalStateOnceAndNoLineTwice) {
  {
    ProgressLine p(fds_[1], /*terminal=*/false, std::chrono::milliseconds(0));
    p.Update("training 300/300 steps");
    p.Update("training 300/300 steps");
    p.Update("training 300/300 steps", /*force=*/true);
    p.Finish("finished");
  }
  EXPECT_EQ(Drain(fds_[0]), "training 300/300 steps\nfinished\n");
}

TEST_F(PipeTest, TerminalRedrawsOneLine) {
  {
    ProgressLine p(fds_[1], /*terminal=*/true, std::chrono::hours(1));
    p.Update("a");
    p.Update("b", /*force=*/true);
  }  // the destructor ends the line
  EXPECT_EQ(Drain(fds_[0]), "\r\033[Ka\r\033[Kb\n");
}

}  // namespace
}  // namespace veritrain
