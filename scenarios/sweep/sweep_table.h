// The tidy table of a sweep: one row per run, written as sweep.csv, and
// the per-point aggregates with confidence intervals, written as
// aggregates.csv.
//
// A row holds the run's index, point, repetition and seed, the point's
// parameter values, and the run's metrics: its status ("ok" only when every
// task ran and settled and the folder passed its checks: a run that
// stopped early, e.g. the arbiter refused a later task, is "failed" and its
// reason is in "stopped_early"; "unsettled" when some task did not
// settle), "solver_behaviour" (the scenario's), "solver_honest" (every task's
// solver committed the honest training, as summary.json judges it), the
// task counts of task_counts.h over every task of the run ("tasks",
// "tasks.flagged", "tasks.detected", …), the run-wide figures
// ("run.profit.<participant>", "run.slashed.…", "run.jackpot", …) and,
// when verifiers measured distances, "max_distance.<metric>" (largest over
// every interval of every task) and "delta.<metric>". A run of one task also
// has every scalar of that task (nested objects flattened with '.',
// balances as "balance.<account>": the naming of metrics.csv,
// runner/summary.h) and "flagged" (some verifier challenged, or the task was
// not accepted); a run of many tasks has "outcomes.<outcome>" (how many
// tasks ended so) instead, as no one task stands for the others. A market
// run adds its
// summary's "market" block but the participants as "market.<path>" (e.g.
// "market.final.shares.verifier.lazy-approve", the lazy share at the end).
// Timings are kept apart and become the columns ending in "_s", last in
// the file (memory figures under "timings", named "…_bytes", stay in
// summary.json: they are not times); so two sweeps of the same scenario give the same sweep.csv up
// to those columns, however their runs were sharded or scheduled.
//
// CSV: RFC 4180 (comma, CRLF-free "\n" line ends, fields with a comma,
// quote or newline quoted and quotes doubled), a header line, booleans as
// true/false, missing values empty, numbers as JSON writes them; pandas'
// read_csv reads it with no options.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "scenarios/runner/run.h"
#include "scenarios/sweep/sweep.h"
#include "scenarios/report/csv_field.h"  // CsvField, used with these tables

namespace veritrain {

struct SweepRow {
  int64_t run = 0;
  int64_t point = 0;
  int64_t repetition = 0;
  uint64_t seed = 0;
  std::vector<nlohmann::json> values;              // shown value per parameter
  nlohmann::json metrics = nlohmann::json::object();  // column -> scalar
  nlohmann::json timings = nlohmann::json::object();  // column ("…_s") -> seconds

  nlohmann::json ToJson() const;
  // Also reads rows written before the column names were unified (metric
  // "balance:<account>" becomes "balance.<account>").
  static Result<SweepRow> FromJson(const nlohmann::json& j);
};

// The row of one finished run. `run_scenario` is the scenario the run ran.
SweepRow RowFromRun(const SweepRun& run, const Scenario& run_scenario, const RunOutcome& outcome);

// The row of a run that could not be started (its scenario is invalid).
SweepRow RowFromError(const SweepRun& run, const std::string& error);

// sweep.csv for `rows` (any order; written in run order).
std::string SweepCsv(const std::vector<std::string>& parameter_names, std::vector<SweepRow> rows);

// A Wilson score interval for a binomial proportion: `successes` of `n`,
// at the normal quantile `z` (1.96 for 95 %). {0, 1} when n = 0.
struct RateInterval {
  double rate = 0;
  double low = 0;
  double high = 1;
};
RateInterval WilsonInterval(int64_t successes, int64_t n, double z = 1.959963984540054);

// The mean of a sample with its 95 % interval (Student's t, n - 1 degrees
// of freedom): has_interval only when n >= 2.
struct MeanInterval {
  int64_t n = 0;
  double mean = NAN;
  double low = NAN;
  double high = NAN;
  bool has_interval = false;
};
MeanInterval MeanIntervalOf(const std::vector<double>& values);
// The 0.975 quantile of Student's t with `df` degrees of freedom (NaN for
// df < 1): exact to 3 decimals up to 30, within 0.003 beyond.
double StudentT975(int64_t df);

// One point's aggregate over its completed runs. Rates count tasks (every
// task of every settled run: a sweep of "tasks": 5 with 4 repetitions
// rates 20 tasks a point), judged as summary.json judges them
// (task_counts.h); the tasks of one run share a seed and a solver, so the
// intervals, which take them as independent, are narrower than the runs
// alone would give.
struct PointAggregate {
  int64_t point = 0;
  std::vector<nlohmann::json> values;
  int64_t runs = 0;       // rows of the point
  int64_t completed = 0;  // runs that settled (status "ok")
  std::string solver_behaviour;  // "" if the runs disagree
  int64_t tasks = 0;         // tasks of the completed runs
  int64_t honest_tasks = 0;  // of them, those whose solver was honest
  // Of them, those whose solver committed no trace (TaskCounts::untraced):
  // neither honest nor cheating.
  int64_t untraced_tasks = 0;
  // true when every task's solver was honest, false when none was; unset
  // when they differ or no run settled.
  std::optional<bool> solver_honest;
  int64_t flagged = 0;  // a verifier challenged, or the task was not accepted
  RateInterval flagged_rate;
  // Tasks whose solver cheated and was challenged ("detected" in
  // summary.json), whether or not the challenge was upheld.
  int64_t detected = 0;
  // Of them, those that did not pay the solver (detected and not escaped):
  // what the detection rate counts. A cheat challenged by a challenge its
  // challenger lost (challenge_rejected) is detected but escaped, not
  // caught. Over the cheating tasks, detection_rate + escaped_rate <= 1.
  int64_t caught = 0;
  RateInterval detection_rate;  // caught / cheating tasks
  int64_t false_positives = 0;  // over the tasks whose solver was honest
  RateInterval false_positive_rate;
  int64_t escaped = 0;  // a cheating solver paid; over the cheating tasks
  RateInterval escaped_rate;
  // Tasks that did not pay their solver: an outcome other than accepted
  // and challenge_rejected (a challenge the solver won leaves its result
  // accepted).
  int64_t rejected = 0;
  RateInterval rejected_rate;
  // Cheating tasks that a verifier judged and none challenged; tasks whose
  // training diverged (update norms not finite: no model, even if honest
  // and accepted).
  int64_t missed = 0;
  int64_t diverged_tasks = 0;
  nlohmann::json means = nlohmann::json::object();  // numeric metric -> mean
  // Each numeric "market.*" metric's mean with its 95 % interval over the
  // repetitions (a share's interval clipped to [0, 1]).
  std::map<std::string, MeanInterval> intervals;
};

std::vector<PointAggregate> Aggregate(const std::vector<SweepRow>& rows);

// aggregates.csv: one row per point — "point", the parameter values, then
// AggregateColumns() after "point": runs, completed, failed,
// solver_behaviour, solver_honest (empty when the tasks differ), each rate
// of PointAggregate with its 95 % Wilson interval ("<rate>_rate",
// "_ci_low", "_ci_high"; empty when it has no task to count: detection and
// escaped without a cheating solver's task, false_positive without an
// honest one's; detection_rate is caught / cheating tasks), the counts
// (tasks, honest_tasks, flagged, detected, caught, false_positive,
// escaped, rejected), "mean.<metric>" for every numeric
// metric, and "ci_low.<metric>", "ci_high.<metric>" for every market
// metric (empty with fewer than two settled runs).
std::string AggregatesCsv(const std::vector<std::string>& parameter_names,
                          const std::vector<PointAggregate>& points);

// aggregates.csv's own columns, in order ("point" first, before the
// parameters).
const std::vector<std::string>& AggregateColumns();

// Whether a sweep parameter may not be called `name`: a column sweep.csv or
// aggregates.csv writes under that name that a reader filters or groups
// on (run, point, repetition, seed, status, error, exit_code, outcome,
// flagged, challenged, detected, false_positive, missed, escaped,
// solver_behaviour, solver_honest, conservation, expectations_met,
// stopped_early, tasks, wall_s, AggregateColumns()), or one under a prefix
// they use ("mean.", "ci_low.", "ci_high.", "tasks.", "run.", "outcomes.",
// "metric.", "timing."). sweep.csv renames any other metric or timing a
// parameter shares a name with ("metric.<name>", "timing.<name>").
bool IsTableColumnName(const std::string& name);


}  // namespace veritrain
