// Socket limits (ConfigureSocket): a frame larger than the limit never
// reaches the receiver — ZeroMQ drops that peer's connection — and the
// receiver keeps serving other peers.
#include "core/transport/zmq_frames.h"

#include <gtest/gtest.h>

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

TEST(ConfigureSocketTest, DefaultLimitIsTheWireLimit) {
  zmq::context_t ctx(1);
  zmq::socket_t s(ctx, zmq::socket_type::dealer);
  ConfigureSocket(s);
  EXPECT_EQ(s.get(zmq::sockopt::maxmsgsize), WireLimits{}.max_frame_bytes);
  EXPECT_EQ(s.get(zmq::sockopt::linger), 0);
}

}  // namespace
}  // namespace veritrain
