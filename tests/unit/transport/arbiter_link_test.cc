// ArbiterLink's requests over real ZeroMQ sockets (inproc), against a
// stand-in arbiter: a request without a reply is resent with the same
// request id and a new sequence number, on the retry policy's back-off;
// the first reply completes it; a second reply (the answer to a resend) is
// dropped; heartbeats go out on their period, from a socket and thread of
// their own, while the link's owner is busy and never calls Tick(); an
// event waiting unread is not the arbiter falling silent.
#include "core/transport/arbiter_link.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/transport/zmq_frames.h"
#include "core/wire/messages/all.h"

namespace veritrain {
namespace {

TEST(RetryPolicy, BackoffDoublesUpToTheMaximum) {
  RetryPolicy p;
  p.initial_ms = 100;
  p.max_ms = 700;
  EXPECT_EQ(p.BackoffMs(1), 100);
  EXPECT_EQ(p.BackoffMs(2), 200);
  EXPECT_EQ(p.BackoffMs(3), 400);
  EXPECT_EQ(p.BackoffMs(4), 700);
  EXPECT_EQ(p.BackoffMs(60), 700);
}

TEST(RetryPolicy, BadPoliciesNameTheField) {
  EXPECT_NE(RetryPolicy::FromJson({{"initial_ms", 0}}).status().message().find("retry.initial_ms"),
            std::string::npos);
  EXPECT_NE(RetryPolicy::FromJson({{"initial_ms", 500}, {"max_ms", 100}}).status().message().find(
                "retry.max_ms"),
            std::string::npos);
  EXPECT_NE(RetryPolicy::FromJson({{"heartbeat_ms", -1}}).status().message().find(
                "retry.heartbeat_ms"),
            std::string::npos);
  // Heartbeats no more often than the silence they are to prevent: every
  // participant would be taken for silent.
  EXPECT_NE(RetryPolicy::FromJson({{"heartbeat_ms", 800}, {"silence_ms", 800}})
                .status()
                .message()
                .find("retry.heartbeat_ms: must be below retry.silence_ms"),
            std::string::npos);
  EXPECT_TRUE(RetryPolicy::FromJson({{"heartbeat_ms", 0}, {"silence_ms", 1}}).ok());
  EXPECT_TRUE(RetryPolicy::FromJson({{"heartbeat_ms", 799}, {"silence_ms", 800}}).ok());
  auto round = RetryPolicy::FromJson(RetryPolicy{}.ToJson());
  ASSERT_TRUE(round.ok());
  EXPECT_EQ(round->ToJson(), RetryPolicy{}.ToJson());
}

class ArbiterLinkTest : public ::testing::Test {
 protected:
  ArbiterLinkTest()
      : arbiter_id_(Identity::Generate()),
        peer_id_(Identity::Generate()),
        router_(ctx_, zmq::socket_type::router),
        pub_(ctx_, zmq::socket_type::pub) {
    keys_.Add("arbiter", arbiter_id_.public_key());
    keys_.Add("peer", peer_id_.public_key());
    router_.bind("inproc://requests");
    pub_.bind("inproc://events");
  }
  // The next message the stand-in arbiter receives, driving the link's
  // resends and heartbeats while waiting (at most 5 s).
  Result<Message> ArbiterReceives(Messenger& arbiter, ArbiterLink& link, std::string* rid) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < deadline) {
      VT_RETURN_IF_ERROR(link.Tick());
      zmq::pollitem_t items[] = {{router_.handle(), 0, ZMQ_POLLIN, 0}};
      (void)PollSockets(items, 1, link.PollTimeout(std::chrono::milliseconds(100)));
      auto m = arbiter.Receive(router_, true, guard_, rid);
      if (m.ok() || m.status().code() != Status::Code::kNotFound) return m;
    }
    return Status::Timeout("nothing arrived");
  }

  zmq::context_t ctx_;
  Identity arbiter_id_, peer_id_;
  KeyDirectory keys_;
  zmq::socket_t router_, pub_;
  ReplayGuard guard_;
};

TEST_F(ArbiterLinkTest, AnUnansweredRequestIsResentWithItsIdUntilAnswered) {
  Messenger arbiter("arbiter", arbiter_id_, keys_), peer("peer", peer_id_, keys_);
  RetryPolicy retry;
  retry.initial_ms = 5;
  retry.max_ms = 20;
  retry.heartbeat_ms = 0;
  ArbiterLink link(ctx_, peer, "inproc://requests", "inproc://events", retry);
  ASSERT_TRUE(link.ConnectSockets().ok());
  auto rid = link.Request(Pack(Hello{"verifier", ""}));
  ASSERT_TRUE(rid.ok());
  EXPECT_TRUE(link.Pending(*rid));

  std::string routing;
  auto first = ArbiterReceives(arbiter, link, &routing);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  // Not answered: it comes again, the same request under a new seq.
  auto second = ArbiterReceives(arbiter, link, &routing);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(first->rid, *rid);
  EXPECT_EQ(second->rid, *rid);
  EXPECT_GT(second->seq, first->seq);
  EXPECT_EQ(second->type, Hello::kType);
  EXPECT_GE(link.resends(), 1);

  // Both copies answered: the link hands over one reply.
  for (int i = 0; i < 2; ++i) {
    Message ack = Pack(Ack{true, "", {{"copy", i}}});
    ack.rid = *rid;
    ASSERT_TRUE(arbiter.Send(router_, ack, &routing).ok());
  }
  std::vector<Message> replies;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (peer.messages_received() < 2 && std::chrono::steady_clock::now() < deadline) {
    zmq::pollitem_t items[] = {{link.dealer().handle(), 0, ZMQ_POLLIN, 0}};
    (void)PollSockets(items, 1, std::chrono::milliseconds(100));
    ASSERT_TRUE(link.DrainReplies("peer", [&](const Message& m) { replies.push_back(m); }).ok());
  }
  ASSERT_EQ(peer.messages_received(), 2);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(Unpack<Ack>(replies[0])->data["copy"], 0);
  EXPECT_FALSE(link.Pending(*rid));
  EXPECT_EQ(link.pending(), 0u);
}

TEST_F(ArbiterLinkTest, HeartbeatsGoOutOnTheirPeriodWithoutRequestIds) {
  Messenger arbiter("arbiter", arbiter_id_, keys_), peer("peer", peer_id_, keys_);
  RetryPolicy retry;
  retry.heartbeat_ms = 5;
  ArbiterLink link(ctx_, peer, "inproc://requests", "inproc://events", retry);
  ASSERT_TRUE(link.ConnectSockets().ok());
  std::string routing;
  for (int64_t beat = 0; beat < 3; ++beat) {
    auto m = ArbiterReceives(arbiter, link, &routing);
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    EXPECT_EQ(m->type, Heartbeat::kType);
    EXPECT_EQ(m->rid, 0u);
    EXPECT_EQ(Unpack<Heartbeat>(*m)->beat, beat);
  }
}

TEST_F(ArbiterLinkTest, HeartbeatsArriveWhileTheOwnerIsBusyFromASocketOfTheirOwn) {
  Messenger arbiter("arbiter", arbiter_id_, keys_), peer("peer", peer_id_, keys_);
  RetryPolicy retry;
  retry.heartbeat_ms = 5;
  retry.initial_ms = 60000;  // no resend of the hello within the test
  retry.max_ms = 60000;
  ArbiterLink link(ctx_, peer, "inproc://requests", "inproc://events", retry);
  ASSERT_TRUE(link.ConnectSockets().ok());
  auto rid = link.Request(Pack(Hello{"verifier", ""}));
  ASSERT_TRUE(rid.ok());
  // From here on this thread, the link's owner, is busy being the arbiter:
  // it never calls link.Tick() nor polls the link's sockets.
  std::string hello_routing;
  std::set<std::string> beat_routings;
  std::vector<int64_t> beats;
  // Four beats are awaited to check that three were counted: the link
  // counts a beat once its send has returned, which may be after the
  // arbiter received it; the fourth is sent only after the third counted.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while ((beats.size() < 4 || hello_routing.empty()) &&
         std::chrono::steady_clock::now() < deadline) {
    zmq::pollitem_t items[] = {{router_.handle(), 0, ZMQ_POLLIN, 0}};
    ASSERT_TRUE(PollSockets(items, 1, std::chrono::milliseconds(100)).ok());
    std::string routing;
    auto m = arbiter.Receive(router_, true, guard_, &routing);
    if (!m.ok()) {
      ASSERT_EQ(m.status().code(), Status::Code::kNotFound) << m.status().ToString();
      continue;
    }
    if (m->type == Hello::kType) {
      hello_routing = routing;
    } else {
      ASSERT_EQ(m->type, Heartbeat::kType);
      EXPECT_EQ(m->rid, 0u);
      beats.push_back(Unpack<Heartbeat>(*m)->beat);
      beat_routings.insert(routing);
    }
  }
  ASSERT_GE(beats.size(), 4u);
  ASSERT_FALSE(hello_routing.empty());
  for (size_t i = 0; i < beats.size(); ++i) EXPECT_EQ(beats[i], static_cast<int64_t>(i));
  // One heartbeat socket, not the request DEALER; both under one sender
  // name and one replay guard at the arbiter (every Receive above was ok).
  EXPECT_EQ(beat_routings.size(), 1u);
  EXPECT_EQ(beat_routings.count(hello_routing), 0u);
  EXPECT_GE(link.heartbeats(), 3);
  EXPECT_TRUE(link.Pending(*rid));
}

TEST_F(ArbiterLinkTest, AnEventWaitingUnreadIsNotTheArbiterFallingSilent) {
  Messenger arbiter("arbiter", arbiter_id_, keys_), peer("peer", peer_id_, keys_);
  RetryPolicy retry;
  retry.heartbeat_ms = 0;
  retry.silence_ms = 2;
  ArbiterLink link(ctx_, peer, "inproc://requests", "inproc://events", retry);
  ASSERT_TRUE(link.ConnectSockets().ok());
  // Published until one waits on the link's SUB (a subscription takes a
  // moment to be live); the link does not read it.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  bool waiting = false;
  for (int64_t i = 0; !waiting && std::chrono::steady_clock::now() < deadline; ++i) {
    ASSERT_TRUE(arbiter.Send(pub_, Pack(Heartbeat{i})).ok());
    zmq::pollitem_t items[] = {{link.sub().handle(), 0, ZMQ_POLLIN, 0}};
    auto n = PollSockets(items, 1, std::chrono::milliseconds(20));
    ASSERT_TRUE(n.ok());
    waiting = (items[0].revents & ZMQ_POLLIN) != 0;
  }
  ASSERT_TRUE(waiting);
  // What is tested is the passing of silence_ms itself, so time is let pass.
  std::this_thread::sleep_for(std::chrono::milliseconds(4 * retry.silence_ms));
  ASSERT_TRUE(link.Tick().ok());
  EXPECT_EQ(link.arbiter_silences(), 0);
  // Once read, with nothing more, the same wait is silence.
  while (true) {
    auto m = link.ReceiveEvent();
    if (!m.ok()) {
      ASSERT_EQ(m.status().code(), Status::Code::kNotFound) << m.status().ToString();
      break;
    }
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(4 * retry.silence_ms));
  ASSERT_TRUE(link.Tick().ok());
  EXPECT_EQ(link.arbiter_silences(), 1);
}

}  // namespace
}  // namespace veritrain

namespace veritrain {
namespace {

// Heartbeats that cannot be sent (the arbiter's socket gone, as when an
// in-process run ends before its submitter) are said once per streak, not
// once per beat: an in-process sweep's terminal filled with the line.
TEST(ArbiterLinkHeartbeats, AStreakOfFailedBeatsIsLoggedOnce) {
  zmq::context_t ctx;
  Identity arbiter_id = Identity::Generate(), peer_id = Identity::Generate();
  KeyDirectory keys;
  keys.Add("arbiter", arbiter_id.public_key());
  keys.Add("peer", peer_id.public_key());
  Messenger peer("peer", peer_id, keys);
  auto lines = std::make_shared<std::ostringstream>();
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(*lines);
  auto logger = spdlog::default_logger();
  logger->sinks().push_back(sink);
  {
    zmq::socket_t router(ctx, zmq::socket_type::router);
    router.bind("inproc://beats-requests");
    zmq::socket_t pub(ctx, zmq::socket_type::pub);
    pub.bind("inproc://beats-events");
    RetryPolicy retry;
    retry.heartbeat_ms = 1;
    ArbiterLink link(ctx, peer, "inproc://beats-requests", "inproc://beats-events", retry);
    ASSERT_TRUE(link.ConnectSockets().ok());
    // Until the first beat has gone out, then without the arbiter's socket
    // for many periods.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (link.heartbeats() == 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::yield();
    }
    ASSERT_GT(link.heartbeats(), 0);
    router.close();
    // Many beats that cannot go out, each a failure.
    while (link.heartbeats_failed() < 50 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::yield();
    }
    ASSERT_GE(link.heartbeats_failed(), 50);
  }
  logger->sinks().pop_back();
  const std::string said = lines->str();
  size_t count = 0;
  for (size_t at = said.find("peer: heartbeat: "); at != std::string::npos;
       at = said.find("peer: heartbeat: ", at + 1)) {
    ++count;
  }
  EXPECT_LE(count, 1u) << said;
}

}  // namespace
}  // namespace veritrain
