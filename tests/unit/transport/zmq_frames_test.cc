// Socket limits (ConfigureSocket): a frame larger than the limit never
// reaches the receiver — ZeroMQ drops that peer's connection — and the
// receiver keeps serving other peers. A large received frame freed in a
// ReturnFreedFramesScope gives its pages back (core/util/freed_pages.h).
#include "core/transport/zmq_frames.h"

#include <gtest/gtest.h>
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/util/freed_pages.h"
#include "tests/support/files.h"

namespace veritrain {
namespace {

Result<ReceivedFrames> Wait(zmq::socket_t& s,
                            std::chrono::milliseconds timeout) {
  zmq::pollitem_t items[] = {{s.handle(), 0, ZMQ_POLLIN, 0}};
  auto ready = PollSockets(items, 1, timeout);
  if (!ready.ok()) return ready.status();
  return RecvFrames(s, /*router=*/true, 16);
}

TEST(ConfigureSocketTest, OversizedFrameIsDroppedAndOtherPeersAreServed) {
  zmq::context_t ctx(1);
  WireLimits limits;
  limits.max_frame_bytes = 1024;
  zmq::socket_t router(ctx, zmq::socket_type::router);
  ConfigureSocket(router, limits);
  // MAXMSGSIZE is enforced by the stream engine (tcp/ipc), not by inproc.
  auto ep = BindSocket(router, "tcp://127.0.0.1:*");
  ASSERT_TRUE(ep.ok()) << ep.status().ToString();
  EXPECT_EQ(router.get(zmq::sockopt::maxmsgsize), 1024);

  zmq::socket_t hostile(ctx, zmq::socket_type::dealer),
      honest(ctx, zmq::socket_type::dealer);
  ConfigureSocket(hostile);
  ConfigureSocket(honest);
  hostile.connect(*ep);
  ASSERT_TRUE(
      SendFrames(hostile, {Bytes::FromString(std::string(4096, 'x'))}).ok());
  // The honest peer's message is sent after the oversized one and arrives.
  honest.connect(*ep);
  ASSERT_TRUE(SendFrames(honest, {Bytes::FromString("hello")}).ok());
  auto got = Wait(router, std::chrono::seconds(10));
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->frames.size(), 1u);
  EXPECT_EQ(got->frames[0].view(), "hello");
  // Nothing else ever arrives: the oversized frame was not buffered.
  auto more = Wait(router, std::chrono::milliseconds(200));
  EXPECT_EQ(more.status().code(), Status::Code::kNotFound);
}

// A ROUTER configured here reports a message it cannot route instead of
// dropping it, and still routes to a connected peer.
TEST(ConfigureSocketTest, RouterReportsAMessageItCannotRoute) {
  zmq::context_t ctx(1);
  zmq::socket_t router(ctx, zmq::socket_type::router);
  ConfigureSocket(router);
  auto ep = BindSocket(router, "inproc://mandatory");
  ASSERT_TRUE(ep.ok()) << ep.status().ToString();
  const std::string stranger = "nobody";
  Status s = SendFrames(router, {Bytes::FromString("reply")}, &stranger);
  EXPECT_EQ(s.code(), Status::Code::kUnavailable);
  EXPECT_NE(s.message().find("the peer is not connected"), std::string::npos) << s.ToString();

  zmq::socket_t peer(ctx, zmq::socket_type::dealer);
  ConfigureSocket(peer);
  peer.connect(*ep);
  ASSERT_TRUE(SendFrames(peer, {Bytes::FromString("request")}).ok());
  auto got = Wait(router, std::chrono::seconds(10));
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(SendFrames(router, {Bytes::FromString("reply")}, &got->routing_id).ok());
  zmq::pollitem_t items[] = {{peer.handle(), 0, ZMQ_POLLIN, 0}};
  ASSERT_TRUE(PollSockets(items, 1, std::chrono::seconds(10)).ok());
  auto reply = RecvFrames(peer, /*router=*/false, 16);
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->frames.at(0).view(), "reply");
}

// How many whole pages inside [data, data + size) are resident.
size_t ResidentPagesInside(const void* data, size_t size) {
  const auto page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  const auto begin = reinterpret_cast<uintptr_t>(data);
  const uintptr_t first = (begin + page - 1) / page * page;
  const uintptr_t last = (begin + size) / page * page;
  std::vector<unsigned char> v((last - first) / page);
  if (::mincore(reinterpret_cast<void*>(first), last - first, v.data()) != 0) return 0;
  size_t n = 0;
  for (unsigned char c : v) n += c & 1;
  return n;
}

// A frame from another process (ipc://), received into malloc's heap as a
// training process keeps it (allocator_tuning.h: freed blocks stay), keeps
// its pages when freed outside a scope and gives them back inside one.
TEST(RecvFramesTest, ALargeFrameFreedInAScopeGivesItsPagesBack) {
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  testing_util::ScratchDir dir;
  zmq::context_t ctx(1);
  zmq::socket_t in(ctx, zmq::socket_type::pull), out(ctx, zmq::socket_type::push);
  ConfigureSocket(in);
  ConfigureSocket(out);
  auto ep = BindSocket(in, "ipc://" + dir.path() + "/frames.sock");
  ASSERT_TRUE(ep.ok()) << ep.status().ToString();
  out.connect(*ep);
  const size_t bytes = size_t{4} << 20;
  for (bool scope : {false, true}) {
    ASSERT_TRUE(SendFrames(out, {Bytes::FromString(std::string(bytes, 'x'))}).ok());
    zmq::pollitem_t items[] = {{in.handle(), 0, ZMQ_POLLIN, 0}};
    ASSERT_TRUE(PollSockets(items, 1, std::chrono::seconds(10)).ok());
    auto got = RecvFrames(in, /*router=*/false, 4);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    ASSERT_EQ(got->frames.size(), 1u);
    const void* data = got->frames[0].data();
    ASSERT_EQ(got->frames[0].size(), bytes);
    const size_t pages = ResidentPagesInside(data, bytes);
    ASSERT_GT(pages, 0u);
    {
      std::optional<ReturnFreedFramesScope> returning;
      if (scope) returning.emplace();
      got->frames.clear();
    }
    if (scope) {
      EXPECT_LT(ResidentPagesInside(data, bytes), pages / 10);
    } else {
      EXPECT_GT(ResidentPagesInside(data, bytes), pages * 9 / 10);
    }
  }
}

TEST(ConfigureSocketTest, DefaultLimitIsTheWireLimit) {
  zmq::context_t ctx(1);
  zmq::socket_t s(ctx, zmq::socket_type::dealer);
  ConfigureSocket(s);
  EXPECT_EQ(s.get(zmq::sockopt::maxmsgsize), WireLimits{}.max_frame_bytes);
  EXPECT_EQ(s.get(zmq::sockopt::linger), 0);
}

}  // namespace
}  // namespace veritrain
