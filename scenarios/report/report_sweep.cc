// The report of a sweep: reads sweep.json and rows.jsonl of a sweep folder.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>

#include "scenarios/report/html.h"
#include "scenarios/report/sweep_axes.h"
#include "scenarios/report/report_parts.h"
#include "scenarios/sweep/sweep_runner.h"
#include "scenarios/sweep/sweep_table.h"

namespace veritrain::report {
namespace {

using json = nlohmann::json;

constexpr size_t kMaxParameterPlots = 4;

std::string MetaSection(const json& m, const std::vector<Param>& params,
                        const std::vector<SweepRow>& rows) {
  std::vector<std::vector<std::string>> meta;
  meta.push_back({"scenario", Cell(m.value("scenario", json()))});
  const json resolved = m.value("scenario_resolved", json::object());
  if (!resolved.value("description", std::string()).empty()) {
    meta.push_back({"description", resolved.value("description", std::string())});
  }
  meta.push_back({"scenario seed", Cell(m.value("seed", json()))});
  meta.push_back({"points × repetitions", Cell(m.value("points", json())) + " × " +
                                              Cell(m.value("repetitions", json())) + " = " +
                                              Cell(m.value("runs", json())) + " runs"});
  meta.push_back({"seeds", Cell(m.value("seeds", json()))});
  int64_t completed = 0;
  for (const auto& r : rows) completed += r.metrics.value("status", std::string()) == "ok";
  meta.push_back({"runs in this folder", std::to_string(rows.size()) + " (" +
                                             std::to_string(completed) + " settled)"});
  const json shard = m.value("shard", json::object());
  if (shard.value("count", 1) > 1) {
    meta.push_back({"shard", Cell(shard.value("index", json())) + " of " +
                                 Cell(shard.value("count", json()))});
  } else if (const int64_t planned = m.value("runs", int64_t{0});
             static_cast<int64_t>(rows.size()) < planned) {
    // A sweep (or a merge with --allow-missing) short of runs: its tables
    // and plots are over the runs it has, which the page must say, as the
    // console and the audit do.
    std::set<int64_t> have;
    for (const auto& r : rows) have.insert(r.run);
    std::string list;
    int64_t listed = 0;
    for (int64_t i = 0; i < planned && listed < 10; ++i) {
      if (have.count(i) > 0) continue;
      list += (listed++ ? ", " : "") + std::to_string(i);
    }
    const int64_t missing = planned - static_cast<int64_t>(have.size());
    if (missing > listed) list += ", …";
    meta.push_back({"INCOMPLETE", std::to_string(missing) + " of the " + std::to_string(planned) +
                                      " runs are missing (runs " + list +
                                      "): every table and plot below is over the others only"});
  }
  if (m.contains("merged_from")) meta.push_back({"merged from", Cell(m["merged_from"])});
  meta.push_back({"execution", Cell(m.value("execution", json()))});
  const json build = m.value("build", json::object());
  meta.push_back({"build", Cell(build.value("veritrain", json())) + " (commit " +
                               Cell(build.value("commit", json())) + ")"});
  std::string out = HtmlTable({"", ""}, meta);
  std::vector<std::vector<std::string>> prows;
  for (const auto& p : params) {
    std::string values;
    for (const auto& v : p.values) values += (values.empty() ? "" : ", ") + ValueText(v);
    prows.push_back({p.name, p.path, values});
  }
  if (!prows.empty()) out += HtmlTable({"parameter", "path", "values"}, prows);
  return out;
}

std::string RateText(const RateInterval& r, int64_t k, int64_t n) {
  if (n == 0) return "";
  char buf[96];
  std::snprintf(buf, sizeof(buf), "%.3f [%.3f, %.3f] (%lld/%lld)", r.rate, r.low, r.high,
                static_cast<long long>(k), static_cast<long long>(n));
  return buf;
}

// Which rate a point's plot shows: detections when every task's solver
// cheated, false positives when every one was honest, else the share
// flagged.
std::string RateKind(const PointAggregate& a) {
  if (!a.solver_honest) return "flagged rate";
  return *a.solver_honest ? "false-positive rate" : "detection rate";
}

const RateInterval& RateOfKind(const PointAggregate& a, const std::string& kind) {
  if (kind == "detection rate") return a.detection_rate;
  if (kind == "false-positive rate") return a.false_positive_rate;
  return a.flagged_rate;
}

std::string AggregatesSection(const std::vector<Param>& params,
                              const std::vector<PointAggregate>& points) {
  std::vector<std::string> header = {"point"};
  for (const auto& p : params) header.push_back(p.name);
  for (const char* h : {"runs", "settled", "tasks", "solver behaviour", "flagged rate [95% CI]",
                        "detection rate [95% CI]", "escaped rate [95% CI]",
                        "false-positive rate [95% CI]", "rejected rate [95% CI]", "mean verifier compute / training"}) {
    header.push_back(h);
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& a : points) {
    std::vector<std::string> row = {std::to_string(a.point)};
    for (size_t i = 0; i < params.size(); ++i) {
      row.push_back(i < a.values.size() ? ValueText(a.values[i]) : "");
    }
    const int64_t cheating = a.tasks - a.untraced_tasks - a.honest_tasks;
    row.push_back(std::to_string(a.runs));
    row.push_back(std::to_string(a.completed));
    row.push_back(std::to_string(a.tasks));
    row.push_back(a.solver_behaviour.empty() ? "mixed" : a.solver_behaviour);
    row.push_back(RateText(a.flagged_rate, a.flagged, a.tasks));
    row.push_back(RateText(a.detection_rate, a.caught, cheating));
    row.push_back(RateText(a.escaped_rate, a.escaped, cheating));
    row.push_back(RateText(a.false_positive_rate, a.false_positives, a.honest_tasks));
    row.push_back(RateText(a.rejected_rate, a.rejected, a.tasks));
    row.push_back(Cell(a.means.value("verifier_compute_ratio", json())));
    rows.push_back(std::move(row));
  }
  return HtmlTable(header, rows);
}

std::string RatePlots(const std::vector<Param>& params, const std::vector<PointAggregate>& points,
                      Canvas& canvas) {
  if (params.empty()) {
    return canvas.Skipped("rate plots", "the sweep has no parameters (repetitions only); see the "
                                        "table above");
  }
  std::string out;
  for (size_t k = 0; k < params.size() && k < kMaxParameterPlots; ++k) {
    const Param& p = params[k];
    // Series: one per combination of the other parameters.
    // Series in the order their values have in the sweep's grid (not the
    // keys' text order, which would put delta=1e-06 after delta=1.0).
    std::map<std::string, std::vector<const PointAggregate*>> groups;
    std::vector<std::string> order;
    for (const auto& a : points) {
      if (a.completed == 0) continue;
      const std::string key = OthersKey(params, a.values, k);
      if (groups.count(key) == 0) order.push_back(key);
      groups[key].push_back(&a);
    }
    if (groups.size() > kMaxSeries) {
      out += canvas.Skipped("rate against " + p.name,
                            std::to_string(groups.size()) + " combinations of the other "
                            "parameters would be " + std::to_string(groups.size()) +
                            " lines; see aggregates.csv");
      continue;
    }
    Plot plot;
    plot.yrange = "[-0.03:1.03]";
    SetXAxis(p, &plot);
    size_t index = 0;
    std::set<std::string> all_kinds;
    for (const std::string& key : order) {
      const auto& list = groups.at(key);
      std::set<std::string> kinds;
      for (const auto* a : list) kinds.insert(RateKind(*a));
      const std::string kind = kinds.size() == 1 ? *kinds.begin() : "flagged rate";
      all_kinds.insert(kind);
      PlotSeries s;
      s.title = (key.empty() ? "" : key + ": ") + kind;
      // Lines join numeric values only; categories get bars and points.
      s.style = p.numeric ? "yerrorlines" : "yerrorbars";
      s.extra = p.numeric ? "lw 2" : "lw 2 pointtype 7 pointsize 1";
      std::vector<std::vector<double>> rows;
      for (const auto* a : list) {
        const double x = Dodge(p, XOf(p, a->values.at(k)), index, groups.size());
        const RateInterval& r = RateOfKind(*a, kind);
        rows.push_back({x, r.rate, r.low, r.high});
      }
      std::sort(rows.begin(), rows.end());
      s.rows = rows;
      plot.series.push_back(s);
      ++index;
    }
    // The title says which rate is drawn: a dishonest solver's flagged runs
    // are detections, an honest one's false positives.
    if (all_kinds == std::set<std::string>{"detection rate"}) {
      plot.title = "Detection rate against " + p.name + " (95% Wilson intervals)";
      plot.ylabel = "detection rate (cheating solver's tasks caught, not paid)";
    } else if (all_kinds == std::set<std::string>{"false-positive rate"}) {
      plot.title = "False-positive rate against " + p.name + " (95% Wilson intervals)";
      plot.ylabel = "false-positive rate (honest solver's tasks challenged)";
    } else if (all_kinds == std::set<std::string>{"detection rate", "false-positive rate"}) {
      plot.title = "Detection and false-positive rates against " + p.name +
                   " (95% Wilson intervals)";
      plot.ylabel = "share of tasks";
    } else {
      plot.title = "Share of tasks flagged against " + p.name + " (95% Wilson intervals)";
      plot.ylabel = "share of tasks flagged";
    }
    out += canvas.Figure(plot);
    out += "<p class=\"note\">Rates count tasks, judged as each run's summary.json judges "
           "them: a detection is a cheating solver's task that was challenged and did not pay "
           "it (a challenge its challenger lost leaves the cheat paid: escaped, not "
           "detected), a false positive a challenge of a solver that trained honestly; a point whose tasks had both kinds of solver shows "
           "the share of tasks flagged (challenged, or not accepted). Each line is one combination of the other parameters" +
           std::string(groups.size() > 1
                           ? "; the lines' points are drawn slightly apart at each value of " +
                                 HtmlEscape(p.name) + " so that their intervals stay visible"
                           : "") +
           ".</p>\n";
  }
  return out;
}

std::string DistancePlots(const std::vector<Param>& params, const std::vector<SweepRow>& rows,
                          Canvas& canvas) {
  std::set<std::string> metrics;
  for (const auto& r : rows) {
    for (const auto& [k, v] : r.metrics.items()) {
      if (k.rfind("max_distance.", 0) == 0 && v.is_number()) metrics.insert(k.substr(13));
    }
  }
  // Only the metrics the runs were judged by, when they name a δ.
  std::set<std::string> judged;
  for (const auto& r : rows) {
    for (const auto& [k, v] : r.metrics.items()) {
      if (k.rfind("delta.", 0) == 0 && metrics.count(k.substr(6))) judged.insert(k.substr(6));
    }
  }
  if (!judged.empty()) metrics = judged;
  if (metrics.empty()) {
    return canvas.Skipped("distances against the swept parameters",
                          "no run recorded distances (they come from tolerance mode, or "
                          "from intervals that did not match)");
  }
  if (params.empty()) {
    return canvas.Skipped("distances against the swept parameters", "the sweep has no parameters");
  }
  // The x axis: a parameter whose path names δ if there is one, else the
  // first numeric one, else the first.
  size_t k = 0;
  bool found = false;
  for (size_t i = 0; i < params.size() && !found; ++i) {
    if (params[i].numeric && params[i].path.find("delta") != std::string::npos) k = i, found = true;
  }
  for (size_t i = 0; i < params.size() && !found; ++i) {
    if (params[i].numeric) k = i, found = true;
  }
  const Param& p = params[k];
  std::string out;
  for (const auto& m : metrics) {
    std::map<std::string, PlotSeries> series;
    std::map<double, double> delta;
    double lo = INFINITY, hi = 0;
    int64_t zeros = 0;
    for (const auto& r : rows) {
      if (k >= r.values.size()) continue;
      const double x = XOf(p, r.values[k]);
      const json d = r.metrics.value("max_distance." + m, json());
      const json dl = r.metrics.value("delta." + m, json());
      if (dl.is_number()) delta[x] = dl.get<double>();
      if (!d.is_number()) continue;
      const double v = d.get<double>();
      if (v <= 0) {
        ++zeros;
        continue;
      }
      lo = std::min(lo, v);
      hi = std::max(hi, v);
      const bool honest = r.metrics.value("solver_honest", false);
      std::string key = OthersKey(params, r.values, k);
      key = key.empty() ? (honest ? "honest solver" : "dishonest solver")
                        : key + (honest ? " (honest)" : "");
      auto& s = series[key];
      s.title = key;
      s.style = "points";
      s.extra = honest ? "pointtype 6 pointsize 1.1" : "pointtype 7 pointsize 1.1";
      s.rows.push_back({x, v});
    }
    // Series side by side at each x, as on the rate plots.
    size_t index = 0;
    for (auto& [key, s] : series) {
      for (auto& row : s.rows) row[0] = Dodge(p, row[0], index, series.size());
      ++index;
    }
    for (const auto& [x, d] : delta) lo = std::min(lo, d), hi = std::max(hi, d);
    if (series.size() > kMaxSeries) {
      out += canvas.Skipped("largest " + m + " distance", "too many series");
      continue;
    }
    Plot plot;
    plot.title = "Largest " + m + " distance measured in each run against " + p.name +
                 (delta.empty() ? "" : " (dashed: the δ judged by)");
    plot.ylabel = "largest " + m + " distance over the intervals checked";
    SetXAxis(p, &plot);
    plot.logy = lo > 0 && hi / lo > 100;
    for (auto& [key, s] : series) plot.series.push_back(s);
    if (!delta.empty()) {
      PlotSeries d{"δ", {}, "linespoints", "lw 2 dashtype 2 lc rgb '#c03030' pointtype 1"};
      for (const auto& [x, v] : delta) d.rows.push_back({x, v});
      plot.series.push_back(d);
    }
    out += canvas.Figure(plot);
    if (zeros > 0) {
      out += "<p class=\"note\">" + std::to_string(zeros) +
             " run(s) with largest distance exactly 0 (every interval bit-identical) are not "
             "drawn.</p>\n";
    }
  }
  return out;
}

std::string RunsSection(const std::vector<Param>& params, const std::vector<SweepRow>& rows,
                        const std::string& dir, size_t max_rows) {
  std::vector<std::string> header = {"run", "point", "rep", "seed"};
  for (const auto& p : params) header.push_back(p.name);
  for (const char* h : {"status", "outcome", "flagged", "error", "folder"}) header.push_back(h);
  std::vector<std::vector<std::string>> table;
  for (size_t i = 0; i < rows.size() && i < max_rows; ++i) {
    const SweepRow& r = rows[i];
    std::vector<std::string> row = {std::to_string(r.run), std::to_string(r.point),
                                    std::to_string(r.repetition), std::to_string(r.seed)};
    for (size_t k = 0; k < params.size(); ++k) {
      row.push_back(k < r.values.size() ? ValueText(r.values[k]) : "");
    }
    const std::string status = r.metrics.value("status", std::string());
    row.push_back(status == "ok" ? status : "<span class=\"bad\">" + HtmlEscape(status) + "</span>");
    row.push_back(Cell(r.metrics.value("outcome", json())));
    row.push_back(Cell(r.metrics.value("flagged", json())));
    row.push_back(Cell(r.metrics.value("error", json())));
    const std::string folder = "runs/" + SweepRunDirName(r.run);
    std::error_code ec;
    row.push_back(std::filesystem::exists(std::filesystem::path(dir) / folder, ec)
                      ? "<a href=\"" + HtmlEscape(folder) + "/summary.json\">" +
                            HtmlEscape(folder) + "</a>"
                      : "");
    table.push_back(std::move(row));
  }
  std::string out = HtmlTable(header, table);
  if (rows.size() > max_rows) {
    out += "<p class=\"note\">First " + std::to_string(max_rows) + " of " +
           std::to_string(rows.size()) + " runs; every run is in sweep.csv.</p>\n";
  }
  return out;
}

}  // namespace

Result<std::string> SweepBody(const std::string& dir, Canvas& canvas, std::string* title) {
  VT_ASSIGN_OR_RETURN(json manifest, ReadJson(dir + "/sweep.json"));
  VT_ASSIGN_OR_RETURN(std::vector<SweepRow> rows, ReadSweepRows(dir));
  std::sort(rows.begin(), rows.end(),
            [](const SweepRow& a, const SweepRow& b) { return a.run < b.run; });
  const std::vector<Param> params = ParamsOf(manifest);
  const std::vector<PointAggregate> points = Aggregate(rows);
  *title = "veritrain sweep: " + Cell(manifest.value("scenario", json()));
  std::string body = "<h1>" + HtmlEscape(*title) + "</h1>\n";
  body += "<p>Sweep folder: <code>" + HtmlEscape(std::filesystem::absolute(dir).string()) +
          "</code>. Tables: <a href=\"sweep.csv\">sweep.csv</a> (one row per run), "
          "<a href=\"aggregates.csv\">aggregates.csv</a> (one row per point).</p>\n";
  body += MetaSection(manifest, params, rows);
  body += "<h2>Rates per point</h2>\n"
          "<p>Rates count the tasks of the settled runs of a point (every task of a run of "
          "several). A task is <em>flagged</em> when a verifier challenged or it was not "
          "accepted. Whether its solver cheated is what the run's summary.json says "
          "(solver_trace_honest; a withholding the arbiter confirmed counts as cheating), not "
          "the behaviour's name. The detection rate is the share "
          "of the tasks whose solver cheated that were caught: challenged and not paid "
          "(summary.json's detected and not escaped). The escaped rate is the share of them "
          "that paid their solver, a challenge its challenger lost included, so the two add "
          "up to at most 1. The false-positive rate is over the tasks whose solver trained "
          "honestly. Intervals are 95% Wilson score intervals.</p>\n";
  body += AggregatesSection(params, points);
  body += RatePlots(params, points, canvas);
  body += MarketSweepSection(params, points, canvas);
  body += "<h2>Reproduction error, δ and attack distances</h2>\n" +
          DistancePlots(params, rows, canvas);
  body += "<h2>Runs</h2>\n" + RunsSection(params, rows, dir, canvas.options().max_table_rows);
  return body;
}

}  // namespace veritrain::report
