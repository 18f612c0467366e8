// Network faults injected by the Messenger (core/transport/fault_plan.h):
// the seeded decision stream, and what each fault does to delivery over
// real ZeroMQ sockets (inproc).
#include <gtest/gtest.h>

#include <chrono>

#include "core/transport/fault_plan.h"
#include "core/transport/messenger.h"
#include "core/transport/zmq_frames.h"
#include "core/wire/messages/all.h"

namespace veritrain {
namespace {

FaultPlan Plan(double drop, double duplicate, double reorder, double delay, uint64_t seed = 9) {
  FaultPlan p;
  p.drop = drop;
  p.duplicate = duplicate;
  p.reorder = reorder;
  p.delay = delay;
  p.seed = seed;
  return p;
}

std::vector<FaultKind> Draw(const FaultPlan& plan, const std::string& who, int n) {
  FaultStream s(plan, who);
  std::vector<FaultKind> out;
  for (int i = 0; i < n; ++i) out.push_back(s.Next().kind);
  return out;
}

TEST(FaultStream, SameSeedAndParticipantGiveTheSameDecisions) {
  const FaultPlan plan = Plan(0.1, 0.05, 0.05, 0.05);
  EXPECT_EQ(Draw(plan, "solver-1", 500), Draw(plan, "solver-1", 500));
  EXPECT_NE(Draw(plan, "solver-1", 500), Draw(plan, "verifier-1", 500));
  EXPECT_NE(Draw(plan, "solver-1", 500), Draw(Plan(0.1, 0.05, 0.05, 0.05, 10), "solver-1", 500));
}

TEST(FaultStream, RatesAreThePlans) {
  const int n = 20000;
  std::map<FaultKind, int> seen;
  for (FaultKind k : Draw(Plan(0.1, 0.05, 0.2, 0.15), "arbiter", n)) ++seen[k];
  EXPECT_NEAR(seen[FaultKind::kDrop] / double(n), 0.10, 0.01);
  EXPECT_NEAR(seen[FaultKind::kDuplicate] / double(n), 0.05, 0.01);
  EXPECT_NEAR(seen[FaultKind::kReorder] / double(n), 0.20, 0.01);
  EXPECT_NEAR(seen[FaultKind::kDelay] / double(n), 0.15, 0.01);
  EXPECT_NEAR(seen[FaultKind::kDeliver] / double(n), 0.50, 0.015);
}

TEST(FaultStream, DelaysStayWithinTheMaximum) {
  FaultPlan plan = Plan(0, 0, 0, 1);
  plan.max_delay_ms = 7;
  FaultStream s(plan, "x");
  for (int i = 0; i < 1000; ++i) {
    const FaultDecision d = s.Next();
    ASSERT_EQ(d.kind, FaultKind::kDelay);
    EXPECT_GE(d.hold_ms, 1);
    EXPECT_LE(d.hold_ms, 7);
  }
}

TEST(FaultPlan, BadPlansNameTheField) {
  auto err = [](const nlohmann::json& j) { return FaultPlan::FromJson(j).status().message(); };
  EXPECT_NE(err({{"drop", 1.5}}).find("faults.drop"), std::string::npos);
  EXPECT_NE(err({{"reorder", -0.1}}).find("faults.reorder"), std::string::npos);
  EXPECT_NE(err({{"drop", 0.6}, {"duplicate", 0.6}}).find("exceeds 1"), std::string::npos);
  EXPECT_NE(err({{"max_delay_ms", 0}}).find("faults.max_delay_ms"), std::string::npos);
  EXPECT_NE(err({{"delay", "often"}}).find("faults.delay"), std::string::npos);
  auto ok = FaultPlan::FromJson(Plan(0.1, 0.05, 0.05, 0).ToJson());
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->ToJson(), Plan(0.1, 0.05, 0.05, 0).ToJson());
  EXPECT_TRUE(ok->any());
  EXPECT_FALSE(FaultPlan{}.any());
}

class InjectedFaults : public ::testing::Test {
 protected:
  InjectedFaults()
      : alice_id_(Identity::Generate()),
        bob_id_(Identity::Generate()),
        out_(ctx_, zmq::socket_type::pair),
        in_(ctx_, zmq::socket_type::pair) {
    keys_.Add("alice", alice_id_.public_key());
    keys_.Add("bob", bob_id_.public_key());
    in_.bind("inproc://faults");
    out_.connect("inproc://faults");
  }
  // Sends heartbeats 1..n from alice.
  void SendBeats(int n) {
    Messenger alice("alice", alice_id_, keys_);
    for (int i = 1; i <= n; ++i) ASSERT_TRUE(alice.Send(out_, Pack(Heartbeat{i})).ok());
  }
  // What bob receives until `want` messages arrived or nothing more comes
  // within 2 s: the heartbeats' numbers in delivery order.
  std::vector<int64_t> ReceiveBeats(Messenger& bob, size_t want) {
    std::vector<int64_t> got;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (got.size() < want && std::chrono::steady_clock::now() < deadline) {
      zmq::pollitem_t items[] = {{in_.handle(), 0, ZMQ_POLLIN, 0}};
      (void)PollSockets(items, 1, bob.PollTimeout(std::chrono::milliseconds(100)));
      while (true) {
        auto m = bob.Receive(in_, false, guard_);
        if (!m.ok()) {
          if (m.status().code() == Status::Code::kNotFound) break;
          continue;
        }
        got.push_back(Unpack<Heartbeat>(*m)->beat);
      }
    }
    return got;
  }

  zmq::context_t ctx_;
  Identity alice_id_, bob_id_;
  KeyDirectory keys_;
  zmq::socket_t out_, in_;
  ReplayGuard guard_;
};

TEST_F(InjectedFaults, DroppedMessagesNeverArrive) {
  Messenger bob("bob", bob_id_, keys_);
  bob.InjectFaults(Plan(1, 0, 0, 0));
  SendBeats(5);
  // Every message is drawn and dropped; nothing is held back.
  zmq::pollitem_t items[] = {{in_.handle(), 0, ZMQ_POLLIN, 0}};
  ASSERT_EQ(zmq::poll(items, 1, std::chrono::milliseconds(2000)), 1);
  EXPECT_EQ(bob.Receive(in_, false, guard_).status().code(), Status::Code::kNotFound);
  // Inproc delivers the 5 in order; the first poll may see only some.
  int64_t dropped = bob.faults().at("dropped");
  while (dropped < 5) {
    ASSERT_EQ(zmq::poll(items, 1, std::chrono::milliseconds(2000)), 1);
    EXPECT_EQ(bob.Receive(in_, false, guard_).status().code(), Status::Code::kNotFound);
    dropped = bob.faults().at("dropped");
  }
  EXPECT_EQ(dropped, 5);
  EXPECT_EQ(bob.messages_received(), 0);
  EXPECT_EQ(bob.PollTimeout(std::chrono::milliseconds(1234)).count(), 1234);
}

TEST_F(InjectedFaults, DuplicatesAreRefusedAsReplays) {
  Messenger bob("bob", bob_id_, keys_);
  bob.InjectFaults(Plan(0, 1, 0, 0));
  SendBeats(3);
  EXPECT_EQ(ReceiveBeats(bob, 3), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(bob.faults().at("duplicated"), 3);
  EXPECT_EQ(bob.rejects().at("replayed"), 3);
}

TEST_F(InjectedFaults, DelayedMessagesArriveLaterAndPollTimeoutSaysWhen) {
  Messenger bob("bob", bob_id_, keys_);
  FaultPlan plan = Plan(0, 0, 0, 1);
  plan.max_delay_ms = 40;
  bob.InjectFaults(plan);
  SendBeats(1);
  zmq::pollitem_t items[] = {{in_.handle(), 0, ZMQ_POLLIN, 0}};
  ASSERT_EQ(zmq::poll(items, 1, std::chrono::milliseconds(2000)), 1);
  // Held back: not delivered by the Receive that took it off the socket...
  EXPECT_EQ(bob.Receive(in_, false, guard_).status().code(), Status::Code::kNotFound);
  EXPECT_EQ(bob.faults().at("delayed"), 1);
  EXPECT_LE(bob.PollTimeout(std::chrono::milliseconds(5000)).count(), 40);
  // ...but by one once it is due.
  EXPECT_EQ(ReceiveBeats(bob, 1), (std::vector<int64_t>{1}));
}

TEST_F(InjectedFaults, AReorderedMessageIsOvertakenByTheNext) {
  // A participant name whose stream starts "reorder, deliver" for this plan.
  const FaultPlan plan = Plan(0, 0, 0.5, 0);
  std::string name;
  for (int i = 0; name.empty(); ++i) {
    const std::string candidate = "bob-" + std::to_string(i);
    const auto kinds = Draw(plan, candidate, 2);
    if (kinds[0] == FaultKind::kReorder && kinds[1] == FaultKind::kDeliver) name = candidate;
  }
  keys_.Add(name, bob_id_.public_key());
  Messenger bob(name, bob_id_, keys_);
  bob.InjectFaults(plan);
  SendBeats(2);
  EXPECT_EQ(ReceiveBeats(bob, 2), (std::vector<int64_t>{2, 1}));
  EXPECT_EQ(bob.faults().at("reordered"), 1);
  EXPECT_TRUE(bob.rejects().empty());  // the late one is new to the replay guard
}

}  // namespace
}  // namespace veritrain
