// The report of one run: reads summary.json, manifest.json, ledger.jsonl
// and events.jsonl of a run folder.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>

#include "core/protocol/events.h"
#include "scenarios/spec/summary_shape.h"
#include "scenarios/report/html.h"
#include "scenarios/report/report_parts.h"
#include "scenarios/runner/summary.h"
#include "scenarios/spec/real_value.h"

namespace veritrain::report {
namespace {

using json = nlohmann::json;

const std::set<std::string>& MetricNames() {
  static const std::set<std::string> kMetrics = {"l1", "l2", "linf", "cosine"};
  return kMetrics;
}

bool AllNumbers(const json& a) {
  if (!a.is_array() || a.empty()) return false;
  for (const auto& v : a) {
    if (!v.is_number()) return false;
  }
  return true;
}

// Honest reproduction errors per metric, wherever a calibration record keeps
// them: {"l2": [..]}, {"l2": {"samples": [..]}}, or [{"l2": .., ...}, ...].
void CollectHonestErrors(const json& j, std::map<std::string, std::vector<double>>* out) {
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) {
      if (MetricNames().count(k) != 0) {
        if (AllNumbers(v)) {
          for (const auto& x : v) (*out)[k].push_back(x.get<double>());
          continue;
        }
        if (v.is_object()) {
          for (const char* field : {"samples", "errors", "values", "distances", "honest"}) {
            if (AllNumbers(v.value(field, json()))) {
              for (const auto& x : v[field]) (*out)[k].push_back(x.get<double>());
            }
          }
          continue;
        }
      }
      if (k == "delta" || k == "deltas" || k == "threshold" || k == "quantile" || k == "margin") {
        continue;  // thresholds, not errors
      }
      CollectHonestErrors(v, out);
    }
  } else if (j.is_array()) {
    for (const auto& e : j) {
      if (e.is_object()) {
        bool any = false;
        for (const auto& m : MetricNames()) {
          if (e.contains(m) && e[m].is_number()) {
            (*out)[m].push_back(e[m].get<double>());
            any = true;
          }
        }
        if (any) continue;
      }
      CollectHonestErrors(e, out);
    }
  }
}

// The "ledger conserved" line says only what the audit confirms: the
// summary's claim alone could sit next to an edited payment.
void AuditRows(const json& summary, const FolderAudit* audit, const std::string& audit_error,
               std::vector<std::vector<std::string>>* rows) {
  const bool claimed = summary.value("conservation", false);
  if (audit == nullptr) {
    rows->push_back({"ledger conserved",
                     std::string(claimed ? "yes" : "NO") +
                         " as summary.json says — not audited: " + audit_error});
    return;
  }
  if (!audit->ok()) {
    std::string list = "<span class=\"bad\">FAILED</span><ul>";
    for (const auto& p : audit->problems) list += "<li>" + HtmlEscape(p) + "</li>";
    rows->push_back({"audit", list + "</ul>"});
    rows->push_back({"ledger conserved",
                     "<span class=\"bad\">not confirmed</span>: the folder fails its audit"});
    return;
  }
  std::string list = "<span class=\"ok\">passed</span> (arbiter key <code>" +
                     HtmlEscape(audit->arbiter_key) + "</code>)<ul>";
  for (const auto& p : audit->passed) list += "<li>" + HtmlEscape(p) + "</li>";
  rows->push_back({"audit", list + "</ul>"});
  rows->push_back({"ledger conserved", claimed ? "yes (audited)" : "NO (audited)"});
}

std::string MetaSection(const json& summary, const json& manifest, const FolderAudit* audit,
                        const std::string& audit_error) {
  std::vector<std::vector<std::string>> rows;
  const json scenario = manifest.value("scenario", json::object());
  rows.push_back({"scenario", Cell(summary.value("scenario", json()))});
  if (!scenario.value("description", std::string()).empty()) {
    rows.push_back({"description", scenario.value("description", std::string())});
  }
  rows.push_back({"seed", Cell(summary.value("seed", json()))});
  const json build = manifest.value("build", json::object());
  if (!build.empty()) {
    rows.push_back({"build", Cell(build.value("veritrain", json())) + " (commit " +
                                 Cell(build.value("commit", json())) + ")"});
  }
  const json execution = manifest.value("execution", json::object());
  if (!execution.empty()) {
    std::string mode = Cell(execution.value("mode", json()));
    if (!execution.value("note", std::string()).empty()) {
      mode += " — " + execution.value("note", std::string());
    }
    rows.push_back({"execution", mode});
  }
  if (manifest.contains("transport")) rows.push_back({"transport", Cell(manifest["transport"])});
  AuditRows(summary, audit, audit_error, &rows);
  const json timings = summary.value("timings", json::object());
  if (timings.contains("wall_seconds")) {
    rows.push_back({"wall time (s)", Cell(timings["wall_seconds"])});
  }
  return HtmlTable({"", ""}, rows);
}

std::string TasksSection(const json& summary) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& t : summary.value("tasks", json::array())) {
    const std::string outcome = Cell(t.value("outcome", json()));
    rows.push_back({Cell(t.value("task", json())),
                    std::string("<span class=\"") + (outcome == "accepted" ? "ok" : "bad") +
                        "\">" + HtmlEscape(outcome) + "</span>",
                    Cell(t.value("reason", json())), Cell(t.value("job", json())),
                    Cell(t.value("steps", json())), Cell(t.value("checkpoint_interval", json())),
                    Cell(t.value("mode", json())), Cell(t.value("solver_behaviour", json())),
                    Cell(t.value("test_accuracy", json())),
                    Cell(t.value("intervals_verified", json())),
                    Cell(t.value("verifier_compute_ratio", json())),
                    Cell(t.value("challenged", json())),
                    std::string("<span class=\"") + (SolverVerdictIsSound(t) ? "ok" : "bad") +
                        "\">" + HtmlEscape(SolverVerdict(t)) + "</span>"});
  }
  return HtmlTable({"task", "outcome", "reason", "job", "steps", "k", "mode", "solver",
                    "test accuracy", "intervals verified", "verifier compute / training",
                    "challenged", "the solver's trace"},
                   rows);
}

std::string ExpectationsSection(const json& summary) {
  const json expectations = summary.value("expectations", json::array());
  if (expectations.empty()) return "<p class=\"note\">The scenario states no expectations.</p>\n";
  std::vector<std::vector<std::string>> rows;
  for (const auto& e : expectations) {
    const bool passed = e.value("passed", false);
    rows.push_back({std::string("<span class=\"") + (passed ? "ok\">ok" : "bad\">FAIL") + "</span>",
                    Cell(e.value("expectation", json())), Cell(e.value("detail", json()))});
  }
  return HtmlTable({"", "expectation", "detail"}, rows);
}

std::string UpdateNormsSection(const json& t, Canvas& canvas) {
  const json norms = t.value("update_norms", json::array());
  // A norm that is not finite ("nan", "inf": a diverged or corrupt
  // interval, which top-Q ranks first) is drawn at the top of the plot.
  std::vector<double> values;
  for (const auto& n : norms.is_array() ? norms : json::array()) {
    const std::optional<double> v = RealValue(n);
    if (!v) break;
    values.push_back(*v);
  }
  if (values.empty() || values.size() != norms.size()) {
    return canvas.Skipped("update norms", "the solver posted no per-interval update norms");
  }
  double lo = INFINITY, hi = 0;
  size_t finite = 0;
  for (double v : values) {
    if (!std::isfinite(v)) continue;
    ++finite;
    if (v > 0) lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  if (finite == 0) {
    return canvas.Skipped("update norms", "no posted update norm is finite (all " +
                                              std::to_string(values.size()) +
                                              " are nan or inf)");
  }
  const double top = hi > 0 ? 2 * hi : 1;
  auto y = [&](size_t i) { return std::isfinite(values[i]) ? values[i] : top; };
  Plot plot;
  plot.title = Cell(t.value("task", json())) + ": update norm of each interval, and the intervals checked";
  plot.xlabel = "interval";
  plot.ylabel = "posted update norm (l2)";
  PlotSeries posted{"posted by the solver", {}, "linespoints", "lc rgb '#888888'"};
  PlotSeries infinite{"not finite (nan or inf), drawn at the top", {}, "points",
                      "pointtype 9 pointsize 1.6 lc rgb '#c03030'"};
  for (size_t i = 0; i < values.size(); ++i) {
    if (std::isfinite(values[i])) {
      posted.rows.push_back({static_cast<double>(i), values[i]});
    } else {
      infinite.rows.push_back({static_cast<double>(i), top});
    }
  }
  plot.logy = lo > 0 && hi / lo > 100;
  plot.series.push_back(posted);
  if (!infinite.rows.empty()) plot.series.push_back(infinite);
  std::map<std::string, PlotSeries> checked;
  for (const auto& v : t.value("verifiers", json::array())) {
    for (const auto& e : v.value("intervals", json::array())) {
      const int64_t i = e.value("index", int64_t{-1});
      if (i < 0 || i >= static_cast<int64_t>(norms.size())) continue;
      const std::string key = v.value("name", std::string()) + ": checked (" +
                              e.value("reason", std::string("?")) + ")";
      auto& s = checked[key];
      s.title = key;
      s.style = "points";
      s.extra = "pointtype 7 pointsize 1.4";
      s.rows.push_back({static_cast<double>(i), y(static_cast<size_t>(i))});
    }
  }
  for (auto& [k, s] : checked) plot.series.push_back(s);
  if (norms.size() <= 30) {
    for (size_t i = 0; i < norms.size(); ++i) plot.xtics.push_back(static_cast<double>(i));
  }
  return canvas.Figure(plot);
}

// The honest reproduction error of a calibration: every sample (from the
// run's calibration.json) and, per metric, the largest and the quantile δ
// was set from (from the record the task carries).
struct HonestErrors {
  std::map<std::string, std::vector<double>> samples;
  std::map<std::string, double> max;
  std::map<std::string, double> quantile;
};

HonestErrors HonestErrorsOf(const std::string& dir, const json& record) {
  HonestErrors h;
  auto file = ReadJson(dir + "/calibration.json");
  if (file.ok()) {
    // Whole intervals only: the samples of shorter ranges (what a dispute
    // compares) have thresholds of their own.
    const int64_t k = file->value("interval_steps", int64_t{0});
    for (const auto& sample : file->value("samples", json::array())) {
      if (k > 0 && sample.contains("from") && sample.contains("to") &&
          sample.value("to", int64_t{0}) - sample.value("from", int64_t{0}) != k) {
        continue;
      }
      const json d = sample.value("distances", json::object());
      if (!d.is_object()) continue;
      for (const auto& [m, x] : d.items()) {
        if (x.is_number()) h.samples[m].push_back(x.get<double>());
      }
    }
  }
  const json honest = record.value("honest", json::object());
  if (honest.is_object()) {
    for (const auto& [m, stats] : honest.items()) {
      if (!stats.is_object()) continue;
      if (stats.value("max", json()).is_number()) h.max[m] = stats["max"].get<double>();
      if (stats.value("quantile_value", json()).is_number()) {
        h.quantile[m] = stats["quantile_value"].get<double>();
      }
    }
  }
  if (h.samples.empty()) CollectHonestErrors(record, &h.samples);
  for (const auto& [m, xs] : h.samples) {
    if (h.max.count(m) == 0 && !xs.empty()) h.max[m] = *std::max_element(xs.begin(), xs.end());
  }
  return h;
}

std::string DistancesSection(const json& t, const HonestErrors& honest, Canvas& canvas) {
  // metric -> verifier -> (interval, distance)
  std::map<std::string, std::map<std::string, std::vector<std::pair<double, double>>>> measured;
  std::map<std::string, double> delta;
  for (const auto& v : t.value("verifiers", json::array())) {
    for (const auto& e : v.value("intervals", json::array())) {
      const json d = e.value("distances", json());
      if (!d.is_object()) continue;
      // An infinite distance ("inf") is drawn at the top; "nan" is not drawn.
      for (const auto& [m, x] : d.items()) {
        const std::optional<double> value = RealValue(x);
        if (!value || std::isnan(*value)) continue;
        measured[m][v.value("name", std::string())].push_back(
            {static_cast<double>(e.value("index", int64_t{0})), *value});
      }
      const json dl = e.value("delta", json());
      if (dl.is_object()) {
        for (const auto& [m, x] : dl.items()) {
          if (x.is_number()) delta[m] = x.get<double>();
        }
      }
    }
  }
  const json task_delta = t.value("verification", json::object()).value("delta", json::object());
  if (task_delta.is_object()) {
    for (const auto& [m, x] : task_delta.items()) {
      if (x.is_number() && delta.count(m) == 0) delta[m] = x.get<double>();
    }
  }
  // The metrics the task compares with (all four are measured).
  const json listed = t.value("verification", json::object()).value("metrics", json::array());
  if (listed.is_array() && !listed.empty()) {
    std::set<std::string> keep;
    for (const auto& m : listed) {
      if (m.is_string()) keep.insert(m.get<std::string>());
    }
    for (auto it = measured.begin(); it != measured.end();) {
      it = keep.count(it->first) ? std::next(it) : measured.erase(it);
    }
  }
  const bool exact = t.value("mode", std::string()) == "exact";
  if (measured.empty()) {
    return canvas.Skipped("distances per interval",
                          "no interval of this task records distances (exact mode compares "
                          "state hashes; distances are recorded in tolerance mode and for "
                          "mismatching intervals)");
  }
  std::string out;
  for (const auto& [metric, by_verifier] : measured) {
    Plot plot;
    plot.title = Cell(t.value("task", json())) + ": " + metric +
                 " distance of each re-executed interval, against δ and the honest error";
    plot.xlabel = "interval";
    plot.ylabel = metric + " distance (re-executed vs committed)";
    double lo = INFINITY, hi = 0, xmin = INFINITY, xmax = -INFINITY;
    int64_t zeros = 0;
    for (const auto& [name, points] : by_verifier) {
      for (const auto& [x, d] : points) {
        xmin = std::min(xmin, x);
        xmax = std::max(xmax, x);
        if (std::isinf(d)) continue;
        if (d > 0) lo = std::min(lo, d), hi = std::max(hi, d);
        else ++zeros;
      }
    }
    const bool has_delta = delta.count(metric) != 0;
    if (has_delta) lo = std::min(lo, delta[metric]), hi = std::max(hi, delta[metric]);
    const auto samples_it = honest.samples.find(metric);
    const std::vector<double> h =
        samples_it == honest.samples.end() ? std::vector<double>{} : samples_it->second;
    const double honest_max = honest.max.count(metric) ? honest.max.at(metric) : 0.0;
    const double honest_q = honest.quantile.count(metric) ? honest.quantile.at(metric) : 0.0;
    for (double x : h) {
      if (x > 0) lo = std::min(lo, x), hi = std::max(hi, x);
    }
    if (honest_max > 0) lo = std::min(lo, honest_max), hi = std::max(hi, honest_max);
    plot.logy = hi > 0 && lo > 0 && hi / lo > 100;
    const double top = hi > 0 ? (plot.logy ? 10 * hi : 2 * hi) : 1;
    PlotSeries infinite{"infinite distance (a state the honest run never reaches), drawn at the top",
                        {}, "points", "pointtype 9 pointsize 1.6 lc rgb '#c03030'"};
    for (const auto& [name, points] : by_verifier) {
      PlotSeries s{"measured by " + name, {}, "points", "pointtype 7 pointsize 1.2"};
      for (const auto& [x, d] : points) {
        if (std::isinf(d)) {
          infinite.rows.push_back({x, top});
          continue;
        }
        if (plot.logy && d <= 0) continue;
        s.rows.push_back({x, d});
      }
      plot.series.push_back(s);
    }
    if (!infinite.rows.empty()) plot.series.push_back(infinite);
    // Calibration samples are drawn left of the intervals, at x = -1.
    const double x0 = (h.empty() ? xmin : -1.0) - 0.5, x1 = xmax + 0.5;
    if (!h.empty()) {
      PlotSeries s{"honest reproduction error (" + std::to_string(h.size()) +
                       " calibration samples, at x = -1)",
                   {},
                   "points",
                   "pointtype 1 pointsize 0.9 lc rgb '#3070c0'"};
      for (size_t i = 0; i < h.size(); ++i) {
        if (plot.logy && h[i] <= 0) continue;
        s.rows.push_back({-1.0 + 0.3 * (static_cast<double>(i) / h.size() - 0.5), h[i]});
      }
      plot.series.push_back(s);
    }
    if (has_delta) {
      plot.series.push_back({"δ = " + Cell(delta[metric]), {{x0, delta[metric]}, {x1, delta[metric]}},
                             "lines", "lw 2 lc rgb '#c03030'"});
    }
    if (honest_max > 0) {
      plot.series.push_back({"largest honest reproduction error (calibration)",
                             {{x0, honest_max}, {x1, honest_max}},
                             "lines",
                             "lw 2 dashtype 2 lc rgb '#3070c0'"});
    }
    if (honest_q > 0 && honest_q != honest_max) {
      plot.series.push_back({"calibration quantile",
                             {{x0, honest_q}, {x1, honest_q}},
                             "lines",
                             "lw 1 dashtype 3 lc rgb '#3070c0'"});
    }
    plot.xrange = "[" + Cell(x0) + ":" + Cell(x1) + "]";
    if (x1 - x0 <= 30) {
      for (double x = std::ceil(x0); x <= x1; ++x) plot.xtics.push_back(x);
    }
    out += canvas.Figure(plot);
    if (plot.logy && zeros > 0) {
      out += "<p class=\"note\">" + std::to_string(zeros) +
             " interval(s) at distance exactly 0 (bit-identical) are not drawn on the log "
             "scale.</p>\n";
    }
    if (exact) {
      out += "<p class=\"note\">Exact mode: intervals are compared by state hash, δ does not "
             "apply; distances are measured for intervals that do not match.</p>\n";
    } else if (!has_delta) {
      out += "<p class=\"note\">No δ recorded for " + HtmlEscape(metric) + ".</p>\n";
    }
    if (!exact && h.empty() && honest_max <= 0) {
      out += "<p class=\"note\">No calibration of the honest " + HtmlEscape(metric) +
             " error in this run (δ was fixed in the scenario).</p>\n";
    }
  }
  return out;
}

// One round of a dispute's dissection: the range in dispute before it, the
// split points offered, and the sub-range chosen.
struct TraceStep {
  int phase = 1;  // 1: steps of the interval, 2: nodes of the step's graph
  double round = 0;
  double lo = 0, hi = 0;                // before the choice
  double chosen_lo = 0, chosen_hi = 0;  // after it
  std::vector<double> splits;           // inner split points
};

int PhaseOf(const json& e) {
  const json p = e.value("phase", json());
  if (p.is_number_integer()) return p.get<int>();
  if (p.is_string()) return p.get<std::string>() == "steps" || p.get<std::string>() == "step" ? 1 : 2;
  return 1;
}

// A trace entry as the arbiter writes it — {"phase", "boundaries": [b0 …
// bn], "chosen": i} — or as a plain range {"lo", "hi"} (also "range": [a,
// b], "from"/"to", "start"/"end").
bool ParseTraceStep(const json& e, TraceStep* s) {
  if (!e.is_object()) return false;
  s->phase = PhaseOf(e);
  const json b = e.value("boundaries", json());
  if (AllNumbers(b) && b.size() >= 2) {
    s->lo = b.front().get<double>();
    s->hi = b.back().get<double>();
    for (size_t i = 1; i + 1 < b.size(); ++i) s->splits.push_back(b[i].get<double>());
    const int64_t c = e.value("chosen", int64_t{-1});
    if (c >= 0 && static_cast<size_t>(c) + 1 < b.size()) {
      s->chosen_lo = b[static_cast<size_t>(c)].get<double>();
      s->chosen_hi = b[static_cast<size_t>(c) + 1].get<double>();
    } else {
      s->chosen_lo = s->lo;
      s->chosen_hi = s->hi;
    }
    return true;
  }
  if (e.contains("range") && AllNumbers(e["range"]) && e["range"].size() == 2) {
    s->chosen_lo = s->lo = e["range"][0].get<double>();
    s->chosen_hi = s->hi = e["range"][1].get<double>();
    return true;
  }
  for (const auto& [a, z] : std::vector<std::pair<const char*, const char*>>{
           {"lo", "hi"}, {"low", "high"}, {"from", "to"}, {"start", "end"}}) {
    if (e.contains(a) && e.contains(z) && e[a].is_number() && e[z].is_number()) {
      s->chosen_lo = s->lo = e[a].get<double>();
      s->chosen_hi = s->hi = e[z].get<double>();
      return true;
    }
  }
  return false;
}

std::string DisputeSection(const json& t, Canvas& canvas) {
  const json d = t.value("dispute", json());
  if (!d.is_object()) {
    return canvas.Skipped("dispute trace", "this task had no dispute (no \"dispute\" in "
                                           "summary.json)");
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& [k, v] : d.items()) {
    if (!v.is_structured()) rows.push_back({k, Cell(v)});
    else if (v.is_object()) {
      for (const auto& [k2, v2] : v.items()) {
        if (!v2.is_structured()) rows.push_back({k + "." + k2, Cell(v2)});
      }
    }
  }
  std::string out = HtmlTable({"dispute", ""}, rows);
  std::map<int, std::vector<TraceStep>> phases;
  const json trace = d.value("trace", json::array());
  for (size_t i = 0; i < trace.size(); ++i) {
    TraceStep s;
    if (!ParseTraceStep(trace[i], &s)) continue;
    s.round = trace[i].value("round", static_cast<double>(i + 1));
    phases[s.phase].push_back(s);
  }
  if (phases.empty()) {
    return out + canvas.Skipped("dispute trace plot",
                                "the dispute record has no trace of ranges per round");
  }
  // Phase 1 positions are steps from the interval's first step; positions
  // past the interval (padding up to n^rounds) stand for its end.
  const double first_step = d.value("first_step", 0.0);
  const double interval_steps = d.value("interval_steps", INFINITY);
  const double nodes = d.value("graph_nodes", INFINITY);
  for (const auto& [phase, list] : phases) {
    const double offset = phase == 1 ? first_step : 0.0;
    const double limit = phase == 1 ? interval_steps : nodes;
    auto y = [&](double v) { return offset + std::min(v, limit); };
    Plot plot;
    if (phase == 1) {
      plot.title = "Dispute, phase 1 (steps): step " + Cell(d.value("step", json())) + " found in " +
                   std::to_string(list.size()) + " rounds";
      plot.ylabel = "step";
    } else {
      plot.title = "Dispute, phase 2 (graph nodes of the step): node " +
                   Cell(d.value("node", json())) + " found in " + std::to_string(list.size()) +
                   " rounds";
      plot.ylabel = "node position (topological order)";
    }
    plot.xlabel = "round";
    PlotSeries before{"range in dispute", {}, "yerrorbars", "lw 1 lc rgb '#999999' pointtype 0"};
    PlotSeries splits{"split points posted", {}, "points", "pointtype 2 pointsize 0.8 lc rgb '#555555'"};
    PlotSeries chosen{"sub-range the challenger disputes", {}, "yerrorbars",
                      "lw 3 lc rgb '#c03030' pointtype 0"};
    double rmin = INFINITY, rmax = 0;
    for (const auto& st : list) {
      before.rows.push_back({st.round - 0.12, (y(st.lo) + y(st.hi)) / 2, y(st.lo), y(st.hi)});
      chosen.rows.push_back({st.round + 0.12, (y(st.chosen_lo) + y(st.chosen_hi)) / 2,
                             y(st.chosen_lo), y(st.chosen_hi)});
      for (double v : st.splits) {
        if (v < limit) splits.rows.push_back({st.round - 0.12, y(v)});
      }
      rmin = std::min(rmin, st.round);
      rmax = std::max(rmax, st.round);
    }
    plot.series = {before, splits, chosen};
    plot.xrange = "[" + Cell(rmin - 0.6) + ":" + Cell(rmax + 0.6) + "]";
    for (double r = rmin; r <= rmax; ++r) plot.xtics.push_back(r);
    out += canvas.Figure(plot);
  }
  return out;
}

std::string BalancesSection(const std::string& dir, Canvas& canvas) {
  auto entries = ReadJsonLines(dir + "/ledger.jsonl");
  if (!entries.ok()) return canvas.Skipped("balances over time", entries.status().message());
  std::map<std::string, int64_t> balance;
  std::map<std::string, PlotSeries> series;
  std::vector<std::vector<std::string>> rows;
  int64_t n = 0;
  for (const auto& e : *entries) {
    const std::string from = e.value("from", std::string());
    const std::string to = e.value("to", std::string());
    const int64_t amount = e.value("amount", int64_t{0});
    ++n;
    for (const std::string& acct : {from, to}) {
      if (acct == "mint" || acct.empty() || series.count(acct)) continue;
      series[acct] = PlotSeries{acct, {{0, 0}}, "steps", "lw 2"};
    }
    if (from != "mint") balance[from] -= amount;
    if (to != "mint") balance[to] += amount;
    for (auto& [acct, s] : series) {
      s.rows.push_back({static_cast<double>(n), static_cast<double>(balance[acct])});
    }
    rows.push_back({Cell(e.value("seq", json())), Cell(e.value("task", json())), from, to,
                    std::to_string(amount), Cell(e.value("reason", json()))});
  }
  if (series.empty()) return canvas.Skipped("balances over time", "the ledger has no transfers");
  Plot plot;
  plot.title = "Balances after each ledger entry";
  plot.xlabel = "ledger entry";
  plot.ylabel = "balance (token units)";
  plot.xrange = "[0:" + std::to_string(n) + ".5]";
  for (auto& [acct, s] : series) {
    // Extend the last step so the final balance is visible.
    s.rows.push_back({static_cast<double>(n) + 0.5, s.rows.back()[1]});
    plot.series.push_back(s);
  }
  return canvas.Figure(plot) + HtmlTable({"seq", "task", "from", "to", "amount", "reason"}, rows);
}

void FlattenTimings(const json& j, const std::string& prefix,
                    std::vector<std::vector<std::string>>* rows) {
  for (const auto& [k, v] : j.items()) {
    if (v.is_object()) FlattenTimings(v, prefix + k + ".", rows);
    else if (v.is_number()) rows->push_back({prefix + k, Cell(v)});
  }
}

// The task's calibration record: in its summary, or as posted (events.jsonl).
json CalibrationOf(const std::vector<json>& events, const json& task) {
  const json verification = task.value("verification", json::object());
  if (verification.is_object() && verification.contains("calibration")) {
    return verification["calibration"];
  }
  if (task.contains("calibration")) return task["calibration"];
  for (const auto& e : events) {
    if (e.value("type", std::string()) != TaskPostedEvent::kType) continue;
    if (e.value("task", std::string()) != task.value("task", std::string())) continue;
    const json spec = e.value("data", json::object()).value("spec", json::object());
    return spec.value("verification", json::object()).value("calibration", json::object());
  }
  return json::object();
}

}  // namespace

Result<std::string> RunBody(const std::string& dir, Canvas& canvas, std::string* title,
                            const FolderAudit* audit, const std::string& audit_error) {
  VT_ASSIGN_OR_RETURN(json summary, ReadJson(dir + "/summary.json"));
  // The report reads the summary's fields by their types: one edited into
  // another shape is refused, naming where (`audit` says the same).
  const std::vector<std::string> mismatches = SummaryShapeMismatches(summary, 3);
  if (!mismatches.empty()) {
    std::string where;
    for (const auto& m : mismatches) where += (where.empty() ? "" : "; ") + m;
    return Status::InvalidArgument(dir + "/summary.json is not a summary as veritrain writes it: " +
                                   where);
  }
  auto manifest_read = ReadJson(dir + "/manifest.json");
  json manifest = manifest_read.ok() ? *manifest_read : json::object();
  if (!manifest.is_object()) manifest = json::object();
  auto events_read = ReadJsonLines(dir + "/events.jsonl");
  const std::vector<json> events = events_read.ok() ? *events_read : std::vector<json>{};
  *title = "veritrain run: " + Cell(summary.value("scenario", json())) + " (seed " +
           Cell(summary.value("seed", json())) + ")";
  std::string body = "<h1>" + HtmlEscape(*title) + "</h1>\n";
  body += "<p>Results folder: <code>" + HtmlEscape(std::filesystem::absolute(dir).string()) +
          "</code></p>\n";
  body += MetaSection(summary, manifest, audit, audit_error);
  body += "<h2>Tasks</h2>\n" + TasksSection(summary);
  body += "<h2>Expectations</h2>\n" + ExpectationsSection(summary);
  // A market: its own section; per-task plots and every account's balance
  // over hundreds of tasks would bury it (they are in the folder's files).
  const bool market = summary.contains("market") && summary["market"].is_object();
  if (market) body += "<h2>Market</h2>\n" + MarketSection(dir, summary, canvas);
  for (const auto& t : summary.value("tasks", json::array())) {
    if (market) break;
    const std::string id = Cell(t.value("task", json()));
    body += "<h2>" + HtmlEscape(id) + "</h2>\n";
    body += "<h3>Intervals checked</h3>\n" + UpdateNormsSection(t, canvas);
    body += "<h3>Reproduction error, δ and attack distance per interval</h3>\n" +
            DistancesSection(t, HonestErrorsOf(dir, CalibrationOf(events, t)), canvas);
    body += "<h3>Dispute</h3>\n" + DisputeSection(t, canvas);
  }
  if (!market) body += "<h2>Balances</h2>\n" + BalancesSection(dir, canvas);
  std::vector<std::vector<std::string>> timing_rows;
  FlattenTimings(summary.value("timings", json::object()), "", &timing_rows);
  for (const auto& t : summary.value("tasks", json::array())) {
    FlattenTimings(t.value("timings", json::object()), Cell(t.value("task", json())) + ".",
                   &timing_rows);
  }
  body += "<h2>Timings (seconds)</h2>\n" + HtmlTable({"timing", "seconds"}, timing_rows);
  return body;
}

}  // namespace veritrain::report
