// Role reports: a role's refused messages, by reason, written at exit and
// read back by the runner for summary.json.
#include "core/role/role_report.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/transport/zmq_frames.h"
#include "core/wire/messages/all.h"
#include "tests/support/files.h"

namespace veritrain {
namespace {

namespace fs = std::filesystem;

TEST(RoleReportTest, RejectedMessagesAreWrittenAndReadBackByRole) {
  zmq::context_t ctx(1);
  zmq::socket_t a(ctx, zmq::socket_type::pair), b(ctx, zmq::socket_type::pair);
  b.bind("inproc://report");
  a.connect("inproc://report");
  KeyDirectory keys;
  Messenger bob("bob", Identity::Generate(), keys);
  ReplayGuard guard;
  ASSERT_TRUE(SendFrames(a, {Bytes::FromString("garbage")}).ok());
  ASSERT_TRUE(
      SendFrames(a, {Bytes::FromString("[[[["), Bytes::FromString("sig")})
          .ok());
  zmq::pollitem_t items[] = {{b.handle(), 0, ZMQ_POLLIN, 0}};
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(PollSockets(items, 1, std::chrono::seconds(5)).ok());
    EXPECT_FALSE(bob.Receive(b, false, guard).ok());
  }
  nlohmann::json report = RoleReport(bob);
  EXPECT_EQ(report.at("name"), "bob");
  EXPECT_EQ(report.at("rejected_messages"),
            (nlohmann::json{{"too_few_frames", 1}, {"bad_signature", 1}}));

  testing_util::ScratchDir scratch;
  const std::string dir = scratch.path();
  ASSERT_TRUE(WriteRoleReport(dir, bob, nullptr, {{"resends", 3}}).ok());
  auto by_role = ReadRejectedByRole(dir);
  ASSERT_TRUE(by_role.ok()) << by_role.status().ToString();
  EXPECT_EQ(*by_role, (nlohmann::json{{"bob", report["rejected_messages"]}}));
  // What the role adds, and the faults injected (none here), by role too.
  EXPECT_EQ(*ReadReportFieldByRole(dir, "resends"), (nlohmann::json{{"bob", 3}}));
  EXPECT_EQ(*ReadReportFieldByRole(dir, "faults_injected"),
            (nlohmann::json{{"bob", nlohmann::json::object()}}));
  EXPECT_EQ(*ReadReportFieldByRole(dir, "no_such_field"), nlohmann::json::object());
  // The process's peak memory: this test binary holds more than a MiB and
  // less than the machine.
  const int64_t peak = report.at("peak_rss_bytes").get<int64_t>();
  EXPECT_GT(peak, int64_t{1} << 20);
  EXPECT_LT(peak, int64_t{1} << 40);
}

TEST(RoleReportTest, CurveDenialsAreReportedOnlyByRolesWithAZapHandler) {
  zmq::context_t ctx(1);
  auto zap = ZapHandler::Start(ctx, {});
  ASSERT_TRUE(zap.ok()) << zap.status().ToString();
  KeyDirectory keys;
  Messenger arbiter("arbiter", Identity::Generate(), keys);
  Messenger verifier("verifier-1", Identity::Generate(), keys);
  EXPECT_EQ(RoleReport(arbiter, zap->get()).at("curve"),
            (nlohmann::json{{"denied", 0}, {"admitted", 0}}));
  EXPECT_FALSE(RoleReport(verifier).contains("curve"));

  testing_util::ScratchDir scratch;
  const std::string dir = scratch.path();
  ASSERT_TRUE(WriteRoleReport(dir, arbiter, zap->get()).ok());
  ASSERT_TRUE(WriteRoleReport(dir, verifier).ok());
  auto denials = ReadCurveDenialsByRole(dir);
  ASSERT_TRUE(denials.ok()) << denials.status().ToString();
  EXPECT_EQ(*denials, (nlohmann::json{{"arbiter", 0}}));

  std::ofstream(dir + "/reports/eve.json")
      << R"({"name": "eve", "rejected_messages": {}, "curve": {"denied": "many"}})";
  auto bad = ReadCurveDenialsByRole(dir);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("eve.json"), std::string::npos);
}

TEST(RoleReportTest, NoReportsIsEmptyAndABadReportIsNamed) {
  testing_util::ScratchDir scratch;
  const std::string dir = scratch.path();
  auto none = ReadRejectedByRole(dir);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  fs::create_directories(dir + "/reports");
  std::ofstream(dir + "/reports/eve.json") << "[1, 2]";
  auto bad = ReadRejectedByRole(dir);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("eve.json"), std::string::npos);
}

}  // namespace
}  // namespace veritrain
