#include "scenarios/report/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "core/state/atomic_file.h"
#include "core/util/json_depth.h"
#include "core/util/regular_file.h"
#include "scenarios/report/html.h"
#include "scenarios/report/report_parts.h"
#include "scenarios/runner/folder_audit.h"
#include "scenarios/runner/results_folder.h"
#include "scenarios/sweep/sweep_audit.h"

namespace veritrain {
namespace report {

std::string Canvas::Figure(const Plot& plot) {
  if (!gnuplot_.ok()) return Skipped("plot '" + plot.title + "'", gnuplot_.message());
  auto svg = RenderSvg(plot, options_.gnuplot);
  if (!svg.ok()) return Skipped("plot '" + plot.title + "'", svg.status().message());
  ++plots_;
  return SvgImage(*svg, plot.title) + "\n";
}

std::string Canvas::Skipped(const std::string& what, const std::string& why) {
  notes_.push_back(what + ": " + why);
  return "<p class=\"note\">" + HtmlEscape(what) + " — " + HtmlEscape(why) + "</p>\n";
}

double DodgeX(XScale scale, const std::vector<double>& values, double x, size_t index,
              size_t count) {
  if (count < 2) return x;
  // At most ±0.25 of the gap in all, and 0.08 of it between two series.
  const double share = (static_cast<double>(index) - (static_cast<double>(count) - 1) / 2) *
                       std::min(0.08, 0.5 / static_cast<double>(count));
  if (scale == XScale::kCategory) return x + share;
  std::vector<double> xs = values;
  std::sort(xs.begin(), xs.end());
  xs.erase(std::unique(xs.begin(), xs.end()), xs.end());
  const bool log = scale == XScale::kLog;
  double gap = INFINITY;
  for (size_t i = 1; i < xs.size(); ++i) {
    if (log && xs[i - 1] <= 0) continue;
    gap = std::min(gap, log ? std::log10(xs[i] / xs[i - 1]) : xs[i] - xs[i - 1]);
  }
  if (!std::isfinite(gap) || gap <= 0) gap = log ? 1.0 : std::max(1.0, std::fabs(x));
  return log ? x * std::pow(10.0, share * gap) : x + share * gap;
}

std::string Cell(const nlohmann::json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 1e15) {
      char buf[32];
      std::snprintf(buf, sizeof(buf), "%.1f", d);
      return buf;
    }
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.6g", d);
    return buf;
  }
  return v.dump();
}

Result<nlohmann::json> ReadJson(const std::string& path) {
  VT_RETURN_IF_ERROR(NotARegularFile(path));
  std::ifstream in(path);
  if (!in) return Status::NotFound(path + " cannot be opened");
  std::stringstream ss;
  ss << in.rdbuf();
  VT_RETURN_IF_ERROR(CheckJsonFileDepth(ss.str(), path));
  nlohmann::json j = nlohmann::json::parse(ss.str(), nullptr, false);
  if (j.is_discarded()) return Status::Corruption(path + " is not valid JSON");
  return j;
}

Result<std::vector<nlohmann::json>> ReadJsonLines(const std::string& path) {
  VT_RETURN_IF_ERROR(NotARegularFile(path));
  std::ifstream in(path);
  if (!in) return Status::NotFound(path + " cannot be opened");
  std::vector<nlohmann::json> out;
  std::string line;
  int64_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) continue;
    VT_RETURN_IF_ERROR(CheckJsonFileDepth(line, path + ": line " + std::to_string(n)));
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded()) {
      return Status::Corruption(path + ": line " + std::to_string(n) + " is not valid JSON");
    }
    out.push_back(std::move(j));
  }
  return out;
}

}  // namespace report

Status CheckReportOut(const std::string& dir, const std::string& out) {
  namespace fs = std::filesystem;
  if (out.empty()) return Status::Ok();
  std::error_code ec;
  const fs::file_status st = fs::status(out, ec);
  if (fs::exists(st) && !fs::is_regular_file(st)) {
    return Status::InvalidArgument("--out " + out + ": " +
                                   (fs::is_directory(st) ? "a folder" : "not a regular file") +
                                   ", and the report is written by replacing a file");
  }
  if (PathIsWithin(out, dir) &&
      fs::weakly_canonical(fs::absolute(out, ec), ec) !=
          fs::weakly_canonical(fs::absolute(fs::path(dir) / "report.html", ec), ec)) {
    return Status::InvalidArgument("--out " + out + ": inside the results folder " + dir +
                                   ", where only its report.html may be written (the report "
                                   "would replace the folder's own files)");
  }
  return Status::Ok();
}

Result<ReportResult> WriteReport(const std::string& dir, const ReportOptions& options) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return Status::NotFound(dir + " is not a folder");
  VT_RETURN_IF_ERROR(CheckReportOut(dir, options.out_file));
  ReportResult result;
  const bool sweep = fs::exists(fs::path(dir) / "sweep.json", ec);
  const bool run = fs::exists(fs::path(dir) / "summary.json", ec);
  if (!sweep && !run) {
    return Status::NotFound(dir +
                            " holds neither summary.json (a run) nor sweep.json (a sweep)");
  }
  result.kind = sweep ? "sweep" : "run";
  report::Canvas canvas(options, GnuplotCheck(options.gnuplot));
  std::string title;
  std::optional<FolderAudit> audit;
  std::string audit_error;
  if (sweep) {
    // The tables against the rows, the rows against each run's summary,
    // each run's folder audited (sweep/sweep_audit.h).
    auto audited = AuditSweepFolder(dir);
    if (audited.ok()) {
      result.audited = true;
      result.audit_problems = audited->problems;
      result.audit_notes = audited->notes;
    } else {
      result.audit_error = audited.status().message();
    }
  } else {
    auto audited = AuditRunFolder(dir);
    if (audited.ok()) {
      audit = std::move(audited).value();
      result.audited = true;
      result.audit_problems = audit->problems;
    } else {
      audit_error = audited.status().message();
      result.audit_error = audit_error;
    }
  }
  Result<std::string> body = Status::Internal("no report");
  try {
    body = sweep ? report::SweepBody(dir, canvas, &title)
                 : report::RunBody(dir, canvas, &title, audit ? &*audit : nullptr, audit_error);
  } catch (const std::exception& e) {
    // A file edited into a shape no check foresaw: bad input, not a crash.
    return Status::InvalidArgument(dir + ": a results file has a field of a type veritrain "
                                   "never writes (" + std::string(e.what()) + ")");
  }
  if (!body.ok()) return body.status();
  result.path = options.out_file.empty() ? (fs::path(dir) / "report.html").string()
                                         : options.out_file;
  VT_RETURN_IF_ERROR(WriteFileAtomically(result.path, {HtmlPage(title, *body)}));
  result.plots = canvas.plots();
  result.notes = canvas.notes();
  return result;
}

}  // namespace veritrain
