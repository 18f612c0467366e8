// Tests for RoleConfig's JSON form: a round trip, and the optional fields.
#include "core/role/role_config.h"

#include <gtest/gtest.h>

namespace veritrain {
namespace {

TEST(RoleConfigTest, RoundTripsWithPluginsAndJobDir) {
  RoleConfig c;
  c.name = "solver-1";
  c.role = "solver";
  c.plugins = {"/opt/a/libx.so", "/opt/b/liby.so"};
  c.job_dir = "/srv/veritrain/scenarios";
  auto back = RoleConfig::FromJson(c.ToJson());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->plugins, c.plugins);
  EXPECT_EQ(back->job_dir, c.job_dir);
  EXPECT_EQ(back->ToJson(), c.ToJson());
}

TEST(RoleConfigTest, PluginsAndJobDirAreOptional) {
  RoleConfig c;
  c.name = "arbiter";
  c.role = "arbiter";
  nlohmann::json j = c.ToJson();
  j.erase("plugins");
  j.erase("job_dir");
  auto back = RoleConfig::FromJson(j);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_TRUE(back->plugins.empty());
  EXPECT_EQ(back->job_dir, "");
  j["plugins"] = "not a list";
  EXPECT_FALSE(RoleConfig::FromJson(j).ok());
}

TEST(RoleConfigTest, CurveRoundTripsAndIsOptional) {
  RoleConfig c;
  c.name = "solver-1";
  c.role = "solver";
  EXPECT_FALSE(c.curve());
  EXPECT_FALSE(c.ToJson().contains("curve"));  // configs without CURVE stay as they were
  c.curve_key_file = "/tmp/run/keys/solver-1.curve";
  c.curve_arbiter = "arbiter";
  c.curve_public_keys = {{"arbiter", std::string(40, 'a')},
                         {"solver-1", std::string(40, 'b')}};
  ASSERT_TRUE(c.curve());
  auto back = RoleConfig::FromJson(c.ToJson());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->curve_key_file, c.curve_key_file);
  EXPECT_EQ(back->curve_arbiter, "arbiter");
  EXPECT_EQ(back->curve_public_keys, c.curve_public_keys);
  EXPECT_EQ(back->ToJson(), c.ToJson());

  nlohmann::json j = c.ToJson();
  j["curve"]["arbiter"] = "nobody";
  auto bad = RoleConfig::FromJson(j);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("nobody"), std::string::npos);
  j = c.ToJson();
  j["curve"]["public_keys"]["solver-1"] = 7;
  EXPECT_FALSE(RoleConfig::FromJson(j).ok());
}

TEST(RoleConfigTest, DiskFaultRoundTripsIsOptionalAndNotNegative) {
  RoleConfig c;
  c.name = "solver-1";
  c.role = "solver";
  EXPECT_FALSE(c.ToJson().contains("disk_free_bytes"));  // no fault: as before
  c.disk_free_bytes = 4096;
  auto back = RoleConfig::FromJson(c.ToJson());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->disk_free_bytes, 4096);
  nlohmann::json j = c.ToJson();
  j["disk_free_bytes"] = -5;
  auto bad = RoleConfig::FromJson(j);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("disk_free_bytes"), std::string::npos);
}

}  // namespace
}  // namespace veritrain
