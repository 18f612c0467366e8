#include "scenarios/sweep/sweep_table.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include "scenarios/spec/real_value.h"
#include "scenarios/sweep/task_counts.h"

namespace veritrain {
namespace {

using nlohmann::json;

// Metric columns shown first, in this order; the rest follow sorted.
const std::vector<std::string>& LeadingMetrics() {
  static const std::vector<std::string> kLeading = {
      "status", "outcome", "flagged", "challenged", "solver_behaviour", "solver_honest"};
  return kLeading;
}

// Metrics that describe the run rather than measure it: not averaged.
bool IsBookkeeping(const std::string& name) {
  // The task counts become the point's rates, not means.
  return name == "exit_code" || name == "steps" || name == "checkpoint_interval" ||
         name == "intervals" || name == "reward" || name == "tasks" ||
         name.rfind("tasks.", 0) == 0;
}

bool IsByteCount(const std::string& key) {
  const std::string kBytes = "_bytes";
  return key.size() >= kBytes.size() &&
         key.compare(key.size() - kBytes.size(), kBytes.size(), kBytes) == 0;
}

std::string TimingName(const std::string& path) {
  const std::string kSeconds = "_seconds";
  if (path.size() >= kSeconds.size() &&
      path.compare(path.size() - kSeconds.size(), kSeconds.size(), kSeconds) == 0) {
    return path.substr(0, path.size() - kSeconds.size()) + "_s";
  }
  if (path == "seconds") return "s";
  if (path.size() >= 2 && path.compare(path.size() - 2, 2, "_s") == 0) return path;
  return path + "_s";
}

void FlattenTimings(const json& obj, const std::string& prefix, json* out) {
  if (!obj.is_object()) return;
  for (const auto& [k, v] : obj.items()) {
    // Memory figures ("peak_rss_bytes", …) are not times: summary.json only.
    if (IsByteCount(k)) continue;
    if (v.is_object()) {
      FlattenTimings(v, prefix + k + ".", out);
    } else if (v.is_number()) {
      (*out)[TimingName(prefix + k)] = v;
    }
  }
}

void FlattenMetrics(const json& obj, const std::string& prefix, json* out) {
  for (const auto& [k, v] : obj.items()) {
    if (k == "timings") continue;
    if (v.is_object()) {
      if (prefix.empty() && k == "balances") {
        for (const auto& [account, amount] : v.items()) {
          if (!amount.is_structured()) (*out)["balance." + account] = amount;
        }
      } else {
        FlattenMetrics(v, prefix + k + ".", out);
      }
    } else if (!v.is_array()) {
      (*out)[prefix + k] = v;
    }
  }
}

// A market run's figures (summary.json's "market" block, docs/market.md)
// as "market.<path>": shares, active and out counts at the start and the
// end, switches, joins, leaves, exits, forced errors, cheating, jackpot,
// cost of security. Each participant's own figures stay in summary.json.
void AddMarketMetrics(const json& summary, json* out) {
  auto market = summary.find("market");
  if (market == summary.end() || !market->is_object()) return;
  json totals = *market;
  totals.erase("participants");
  FlattenMetrics(totals, "market.", out);
}

// The largest distance per metric over every verifier's intervals
// ("max_distance.<metric>") and the task's δ ("delta.<metric>", as
// metrics.csv has it: the task's verification.delta, there whether or not
// an interval was compared; a summary without it, the δ the intervals were
// judged by).
void AddDistanceMetrics(const json& task, json* out) {
  const json task_delta = task.value("verification", json::object()).value("delta", json());
  if (task_delta.is_object()) {
    for (const auto& [metric, x] : task_delta.items()) {
      if (x.is_number()) (*out)["delta." + metric] = x;
    }
  }
  for (const auto& v : task.value("verifiers", json::array())) {
    for (const auto& e : v.value("intervals", json::array())) {
      const json d = e.value("distances", json());
      if (d.is_object()) {
        // An infinite distance is the largest (real_value.h).
        for (const auto& [metric, x] : d.items()) {
          const std::optional<double> value = RealValue(x);
          if (!value || std::isnan(*value)) continue;
          const std::string key = "max_distance." + metric;
          if (!out->contains(key) || *RealValue((*out)[key]) < *value) {
            (*out)[key] = RealJson(*value);
          }
        }
      }
      const json delta = e.value("delta", json());
      if (delta.is_object() && !task_delta.is_object()) {
        for (const auto& [metric, x] : delta.items()) {
          if (x.is_number()) (*out)["delta." + metric] = x;
        }
      }
    }
  }
}

// "ok" for a run whose summary is a result: every task ran and settled and
// the folder passed its checks (unmet expectations aside, which the sweep
// counts on their own). A run that stopped early (the arbiter refused a
// later task) or whose checks failed has a summary too, but is "failed".
const char* StatusOf(const RunOutcome& o, const TaskCounts& counts) {
  if (o.summary.is_null()) {
    if (o.exit_code == kRunTimeout) return "timeout";
    if (o.exit_code == kRunInterrupted) return "interrupted";
    return "failed";
  }
  if (counts.unsettled > 0) return "unsettled";
  if (o.exit_code == kRunOk || o.failed_expectations_only) return "ok";
  return "failed";
}

// The figures of the run's only task, as metrics.csv names them.
void AddSingleTaskMetrics(const json& task, SweepRow* r) {
  FlattenMetrics(task, "", &r->metrics);
  FlattenTimings(task.value("timings", json::object()), "", &r->timings);
  const std::string outcome = task.value("outcome", std::string());
  r->metrics["flagged"] = task.value("challenged", false) || outcome != "accepted";
}

}  // namespace

json SweepRow::ToJson() const {
  return {{"run", run},          {"point", point},     {"repetition", repetition},
          {"seed", seed},        {"values", values},   {"metrics", metrics},
          {"timings", timings}};
}

Result<SweepRow> SweepRow::FromJson(const json& j) {
  SweepRow r;
  try {
    r.run = j.at("run").get<int64_t>();
    r.point = j.at("point").get<int64_t>();
    r.repetition = j.at("repetition").get<int64_t>();
    r.seed = j.at("seed").get<uint64_t>();
    for (const auto& v : j.at("values")) r.values.push_back(v);
    r.metrics = j.at("metrics");
    r.timings = j.at("timings");
  } catch (const json::exception& e) {
    return Status::InvalidArgument(std::string("sweep row: ") + e.what());
  }
  if (!r.metrics.is_object() || !r.timings.is_object()) {
    return Status::InvalidArgument("sweep row: metrics and timings must be objects");
  }
  // Rows written before the one naming scheme said "balance:<account>":
  // read under today's name, so merge and report give one set of columns.
  json renamed = json::object();
  for (const auto& [k, v] : r.metrics.items()) {
    renamed[k.rfind("balance:", 0) == 0 ? "balance." + k.substr(8) : k] = v;
  }
  r.metrics = std::move(renamed);
  return r;
}

SweepRow RowFromRun(const SweepRun& run, const Scenario& sc, const RunOutcome& o) {
  SweepRow r;
  r.run = run.index;
  r.point = run.point;
  r.repetition = run.repetition;
  r.seed = run.seed;
  r.values = run.shown;
  json& m = r.metrics;
  m["exit_code"] = o.exit_code;
  m["error"] = o.exit_code == kRunOk ? "" : o.error;
  const auto solvers = sc.solvers();
  // The behaviour the scenario gave the solver, not the one it reported.
  const std::string behaviour = solvers.empty() ? "" : solvers[0]->behaviour;
  const json tasks = o.summary.is_object() ? o.summary.value("tasks", json::array()) : json();
  const TaskCounts counts = CountTasks(tasks);
  m["status"] = StatusOf(o, counts);
  if (!o.summary.is_null()) {
    m["conservation"] = o.summary.value("conservation", false);
    m["expectations_met"] = o.summary.value("expectations_met", false);
    // A run of many tasks is described by its counts and its run-wide
    // figures; one task's own fields would stand for the others.
    if (tasks.size() == 1 && tasks[0].is_object()) AddSingleTaskMetrics(tasks[0], &r);
    if (tasks.size() > 1 && o.summary.contains("outcomes")) {
      FlattenMetrics(o.summary["outcomes"], "outcomes.", &m);
    }
    for (const json& t : tasks) {
      if (t.is_object()) AddDistanceMetrics(t, &m);
    }
    AddTaskCountMetrics(counts, &m);
    // Unknown (null) when no task's solver committed a trace.
    const int64_t traced = counts.tasks - counts.untraced;
    if (counts.tasks > 0) {
      m["solver_honest"] = traced > 0 ? json(counts.honest == traced) : json();
    }
    for (const char* k : {"profit", "forced_errors", "lazy_exposed", "slashed"}) {
      if (o.summary.contains(k) && o.summary[k].is_object()) {
        FlattenMetrics(o.summary[k], std::string("run.") + k + ".", &m);
      }
    }
    if (o.summary.contains("jackpot")) m["run.jackpot"] = o.summary["jackpot"];
    if (o.summary.contains("stopped_early")) {
      m["stopped_early"] = o.summary["stopped_early"].value("reason", std::string());
    }
    AddMarketMetrics(o.summary, &m);
    FlattenTimings(o.summary.value("timings", json::object()), "", &r.timings);
  }
  m["solver_behaviour"] = behaviour;
  return r;
}

SweepRow RowFromError(const SweepRun& run, const std::string& error) {
  SweepRow r;
  r.run = run.index;
  r.point = run.point;
  r.repetition = run.repetition;
  r.seed = run.seed;
  r.values = run.shown;
  r.metrics = {{"status", "invalid"}, {"exit_code", static_cast<int>(kRunBadInput)},
               {"error", error}};
  return r;
}

std::string SweepCsv(const std::vector<std::string>& names, std::vector<SweepRow> rows) {
  std::sort(rows.begin(), rows.end(),
            [](const SweepRow& a, const SweepRow& b) { return a.run < b.run; });
  const std::set<std::string> param_names(names.begin(), names.end());
  auto metric_column = [&](const std::string& m) {
    return param_names.count(m) ? "metric." + m : m;
  };
  std::set<std::string> metric_set, timing_set;
  for (const auto& r : rows) {
    for (const auto& [k, v] : r.metrics.items()) metric_set.insert(k);
    for (const auto& [k, v] : r.timings.items()) timing_set.insert(k);
  }
  std::vector<std::string> metrics;
  for (const auto& m : LeadingMetrics()) {
    if (metric_set.erase(m)) metrics.push_back(m);
  }
  metrics.insert(metrics.end(), metric_set.begin(), metric_set.end());
  // A timing column never shadows a metric of the same name.
  std::vector<std::string> timings;
  for (const auto& t : timing_set) timings.push_back(t);

  std::ostringstream out;
  out << "run,point,repetition,seed";
  for (const auto& n : names) out << "," << CsvField(n);
  for (const auto& m : metrics) out << "," << CsvField(metric_column(m));
  for (const auto& t : timings) {
    const bool clash = std::find(metrics.begin(), metrics.end(), t) != metrics.end() ||
                       param_names.count(t);
    out << "," << CsvField(clash ? "timing." + t : t);
  }
  out << "\n";
  for (const auto& r : rows) {
    out << r.run << "," << r.point << "," << r.repetition << "," << r.seed;
    for (size_t i = 0; i < names.size(); ++i) {
      out << "," << (i < r.values.size() ? CsvField(r.values[i]) : std::string());
    }
    for (const auto& m : metrics) out << "," << CsvField(r.metrics.value(m, json()));
    for (const auto& t : timings) out << "," << CsvField(r.timings.value(t, json()));
    out << "\n";
  }
  return out.str();
}

RateInterval WilsonInterval(int64_t successes, int64_t n, double z) {
  RateInterval r;
  if (n <= 0) return r;
  const double nn = static_cast<double>(n);
  const double p = static_cast<double>(successes) / nn;
  const double z2 = z * z;
  const double denom = 1 + z2 / nn;
  const double centre = (p + z2 / (2 * nn)) / denom;
  const double half = z * std::sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn)) / denom;
  r.rate = p;
  r.low = std::max(0.0, centre - half);
  r.high = std::min(1.0, centre + half);
  // At p = 0 or 1 the interval touches that end exactly.
  if (successes == 0) r.low = 0;
  if (successes == n) r.high = 1;
  return r;
}

double StudentT975(int64_t df) {
  static const double kTable[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306,
                                  2.262,  2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120,
                                  2.110,  2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
                                  2.060,  2.056, 2.052, 2.048, 2.045, 2.042};
  if (df < 1) return NAN;
  if (df <= 30) return kTable[df - 1];
  // Within 0.003 of the exact quantile beyond 30 degrees of freedom.
  return 1.959963984540054 + 2.37 / static_cast<double>(df);
}

MeanInterval MeanIntervalOf(const std::vector<double>& values) {
  MeanInterval r;
  r.n = static_cast<int64_t>(values.size());
  if (r.n == 0) return r;
  double sum = 0;
  for (double v : values) sum += v;
  r.mean = sum / static_cast<double>(r.n);
  if (r.n < 2) return r;
  double squares = 0;
  for (double v : values) squares += (v - r.mean) * (v - r.mean);
  const double sd = std::sqrt(squares / static_cast<double>(r.n - 1));
  const double half = StudentT975(r.n - 1) * sd / std::sqrt(static_cast<double>(r.n));
  r.low = r.mean - half;
  r.high = r.mean + half;
  r.has_interval = true;
  return r;
}

namespace {

// A share lies in [0, 1], and so does its interval.
bool IsShare(const std::string& metric) { return metric.find(".shares.") != std::string::npos; }

// The rates of aggregates.csv, in column order.
constexpr const char* kRateNames[] = {"flagged", "detection", "false_positive", "escaped",
                                      "rejected"};

// A point's task counts and rates: flagged and rejected over every task of
// its settled runs, detection and escaped over the tasks whose solver
// cheated, false positives over those whose solver was honest. Detection
// counts the caught cheats (challenged and not paid), not every challenged
// one: a cheat challenged only by a challenge its challenger lost was paid,
// and counts as escaped alone.
void SetRates(const TaskCounts& c, PointAggregate* a) {
  const int64_t traced = c.tasks - c.untraced;
  const int64_t cheating = traced - c.honest;
  a->tasks = c.tasks;
  a->honest_tasks = c.honest;
  a->untraced_tasks = c.untraced;
  if (traced > 0 && c.honest == traced) a->solver_honest = true;
  if (traced > 0 && c.honest == 0) a->solver_honest = false;
  a->flagged = c.flagged;
  a->detected = c.detected;
  a->caught = c.caught;
  a->false_positives = c.false_positive;
  a->escaped = c.escaped;
  a->rejected = c.rejected;
  a->missed = c.missed;
  a->diverged_tasks = c.diverged;
  a->flagged_rate = WilsonInterval(c.flagged, c.tasks);
  a->rejected_rate = WilsonInterval(c.rejected, c.tasks);
  a->detection_rate = WilsonInterval(c.caught, cheating);
  a->escaped_rate = WilsonInterval(c.escaped, cheating);
  a->false_positive_rate = WilsonInterval(c.false_positive, c.honest);
}

}  // namespace

std::vector<PointAggregate> Aggregate(const std::vector<SweepRow>& rows) {
  std::map<int64_t, PointAggregate> points;
  std::map<int64_t, std::map<std::string, std::pair<double, int64_t>>> sums;
  std::map<int64_t, std::set<std::string>> behaviours;
  std::map<int64_t, TaskCounts> counts;
  // The market's figures of each point's settled runs, for their intervals.
  std::map<int64_t, std::map<std::string, std::vector<double>>> market;
  for (const auto& r : rows) {
    PointAggregate& a = points[r.point];
    a.point = r.point;
    a.values = r.values;
    ++a.runs;
    behaviours[r.point].insert(r.metrics.value("solver_behaviour", std::string()));
    if (r.metrics.value("status", std::string()) != "ok") continue;
    ++a.completed;
    counts[r.point] += TaskCountsOfRow(r.metrics);
    for (const auto& [k, v] : r.metrics.items()) {
      // An infinite figure ("inf") makes its mean infinite; "nan" and
      // other strings are not figures.
      const std::optional<double> x = RealValue(v);
      if (!x || std::isnan(*x) || IsBookkeeping(k)) continue;
      auto& s = sums[r.point][k];
      s.first += *x;
      ++s.second;
      if (k.rfind("market.", 0) == 0) market[r.point][k].push_back(*x);
    }
  }
  std::vector<PointAggregate> out;
  for (auto& [p, a] : points) {
    const auto& b = behaviours[p];
    a.solver_behaviour = b.size() == 1 ? *b.begin() : "";
    SetRates(counts[p], &a);
    for (const auto& [k, s] : sums[p]) {
      a.means[k] = RealJson(s.first / static_cast<double>(s.second));
    }
    for (const auto& [k, values] : market[p]) {
      MeanInterval m = MeanIntervalOf(values);
      if (m.has_interval && IsShare(k)) {
        m.low = std::max(0.0, m.low);
        m.high = std::min(1.0, m.high);
      }
      a.intervals[k] = m;
    }
    out.push_back(std::move(a));
  }
  return out;
}

const std::vector<std::string>& AggregateColumns() {
  static const std::vector<std::string> kColumns = [] {
    std::vector<std::string> c = {"point", "runs", "completed", "failed", "solver_behaviour",
                                  "solver_honest"};
    for (const char* rate : kRateNames) {
      for (const char* part : {"_rate", "_ci_low", "_ci_high"}) c.push_back(rate + std::string(part));
    }
    for (const char* n : {"tasks", "honest_tasks", "flagged", "detected", "caught",
                          "false_positive", "escaped", "rejected", "untraced_tasks", "missed",
                          "diverged_tasks"}) {
      c.push_back(n);
    }
    return c;
  }();
  return kColumns;
}

bool IsTableColumnName(const std::string& name) {
  // A run's bookkeeping and what it made of the solver: what a reader of
  // sweep.csv filters on, so never moved aside as "metric.<name>".
  for (const char* fixed : {"run", "point", "repetition", "seed", "exit_code", "error",
                            "conservation", "expectations_met", "stopped_early", "tasks",
                            "detected", "false_positive", "missed", "escaped", "wall_s"}) {
    if (name == fixed) return true;
  }
  for (const auto* columns : {&AggregateColumns(), &LeadingMetrics()}) {
    if (std::find(columns->begin(), columns->end(), name) != columns->end()) return true;
  }
  for (const char* prefix :
       {"mean.", "ci_low.", "ci_high.", "tasks.", "run.", "outcomes.", "metric.", "timing."}) {
    if (name.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

std::string AggregatesCsv(const std::vector<std::string>& names,
                          const std::vector<PointAggregate>& points) {
  std::set<std::string> mean_set;
  for (const auto& a : points) {
    for (const auto& [k, v] : a.means.items()) mean_set.insert(k);
  }
  std::ostringstream out;
  const auto& fixed = AggregateColumns();
  out << fixed[0];
  for (const auto& n : names) out << "," << CsvField(n);
  for (size_t i = 1; i < fixed.size(); ++i) out << "," << fixed[i];
  for (const auto& m : mean_set) out << "," << CsvField("mean." + m);
  std::set<std::string> interval_set;
  for (const auto& a : points) {
    for (const auto& [k, v] : a.intervals) interval_set.insert(k);
  }
  for (const auto& m : interval_set) {
    out << "," << CsvField("ci_low." + m) << "," << CsvField("ci_high." + m);
  }
  out << "\n";
  auto rate_fields = [](const RateInterval& r, bool present) {
    if (!present) return std::string(",,,");
    return "," + CsvField(r.rate) + "," + CsvField(r.low) + "," + CsvField(r.high);
  };
  for (const auto& a : points) {
    out << a.point;
    for (size_t i = 0; i < names.size(); ++i) {
      out << "," << (i < a.values.size() ? CsvField(a.values[i]) : std::string());
    }
    const int64_t cheating = a.tasks - a.untraced_tasks - a.honest_tasks;
    out << "," << a.runs << "," << a.completed << "," << (a.runs - a.completed) << ","
        << CsvField(a.solver_behaviour) << ","
        << (a.solver_honest ? CsvField(*a.solver_honest) : std::string());
    out << rate_fields(a.flagged_rate, a.tasks > 0);
    out << rate_fields(a.detection_rate, cheating > 0);
    out << rate_fields(a.false_positive_rate, a.honest_tasks > 0);
    out << rate_fields(a.escaped_rate, cheating > 0);
    out << rate_fields(a.rejected_rate, a.tasks > 0);
    out << "," << a.tasks << "," << a.honest_tasks << "," << a.flagged << "," << a.detected << ","
        << a.caught << "," << a.false_positives << "," << a.escaped << "," << a.rejected << ","
        << a.untraced_tasks << "," << a.missed << "," << a.diverged_tasks;
    for (const auto& m : mean_set) out << "," << CsvField(a.means.value(m, json()));
    for (const auto& m : interval_set) {
      auto it = a.intervals.find(m);
      if (it == a.intervals.end() || !it->second.has_interval) {
        out << ",,";
      } else {
        out << "," << CsvField(it->second.low) << "," << CsvField(it->second.high);
      }
    }
    out << "\n";
  }
  return out.str();
}

}  // namespace veritrain
