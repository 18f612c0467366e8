// The market section of a sweep report (docs/market.md): the phase diagram
// of the verifiers' lazy share at the end of the run over the swept
// parameters (typically economics.forced_error_rate × jackpot_tax_bps), as
// a grid of means with their 95 % intervals and as a plot, from the
// per-point aggregates (sweep_table.h).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "scenarios/report/html.h"
#include "scenarios/report/report_parts.h"
#include "scenarios/report/sweep_axes.h"

namespace veritrain::report {
namespace {

using json = nlohmann::json;

// The x axis: the forced-error rate when it is swept, else the first
// numeric parameter, else the first.
size_t PhaseAxis(const std::vector<Param>& params) {
  for (size_t i = 0; i < params.size(); ++i) {
    if (params[i].path.find("forced_error_rate") != std::string::npos) return i;
  }
  for (size_t i = 0; i < params.size(); ++i) {
    if (params[i].numeric) return i;
  }
  return 0;
}

std::string IntervalText(const MeanInterval& m) {
  char buf[96];
  if (!m.has_interval) {
    std::snprintf(buf, sizeof(buf), "%.3f (n=%lld)", m.mean, static_cast<long long>(m.n));
  } else {
    std::snprintf(buf, sizeof(buf), "%.3f [%.3f, %.3f] (n=%lld)", m.mean, m.low, m.high,
                  static_cast<long long>(m.n));
  }
  return buf;
}

// A cell shaded from green (no lazy verifier) to red (all lazy).
std::string ShadedCell(const MeanInterval& m) {
  const double v = std::clamp(m.mean, 0.0, 1.0);
  char style[96];
  std::snprintf(style, sizeof(style), "background:rgb(%d,%d,120);padding:2px 4px",
                static_cast<int>(120 + 130 * v), static_cast<int>(230 - 110 * v));
  return "<span style=\"" + std::string(style) + "\">" + HtmlEscape(IntervalText(m)) + "</span>";
}

// Rows: the combinations of the other parameters; columns: x's values.
std::string PhaseGrid(const std::vector<Param>& params, size_t x,
                      const std::vector<const PointAggregate*>& points,
                      const std::string& metric) {
  std::vector<std::string> order;
  std::map<std::string, std::map<std::string, std::string>> cells;
  for (const PointAggregate* a : points) {
    const std::string key = OthersKey(params, a->values, x);
    if (cells.count(key) == 0) order.push_back(key);
    cells[key][ValueText(a->values.at(x))] = ShadedCell(a->intervals.at(metric));
  }
  std::vector<std::string> header = {params.size() > 1 ? "other parameters" : ""};
  for (const auto& v : params[x].values) header.push_back(params[x].name + " = " + ValueText(v));
  std::vector<std::vector<std::string>> rows;
  for (const std::string& key : order) {
    std::vector<std::string> row = {key.empty() ? "all runs" : key};
    for (const auto& v : params[x].values) {
      auto cell = cells[key].find(ValueText(v));
      row.push_back(cell == cells[key].end() ? "" : cell->second);
    }
    rows.push_back(std::move(row));
  }
  return HtmlTable(header, rows);
}

std::string PhasePlot(const std::vector<Param>& params, size_t x,
                      const std::vector<const PointAggregate*>& points, const std::string& metric,
                      Canvas& canvas) {
  std::vector<std::string> order;
  std::map<std::string, std::vector<const PointAggregate*>> groups;
  for (const PointAggregate* a : points) {
    const std::string key = OthersKey(params, a->values, x);
    if (groups.count(key) == 0) order.push_back(key);
    groups[key].push_back(a);
  }
  const Param& p = params[x];
  if (groups.size() > kMaxSeries) {
    return canvas.Skipped("lazy share against " + p.name,
                          std::to_string(groups.size()) +
                              " combinations of the other parameters; see the grid above");
  }
  Plot plot;
  plot.title = "Lazy share of the verifiers at the end of the run against " + p.name +
               " (95% intervals)";
  plot.ylabel = "lazy share at the end (mean over repetitions)";
  plot.yrange = "[-0.03:1.03]";
  SetXAxis(p, &plot);
  size_t index = 0;
  for (const std::string& key : order) {
    PlotSeries s;
    s.title = key.empty() ? "lazy share" : key;
    s.style = p.numeric ? "yerrorlines" : "yerrorbars";
    s.extra = p.numeric ? "lw 2" : "lw 2 pointtype 7 pointsize 1";
    for (const PointAggregate* a : groups.at(key)) {
      const MeanInterval& m = a->intervals.at(metric);
      const double px = Dodge(p, XOf(p, a->values.at(x)), index, groups.size());
      s.rows.push_back({px, m.mean, m.has_interval ? m.low : m.mean,
                        m.has_interval ? m.high : m.mean});
    }
    std::sort(s.rows.begin(), s.rows.end());
    plot.series.push_back(std::move(s));
    ++index;
  }
  return canvas.Figure(plot);
}

}  // namespace

std::string MarketSweepSection(const std::vector<Param>& params,
                               const std::vector<PointAggregate>& points, Canvas& canvas) {
  bool market = false;
  std::vector<const PointAggregate*> with_share;
  for (const PointAggregate& a : points) {
    if (!a.intervals.empty()) market = true;
    if (a.intervals.count(kLazyShareMetric) > 0) with_share.push_back(&a);
  }
  if (!market) return "";
  std::string out = "<h2>Market: the lazy share at the end of the run</h2>\n";
  if (with_share.empty()) {
    return out + canvas.Skipped("the phase diagram of the lazy share",
                                "no verifier of the market plays lazy-approve");
  }
  if (params.empty()) {
    return out + canvas.Skipped("the phase diagram of the lazy share",
                                "the sweep has no parameters (repetitions only)");
  }
  const size_t x = PhaseAxis(params);
  out += "<p>The share of the active verifiers that approve blindly (<code>lazy-approve</code>) "
         "after the last task, averaged over the settled repetitions of each point, with its "
         "95% interval (Student's t over the repetitions, clipped to [0, 1]; none with one "
         "repetition). Green: the verifier's dilemma is solved; red: lazy verification "
         "took over.</p>\n";
  out += PhaseGrid(params, x, with_share, kLazyShareMetric);
  out += PhasePlot(params, x, with_share, kLazyShareMetric, canvas);
  return out;
}

}  // namespace veritrain::report
