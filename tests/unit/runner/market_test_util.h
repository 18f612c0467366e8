// What the market tests share: a pool entry of the market block.
//
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <string>

#include "scenarios/spec/market_spec.h"

namespace veritrain::testing_util {

// `count` participants named `name`-1.. of `role`, each playing
// `behaviour` with `funds`.
inline MarketEntry TestMarketEntry(const std::string& name,
                                   const std::string& role, int64_t count,
                                   const std::string& behaviour = "honest",
                                   int64_t funds = 1000) {
  MarketEntry e;
  e.name = name;
  e.role = role;
  e.count = count;
  e.behaviour = behaviour;
  e.funds = funds;
  return e;
}

}  // namespace veritrain::testing_util
