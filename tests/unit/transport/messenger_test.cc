// The Messenger over real ZeroMQ sockets (inproc): signed messages arrive
// with their tensors intact; a forged, replayed or garbage message is
// rejected, counted by reason, and the receiver keeps working.
#include "core/transport/messenger.h"

#include <gtest/gtest.h>

#include "core/transport/zmq_frames.h"
#include "core/wire/messages/all.h"

namespace veritrain {
namespace {

class MessengerTest : public ::testing::Test {
 protected:
  MessengerTest()
      : alice_id_(Identity::Generate()),
        bob_id_(Identity::Generate()),
        mallory_id_(Identity::Generate()),
        push_(ctx_, zmq::socket_type::pair),
        pull_(ctx_, zmq::socket_type::pair) {
    keys_.Add("alice", alice_id_.public_key());
    keys_.Add("bob", bob_id_.public_key());
    pull_.bind("inproc://m");
    push_.connect("inproc://m");
  }
  Result<Message> Next(Messenger& bob) {
    zmq::pollitem_t items[] = {{pull_.handle(), 0, ZMQ_POLLIN, 0}};
    zmq::poll(items, 1, std::chrono::milliseconds(5000));
    return bob.Receive(pull_, false, guard_);
  }

  zmq::context_t ctx_;
  Identity alice_id_, bob_id_, mallory_id_;
  KeyDirectory keys_;
  zmq::socket_t push_, pull_;
  ReplayGuard guard_;
};

TEST_F(MessengerTest, SignedMessageWithTensorsArrives) {
  Messenger alice("alice", alice_id_, keys_), bob("bob", bob_id_, keys_);
  CheckpointReply c;
  c.index = 1;
  c.tensors = {TensorData{"x", DType::kFloat64, {3}, Bytes::FromString(std::string(24, '\7'))}};
  ASSERT_TRUE(alice.Send(push_, Pack(c, "t")).ok());
  auto m = Next(bob);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->from, "alice");
  EXPECT_GT(m->seq, 1600000000000000u);  // microseconds since 1970, after 2020
  ASSERT_EQ(m->tensors.size(), 1u);
  EXPECT_EQ(m->tensors[0].bytes.view(), std::string(24, '\7'));
  EXPECT_GT(alice.bytes_sent(), 24);
  EXPECT_EQ(bob.messages_received(), 1);
}

TEST_F(MessengerTest, ForgedReplayedAndGarbageAreCountedAndSurvived) {
  Messenger alice("alice", alice_id_, keys_), bob("bob", bob_id_, keys_);
  // Mallory signs with her own key but claims to be alice.
  Messenger mallory("alice", mallory_id_, keys_);
  ASSERT_TRUE(mallory.Send(push_, Pack(Heartbeat{1})).ok());
  EXPECT_FALSE(Next(bob).ok());
  EXPECT_EQ(bob.rejects().at("bad_signature"), 1);

  // Garbage frames.
  ASSERT_TRUE(SendFrames(push_, {Bytes::FromString("not json"), Bytes::FromString("x")}).ok());
  EXPECT_FALSE(Next(bob).ok());

  // A genuine message, then the very same frames again (a replay).
  Message hb = Pack(Heartbeat{2});
  hb.from = "alice";
  hb.seq = 1ull << 62;  // beyond any clock-based seq
  auto frames = EncodeMessage(hb, alice_id_);
  ASSERT_TRUE(SendFrames(push_, frames).ok());
  ASSERT_TRUE(Next(bob).ok());
  ASSERT_TRUE(SendFrames(push_, frames).ok());
  EXPECT_FALSE(Next(bob).ok());
  EXPECT_EQ(bob.rejects().at("replayed"), 1);

  int64_t total = 0;
  for (const auto& [reason, n] : bob.rejects()) total += n;
  EXPECT_EQ(total, 3);
  // Still working: the next genuine message is delivered.
  hb.seq = (1ull << 62) + 1;
  ASSERT_TRUE(SendFrames(push_, EncodeMessage(hb, alice_id_)).ok());
  auto next = Next(bob);
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(next->seq, (1ull << 62) + 1);
}

// An outsider who captured one of bob's own signed messages (the arbiter's
// events are public) sends it back to him: genuine signature, unseen
// sequence number on this socket, but never input. Dropped and counted.
TEST_F(MessengerTest, OwnMessagesSentBackAreRejectedAsOwnKey) {
  Messenger bob("bob", bob_id_, keys_);
  zmq::socket_t elsewhere(ctx_, zmq::socket_type::pair);
  elsewhere.bind("inproc://captured");
  zmq::socket_t tap(ctx_, zmq::socket_type::pair);
  tap.connect("inproc://captured");
  TaskSettled settled{"accepted", "every verifier accepted", nlohmann::json::object()};
  ASSERT_TRUE(bob.Send(elsewhere, Pack(settled, "task-0001")).ok());
  zmq::pollitem_t items[] = {{tap.handle(), 0, ZMQ_POLLIN, 0}};
  zmq::poll(items, 1, std::chrono::milliseconds(5000));
  auto captured = RecvFrames(tap, false, 16);
  ASSERT_TRUE(captured.ok()) << captured.status().ToString();
  ASSERT_TRUE(SendFrames(push_, captured->frames).ok());
  auto m = Next(bob);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("own_key"), std::string::npos) << m.status().ToString();
  EXPECT_EQ(bob.rejects().at("own_key"), 1);
  EXPECT_EQ(bob.messages_received(), 0);
}

TEST_F(MessengerTest, RejectCountsTheCallersOwnReasons) {
  Messenger bob("bob", bob_id_, keys_);
  for (int i = 0; i < 1000; ++i) bob.Reject("not_a_request", "a task_settled from alice");
  EXPECT_EQ(bob.rejects().at("not_a_request"), 1000);
}

TEST(Messenger, DrainStopsWhenTheContextIsTerminated) {
  zmq::context_t ctx;
  zmq::socket_t s(ctx, zmq::socket_type::pair);
  s.bind("inproc://drain-terminated");
  Identity id = Identity::Generate();
  KeyDirectory keys;
  keys.Add("me", id.public_key());
  Messenger me("me", id, keys);
  ReplayGuard guard;
  ctx.shutdown();  // every later operation on s fails with ETERM
  Status st = me.Drain(s, false, guard, [](const Message&, const std::string&) {
    return Status::Ok();
  });
  EXPECT_EQ(st.code(), Status::Code::kUnavailable) << st.ToString();
  EXPECT_TRUE(me.rejects().empty());
}

TEST(ZmqFrames, NothingWaitingIsNotFound) {
  zmq::context_t ctx;
  zmq::socket_t s(ctx, zmq::socket_type::pair);
  s.bind("inproc://empty");
  auto r = RecvFrames(s, false, 16);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kNotFound);
}

TEST(ZmqFrames, BindReportsTheChosenTcpPort) {
  zmq::context_t ctx;
  zmq::socket_t s(ctx, zmq::socket_type::router);
  auto ep = BindSocket(s, "tcp://127.0.0.1:*");
  ASSERT_TRUE(ep.ok()) << ep.status().ToString();
  EXPECT_EQ(ep->rfind("tcp://127.0.0.1:", 0), 0u);
  EXPECT_NE(ep->back(), '*');
}

}  // namespace
}  // namespace veritrain
