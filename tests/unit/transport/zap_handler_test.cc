// The ZAP handler and CURVE sockets together: a ZAP-guarded CURVE ROUTER
// admits a client whose key is listed (its request gets through, with the
// participant's name as user id) and refuses an unlisted key (the client's
// monitor reports the authentication failure, the server receives nothing
// from it, the handler counts one denial) and a client that speaks plain
// ZeroMQ. Without a handler a CURVE server admits nobody. Every wait is on
// a socket (the monitor's or the server's), with a bound; no sleeps.
#include "core/transport/zap_handler.h"

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

#include <gtest/gtest.h>

#include <optional>

#include "core/transport/curve.h"
#include "core/transport/zmq_frames.h"
#include "tests/support/socket_events.h"

namespace veritrain {
namespace {

using test_support::SocketEvents;
constexpr auto kWait = std::chrono::seconds(10);
constexpr int kHandshakeFailed = ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
                                 ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                                 ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL;

CurveKeyPair Keys() {
  auto k = CurveKeyPair::Generate();
  EXPECT_TRUE(k.ok()) << k.status().ToString();
  return *k;
}

// One message waiting on `router` within `timeout`: its payload (the frame
// after the routing id) and the ZAP user id ZeroMQ attached to it.
struct Received {
  std::string payload;
  std::string user_id;
};
std::optional<Received> Receive(zmq::socket_t& router, std::chrono::milliseconds timeout) {
  zmq::pollitem_t items[] = {{router.handle(), 0, ZMQ_POLLIN, 0}};
  auto ready = PollSockets(items, 1, timeout);
  if (!ready.ok() || *ready == 0) return std::nullopt;
  zmq::message_t id, payload;
  if (!router.recv(id, zmq::recv_flags::dontwait) || !router.recv(payload)) {
    return std::nullopt;
  }
  const char* user = payload.gets("User-Id");
  return Received{payload.to_string(), user != nullptr ? user : ""};
}

class ZapHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto zap = ZapHandler::Start(ctx_, {{alice_.public_key, "alice"}});
    ASSERT_TRUE(zap.ok()) << zap.status().ToString();
    zap_ = std::move(*zap);
    ConfigureSocket(server_);
    ASSERT_TRUE(MakeCurveServer(server_, server_keys_).ok());
    auto ep = BindSocket(server_, "tcp://127.0.0.1:*");
    ASSERT_TRUE(ep.ok()) << ep.status().ToString();
    endpoint_ = *ep;
  }

  // A DEALER that tries once (no reconnection), so that one refused
  // handshake is one denial.
  zmq::socket_t Client() {
    zmq::socket_t s(ctx_, zmq::socket_type::dealer);
    ConfigureSocket(s);
    s.set(zmq::sockopt::reconnect_ivl, -1);
    return s;
  }
  zmq::socket_t CurveClient(const CurveKeyPair& keys) {
    zmq::socket_t s = Client();
    EXPECT_TRUE(MakeCurveClient(s, keys, server_keys_.public_key).ok());
    return s;
  }

  // A listed client's message is the first and only one the server gets:
  // nothing a refused client sent before it arrived.
  void ExpectOnlyAListedClientGetsThrough() {
    zmq::socket_t alice = CurveClient(alice_);
    alice.connect(endpoint_);
    ASSERT_TRUE(SendFrames(alice, {Bytes::FromString("hello")}).ok());
    auto got = Receive(server_, kWait);
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->payload, "hello");
    EXPECT_FALSE(Receive(server_, std::chrono::milliseconds(0)).has_value());
  }

  zmq::context_t ctx_{1};
  CurveKeyPair server_keys_ = Keys();
  CurveKeyPair alice_ = Keys();
  std::unique_ptr<ZapHandler> zap_;  // outlives server_
  zmq::socket_t server_{ctx_, zmq::socket_type::router};
  std::string endpoint_;
};

TEST_F(ZapHandlerTest, AListedClientIsAdmittedAndItsRequestGetsThrough) {
  zmq::socket_t client = CurveClient(alice_);
  SocketEvents events(ctx_, client);
  client.connect(endpoint_);
  ASSERT_EQ(events.WaitFor(ZMQ_EVENT_HANDSHAKE_SUCCEEDED | kHandshakeFailed, kWait),
            ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
  ASSERT_TRUE(SendFrames(client, {Bytes::FromString("hello")}).ok());
  auto got = Receive(server_, kWait);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->payload, "hello");
  EXPECT_EQ(got->user_id, "alice");
  EXPECT_EQ(zap_->admissions(), 1);
  EXPECT_EQ(zap_->denials(), 0);
}

TEST_F(ZapHandlerTest, AnUnlistedKeyIsRefusedAndCounted) {
  zmq::socket_t mallory = CurveClient(Keys());
  SocketEvents events(ctx_, mallory);
  mallory.connect(endpoint_);
  // Queued, or refused at once when the connection has already failed
  // (it is not retried): either way it must never arrive.
  (void)SendFrames(mallory, {Bytes::FromString("let me in")});
  ASSERT_EQ(events.WaitFor(ZMQ_EVENT_HANDSHAKE_SUCCEEDED | kHandshakeFailed, kWait),
            ZMQ_EVENT_HANDSHAKE_FAILED_AUTH);
  // The handler counts a denial before it answers, so the count is in.
  EXPECT_EQ(zap_->denials(), 1);
  EXPECT_EQ(zap_->admissions(), 0);
  // mallory's connection was closed during the handshake, so its queued
  // message never left.
  ExpectOnlyAListedClientGetsThrough();
  EXPECT_EQ(zap_->denials(), 1);
}

TEST_F(ZapHandlerTest, APlainClientIsRefused) {
  zmq::socket_t plain = Client();
  SocketEvents events(ctx_, plain);
  plain.connect(endpoint_);
  (void)SendFrames(plain, {Bytes::FromString("no crypto")});  // as above
  // The mechanisms (NULL against CURVE) differ in the greeting already.
  ASSERT_EQ(events.WaitFor(ZMQ_EVENT_HANDSHAKE_SUCCEEDED | kHandshakeFailed, kWait),
            ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL);
  ExpectOnlyAListedClientGetsThrough();
}

TEST_F(ZapHandlerTest, AClientThatDoesNotKnowTheServersKeyIsRefused) {
  zmq::socket_t client = Client();
  ASSERT_TRUE(MakeCurveClient(client, alice_, Keys().public_key).ok());
  SocketEvents events(ctx_, client);
  client.connect(endpoint_);
  EXPECT_NE(events.WaitFor(ZMQ_EVENT_HANDSHAKE_SUCCEEDED | kHandshakeFailed, kWait),
            ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
  EXPECT_EQ(zap_->admissions(), 0);
}

TEST_F(ZapHandlerTest, OnlyOneHandlerPerContext) {
  auto second = ZapHandler::Start(ctx_, {});
  EXPECT_EQ(second.status().code(), Status::Code::kUnavailable);
}

TEST_F(ZapHandlerTest, RequestsFollowRfc27) {
  // A REQ socket in the handler's context speaks to it directly.
  zmq::socket_t req(ctx_, zmq::socket_type::req);
  req.set(zmq::sockopt::linger, 0);
  req.connect(kZapEndpoint);
  auto ask = [&](std::vector<std::string> frames) {
    for (size_t i = 0; i < frames.size(); ++i) {
      zmq::message_t m(frames[i]);
      req.send(m, i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
    }
    std::vector<std::string> reply;
    zmq::pollitem_t items[] = {{req.handle(), 0, ZMQ_POLLIN, 0}};
    if (!PollSockets(items, 1, kWait).ok() || !(items[0].revents & ZMQ_POLLIN)) return reply;
    while (true) {
      zmq::message_t m;
      if (!req.recv(m)) break;
      reply.push_back(m.to_string());
      if (!m.more()) break;
    }
    return reply;
  };
  std::array<uint8_t, 32> raw{};
  ASSERT_NE(zmq_z85_decode(raw.data(), alice_.public_key.c_str()), nullptr);
  const std::string alice_raw(raw.begin(), raw.end());
  EXPECT_EQ(ask({"1.0", "7", kCurveZapDomain, "10.0.0.1", "", "CURVE", alice_raw}),
            (std::vector<std::string>{"1.0", "7", "200", "OK", "alice", ""}));
  auto refused = ask({"1.0", "8", kCurveZapDomain, "10.0.0.2", "", "CURVE",
                      std::string(32, '\x01')});
  ASSERT_EQ(refused.size(), 6u);
  EXPECT_EQ(refused[1], "8");
  EXPECT_EQ(refused[2], "400");
  EXPECT_EQ(refused[4], "");
  EXPECT_EQ(ask({"1.0", "9", kCurveZapDomain, "10.0.0.3", "", "NULL"})[2], "400");
  EXPECT_EQ(ask({"2.0", "10"})[2], "400");
  EXPECT_EQ(zap_->denials(), 3);
  EXPECT_EQ(zap_->admissions(), 1);
}

// A refused client retries every 100 ms; a persistent outsider's refusals
// are counted one by one but written to the log only the first few times
// (then one count per period).
TEST_F(ZapHandlerTest, APersistentOutsiderFillsNoLog) {
  std::ostringstream captured;
  auto previous = spdlog::default_logger();
  auto capture = std::make_shared<spdlog::logger>(
      "capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(captured));
  spdlog::set_default_logger(capture);
  zmq::socket_t req(ctx_, zmq::socket_type::req);
  req.set(zmq::sockopt::linger, 0);
  req.connect(kZapEndpoint);
  for (int i = 0; i < 200; ++i) {
    for (const std::string& f : {std::string("1.0"), std::to_string(i),
                                 std::string(kCurveZapDomain), std::string("10.0.0.9"),
                                 std::string(), std::string("CURVE")}) {
      zmq::message_t m(f);
      req.send(m, zmq::send_flags::sndmore);
    }
    zmq::message_t key(std::string(32, '\x02'));
    req.send(key, zmq::send_flags::none);
    zmq::pollitem_t items[] = {{req.handle(), 0, ZMQ_POLLIN, 0}};
    ASSERT_TRUE(PollSockets(items, 1, kWait).ok());
    ASSERT_TRUE(items[0].revents & ZMQ_POLLIN);
    while (true) {
      zmq::message_t m;
      if (!req.recv(m) || !m.more()) break;
    }
  }
  spdlog::set_default_logger(previous);
  EXPECT_EQ(zap_->denials(), 200);
  const std::string log = captured.str();
  int64_t lines = 0;
  for (size_t at = log.find("ZAP: refused"); at != std::string::npos;
       at = log.find("ZAP: refused", at + 1)) {
    ++lines;
  }
  EXPECT_GE(lines, 5);
  EXPECT_LE(lines, 6) << log;  // 5 in full, at most one count within the period
}

TEST(ZapHandlerStartTest, AMalformedAllowedKeyIsNamed) {
  zmq::context_t ctx(1);
  auto zap = ZapHandler::Start(ctx, {{"not a key", "bob"}});
  ASSERT_EQ(zap.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(zap.status().message().find("bob"), std::string::npos);
}

TEST(CurveServerTest, WithoutAHandlerNobodyIsAdmitted) {
  // Plain libzmq would admit any key here; the enforced ZAP domain does not.
  zmq::context_t ctx(1);
  CurveKeyPair server_keys = Keys(), alice = Keys();
  zmq::socket_t server(ctx, zmq::socket_type::router);
  ConfigureSocket(server);
  ASSERT_TRUE(MakeCurveServer(server, server_keys).ok());
  auto ep = BindSocket(server, "tcp://127.0.0.1:*");
  ASSERT_TRUE(ep.ok());
  SocketEvents server_events(ctx, server);
  zmq::socket_t client(ctx, zmq::socket_type::dealer);
  ConfigureSocket(client);
  client.set(zmq::sockopt::reconnect_ivl, -1);
  ASSERT_TRUE(MakeCurveClient(client, alice, server_keys.public_key).ok());
  client.connect(*ep);
  (void)SendFrames(client, {Bytes::FromString("hello")});  // may fail: see above
  EXPECT_EQ(server_events.WaitFor(ZMQ_EVENT_HANDSHAKE_SUCCEEDED | kHandshakeFailed, kWait),
            ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL);
  EXPECT_FALSE(Receive(server, std::chrono::milliseconds(0)).has_value());
}

}  // namespace
}  // namespace veritrain
