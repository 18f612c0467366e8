#include "scenarios/report/sweep_axes.h"

#include <algorithm>
#include <cmath>

#include "scenarios/report/report_parts.h"

namespace veritrain::report {

using json = nlohmann::json;

std::string ValueText(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

std::vector<Param> ParamsOf(const json& manifest) {
  std::vector<Param> out;
  for (const auto& p : manifest.value("parameters", json::array())) {
    Param q;
    q.name = p.value("name", std::string());
    q.path = p.value("path", std::string());
    double lo = INFINITY, hi = -INFINITY;
    // What the rows show: the labels where the sweep gives them.
    const json labels = p.value("labels", json::array());
    const json values = labels.empty() ? p.value("values", json::array()) : labels;
    for (const auto& v : values) {
      q.values.push_back(v);
      if (!v.is_number()) {
        q.numeric = false;
      } else {
        lo = std::min(lo, v.get<double>());
        hi = std::max(hi, v.get<double>());
      }
    }
    q.logx = q.numeric && lo > 0 && hi / lo >= 100;
    out.push_back(std::move(q));
  }
  return out;
}

double XOf(const Param& p, const json& v) {
  if (p.numeric) return v.get<double>();
  for (size_t i = 0; i < p.values.size(); ++i) {
    if (p.values[i] == v) return static_cast<double>(i);
  }
  return NAN;
}

std::string OthersKey(const std::vector<Param>& params, const std::vector<json>& values,
                      size_t skip) {
  std::string key;
  for (size_t i = 0; i < params.size() && i < values.size(); ++i) {
    if (i == skip) continue;
    key += (key.empty() ? "" : ", ") + params[i].name + "=" + ValueText(values[i]);
  }
  return key;
}

double Dodge(const Param& p, double x, size_t index, size_t count) {
  std::vector<double> xs;
  for (const auto& v : p.values) {
    if (v.is_number()) xs.push_back(v.get<double>());
  }
  return DodgeX(p.numeric ? (p.logx ? XScale::kLog : XScale::kLinear) : XScale::kCategory, xs,
                x, index, count);
}

void SetXAxis(const Param& p, Plot* plot) {
  plot->xlabel = p.name;
  plot->logx = p.logx;
  if (!p.numeric) {
    for (const auto& v : p.values) plot->xtic_labels.push_back(ValueText(v));
  } else if (p.values.size() <= 12) {
    for (const auto& v : p.values) plot->xtics.push_back(v.get<double>());
  }
}

}  // namespace veritrain::report
