#include "core/util/fd_io.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <thread>

namespace veritrain {
namespace {

// More than a pipe or a socket buffer holds: both calls must go on after
// short transfers.
const std::string kBig = [] {
  std::string s(4 << 20, '\0');
  for (size_t i = 0; i < s.size(); ++i) s[i] = static_cast<char>(i * 131 + 7);
  return s;
}();

void RoundTrip(int write_fd, int read_fd) {
  std::string got(kBig.size(), '\0');
  bool read_ok = false;
  std::thread reader([&] { read_ok = ReadAll(read_fd, got.data(), got.size()); });
  EXPECT_TRUE(WriteAll(write_fd, kBig.data(), kBig.size()));
  reader.join();
  EXPECT_TRUE(read_ok);
  EXPECT_EQ(got, kBig);
}

TEST(FdIoTest, WholeBuffersCrossAPipeAndASocket) {
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  RoundTrip(p[1], p[0]);
  ::close(p[0]);
  ::close(p[1]);
  int s[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, s), 0);
  RoundTrip(s[0], s[1]);
  ::close(s[0]);
  ::close(s[1]);
}

TEST(FdIoTest, AnEndOfFileBeforeTheSizeIsAFailure) {
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  ASSERT_TRUE(WriteAll(p[1], "abc", 3));
  ::close(p[1]);
  char buf[4];
  EXPECT_FALSE(ReadAll(p[0], buf, 4));
  ::close(p[0]);
}

TEST(FdIoTest, WritingToASocketWhosePeerHasGoneFailsWithoutSigpipe) {
  int s[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, s), 0);
  ::close(s[1]);
  // SIGPIPE's default action would end this test binary here.
  errno = 0;
  EXPECT_FALSE(WriteAll(s[0], "x", 1));
  EXPECT_EQ(errno, EPIPE);
  ::close(s[0]);
}

}  // namespace
}  // namespace veritrain
