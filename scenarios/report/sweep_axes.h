// Internals of the sweep report: the swept parameters as plot axes, shared
// by the rate plots (report_sweep.cc) and the market's phase diagram
// (report_market_sweep.cc). Not a public interface.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "scenarios/report/plot.h"

namespace veritrain::report {

// A swept parameter as the rows show it (its labels where the sweep gives
// them, else its values).
struct Param {
  std::string name;
  std::string path;
  std::vector<nlohmann::json> values;
  bool numeric = true;
  bool logx = false;  // numeric, positive and spanning two decades or more
};

// The most lines one plot draws.
constexpr size_t kMaxSeries = 12;

std::string ValueText(const nlohmann::json& v);
// The parameters of sweep.json, in file order.
std::vector<Param> ParamsOf(const nlohmann::json& manifest);
// x coordinate of value `v` of parameter `p` (its index for a category).
double XOf(const Param& p, const nlohmann::json& v);
// "a=1, b=x" over every parameter but `skip`.
std::string OthersKey(const std::vector<Param>& params, const std::vector<nlohmann::json>& values,
                      size_t skip);
// Where series `index` of `count` draws its point for x of parameter `p`
// (DodgeX, report_parts.h).
double Dodge(const Param& p, double x, size_t index, size_t count);
// The plot's x axis for `p`: label, scale and ticks.
void SetXAxis(const Param& p, Plot* plot);

}  // namespace veritrain::report
