// Internals of report.cc: the run and sweep report bodies, and what they
// share. Not a public interface.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/util/status.h"
#include "scenarios/report/plot.h"
#include "scenarios/report/report.h"
#include "scenarios/runner/folder_audit.h"
#include "scenarios/sweep/sweep_table.h"

namespace veritrain::report {

// Collects plots and notes while a body is written.
class Canvas {
 public:
  // `gnuplot`: whether gnuplot can be run (GnuplotCheck), and why not.
  Canvas(const ReportOptions& options, Status gnuplot)
      : options_(options), gnuplot_(std::move(gnuplot)) {}

  // The plot as an embedded image, or a note saying why it is missing.
  std::string Figure(const Plot& plot);
  // A note that a section was skipped, also kept for the caller.
  std::string Skipped(const std::string& what, const std::string& why);

  int plots() const { return plots_; }
  const std::vector<std::string>& notes() const { return notes_; }
  const ReportOptions& options() const { return options_; }

 private:
  const ReportOptions& options_;
  Status gnuplot_;
  int plots_ = 0;
  std::vector<std::string> notes_;
};

enum class XScale {
  kInvalid = 0,  // deliberately not a valid scale
  kLinear = 1,
  kLog = 2,
  kCategory = 3,  // x = the category's index
};

// Where series `index` of `count` draws its point for `x`, so that error
// bars of different series at the same x do not hide each other: shifted
// by a small share of the smallest gap between the axis' `values` (a ratio
// on a log axis; on a category axis, of 1), the series centred on x. One
// series is not moved.
double DodgeX(XScale scale, const std::vector<double>& values, double x, size_t index,
              size_t count);

// A JSON value as table text: strings as themselves, numbers compactly
// (%.6g for non-integers), null as "".
std::string Cell(const nlohmann::json& v);

Result<nlohmann::json> ReadJson(const std::string& path);
// Each line of a JSON-lines file; NotFound if the file is missing.
Result<std::vector<nlohmann::json>> ReadJsonLines(const std::string& path);

// The body of a run report / a sweep report.
// `audit` is the folder's audit, or null with `audit_error` saying why it
// could not be run.
Result<std::string> RunBody(const std::string& dir, Canvas& canvas, std::string* title,
                            const FolderAudit* audit, const std::string& audit_error);
Result<std::string> SweepBody(const std::string& dir, Canvas& canvas, std::string* title);

// A market run's section (report_market.cc): totals, strategy shares, the
// jackpot, the cost of security and catches over the task stream, and each
// participant's final state.
std::string MarketSection(const std::string& dir, const nlohmann::json& summary, Canvas& canvas);

struct Param;  // sweep_axes.h
// The metric a market sweep's phase diagram draws: the verifiers' lazy
// share at the end of the run (a sweep row's metric, sweep_table.h).
inline constexpr const char* kLazyShareMetric = "market.final.shares.verifier.lazy-approve";
// A market sweep's section (report_market_sweep.cc): the phase diagram of
// the lazy share at the end of the run over the swept parameters, with 95 %
// intervals; "" for a sweep of plain scenarios.
std::string MarketSweepSection(const std::vector<Param>& params,
                               const std::vector<PointAggregate>& points, Canvas& canvas);

}  // namespace veritrain::report
