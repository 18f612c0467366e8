// The Messenger over real ZeroMQ sockets (inproc): signed messages arrive
// with their tensors intact; a forged, replayed or garbage message is
// rejected, counted by reason, and the receiver keeps working.
#include "core/transport/messenger.h"

#include <gtest/gtest.h>

#include "core/state/state_hash.h"
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

// A checkpoint reply of `sizes[i]` bytes in tensor "p<i>" (u8, filled
// with i), claiming its true state hash.
CheckpointReply CheckpointOf(const std::vector<size_t>& sizes) {
  CheckpointReply c;
  c.index = 3;
  for (size_t i = 0; i < sizes.size(); ++i) {
    c.tensors.push_back(TensorData{
        "p" + std::to_string(i),
        DType::kUInt8,
        {static_cast<int64_t>(sizes[i])},
        Bytes::FromString(std::string(sizes[i], static_cast<char>(i)))});
  }
  c.state_hash = *StateHash(c.tensors);
  return c;
}

// The receiver's side of a checkpoint fetch, hashing on two threads: every
// frame checked against its signed hash, and the state hash derived from
// those hashes is the one computed from scratch; a claimed hash that is
// not the tensors' does not match it.
TEST_F(MessengerTest, CheckpointHashedOnTwoThreadsGivesTheStateHash) {
  Messenger alice("alice", alice_id_, keys_), bob("bob", bob_id_, keys_);
  bob.set_hash_threads(2);
  ASSERT_EQ(bob.hash_threads(), 2);
  const CheckpointReply sent = CheckpointOf({3 << 20, 5, 1 << 20, 0, 2 << 20});
  ASSERT_TRUE(alice.Send(push_, Pack(sent, "t")).ok());
  auto m = Next(bob);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  auto got = Unpack<CheckpointReply>(*m);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->tensor_hashes.size(), sent.tensors.size());
  for (size_t i = 0; i < sent.tensors.size(); ++i) {
    EXPECT_EQ(got->tensor_hashes[i], TensorHash(sent.tensors[i])) << i;
  }
  auto derived = StateHashWithTensorHashes(got->tensors, got->tensor_hashes);
  ASSERT_TRUE(derived.ok()) << derived.status().ToString();
  EXPECT_EQ(*derived, sent.state_hash);
  EXPECT_EQ(got->state_hash, sent.state_hash);

  // The same tensors claiming another state's hash: signed and delivered,
  // but the derived hash gives it away.
  CheckpointReply lying = sent;
  lying.state_hash =
      *StateHash(CheckpointOf({3 << 20, 5, 1 << 20, 0, 7}).tensors);
  ASSERT_TRUE(alice.Send(push_, Pack(lying, "t")).ok());
  auto m2 = Next(bob);
  ASSERT_TRUE(m2.ok()) << m2.status().ToString();
  auto got2 = Unpack<CheckpointReply>(*m2);
  ASSERT_TRUE(got2.ok());
  auto derived2 = StateHashWithTensorHashes(got2->tensors, got2->tensor_hashes);
  ASSERT_TRUE(derived2.ok());
  EXPECT_NE(*derived2, got2->state_hash);
  EXPECT_EQ(*derived2, sent.state_hash);
}

TEST_F(MessengerTest, CheckpointWithAFlippedByteIsRejectedOnTwoThreads) {
  Messenger alice("alice", alice_id_, keys_), bob("bob", bob_id_, keys_);
  bob.set_hash_threads(2);
  const CheckpointReply c = CheckpointOf({2 << 20, 1 << 20, 9, 2 << 20});
  Message out = Pack(c, "t");
  out.from = "alice";
  uint64_t seq = 1ull << 62;
  for (size_t i = 0; i < c.tensors.size(); ++i) {
    out.seq = ++seq;
    auto frames = EncodeMessage(out, alice_id_);
    std::string t = frames[2 + i].ToString();
    t[t.size() / 2] ^= 1;  // in transit, under a genuine signature
    frames[2 + i] = Bytes::FromString(std::move(t));
    ASSERT_TRUE(SendFrames(push_, frames).ok());
    auto m = Next(bob);
    ASSERT_FALSE(m.ok()) << "tensor " << i;
    EXPECT_NE(m.status().message().find("tensor 'p" + std::to_string(i) + "'"),
              std::string::npos)
        << m.status().ToString();
  }
  EXPECT_EQ(bob.rejects().at("tensor_hash_mismatch"),
            static_cast<int64_t>(c.tensors.size()));
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
