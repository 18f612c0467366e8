// Tests for RoleConfig's JSON form: a round trip, and the optional fields.
#include "core/transport/role_config.h"

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

}  // namespace
}  // namespace veritrain
