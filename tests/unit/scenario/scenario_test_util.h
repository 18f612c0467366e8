// Helpers shared by the scenario tests.
//
// Thread-safety: pure functions.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "scenarios/spec/scenario.h"

namespace veritrain::testing_util {

// The error message of parsing `j` as a scenario, or "" if it parsed. A
// rejection must be kInvalidArgument.
inline std::string ErrorOf(const nlohmann::json& j) {
  Result<Scenario> r = ParseScenario(j.dump(), "test.json");
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  return r.status().message();
}

}  // namespace veritrain::testing_util
