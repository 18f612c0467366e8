// RoleCurve: a role's CURVE settings from its config — off without keys,
// its own key file checked against the roster, clients only of
// participants the roster has a key for.
#include "core/transport/role_curve.h"

#include <gtest/gtest.h>

#include "core/role/role_config.h"
#include "tests/support/files.h"

namespace veritrain {
namespace {

using testing_util::ScratchDir;

class RoleCurveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto arbiter = CurveKeyPair::Generate();
    auto solver = CurveKeyPair::Generate();
    ASSERT_TRUE(arbiter.ok() && solver.ok());
    arbiter_ = *arbiter;
    solver_ = *solver;
    config_.name = "solver-1";
    config_.role = "solver";
    config_.curve_key_file = dir_.path() + "/solver-1.curve";
    config_.curve_arbiter = "arbiter";
    config_.curve_public_keys = {{"arbiter", arbiter_.public_key},
                                 {"solver-1", solver_.public_key}};
    ASSERT_TRUE(SaveCurveKeyFile(config_.curve_key_file, solver_).ok());
  }
  ScratchDir dir_;
  CurveKeyPair arbiter_, solver_;
  RoleConfig config_;
};

TEST_F(RoleCurveTest, OffWithoutKeys) {
  RoleConfig plain;
  auto c = RoleCurveOf(plain);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_FALSE(c->has_value());
}

TEST_F(RoleCurveTest, LoadsItsKeyAndSecuresSockets) {
  auto c = RoleCurveOf(config_);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_TRUE(c->has_value());
  EXPECT_EQ((*c)->own().public_key, solver_.public_key);
  EXPECT_EQ((*c)->arbiter(), "arbiter");
  zmq::context_t ctx(1);
  zmq::socket_t client(ctx, zmq::socket_type::dealer);
  ASSERT_TRUE((*c)->SecureClientOf(client, "arbiter").ok());
  EXPECT_EQ(client.get(zmq::sockopt::curve_serverkey), arbiter_.public_key);
  EXPECT_EQ((*c)->SecureClientOf(client, "mallory").code(), Status::Code::kNotFound);
  zmq::socket_t server(ctx, zmq::socket_type::router);
  ASSERT_TRUE((*c)->SecureServer(server).ok());
  EXPECT_EQ(server.get(zmq::sockopt::curve_server), 1);
  auto zap = (*c)->StartZapHandler(ctx);
  ASSERT_TRUE(zap.ok()) << zap.status().ToString();
}

TEST_F(RoleCurveTest, AKeyFileThatIsNotTheRostersIsNamed) {
  config_.curve_public_keys["solver-1"] = arbiter_.public_key;
  auto c = RoleCurveOf(config_);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find(config_.curve_key_file), std::string::npos);
}

TEST_F(RoleCurveTest, AMissingKeyFileIsNamed) {
  config_.curve_key_file = dir_.path() + "/gone.curve";
  auto c = RoleCurveOf(config_);
  ASSERT_EQ(c.status().code(), Status::Code::kNotFound);
  EXPECT_NE(c.status().message().find("gone.curve"), std::string::npos);
}

TEST_F(RoleCurveTest, AMalformedRosterKeyIsNamed) {
  config_.curve_public_keys["verifier-1"] = "short";
  auto c = RoleCurveOf(config_);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("verifier-1"), std::string::npos);
}

}  // namespace
}  // namespace veritrain
