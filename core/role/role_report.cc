#include "core/role/role_report.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/state/atomic_file.h"
#include "core/util/json_depth.h"

namespace veritrain {
namespace {

namespace fs = std::filesystem;

struct ReportFile {
  std::string path;
  nlohmann::json report;  // an object with "name" and "rejected_messages"
};

// Every report in <out_dir>/reports/ (none when the folder is missing).
Result<std::vector<ReportFile>> ReadReports(const std::string& out_dir) {
  std::vector<ReportFile> out;
  const fs::path dir = fs::path(out_dir) / "reports";
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().extension() != ".json") continue;
    VT_ASSIGN_OR_RETURN(Bytes text, ReadFileBytes(entry.path().string()));
    VT_RETURN_IF_ERROR(CheckJsonFileDepth(text.view(), "role report " + entry.path().string()));
    nlohmann::json j =
        nlohmann::json::parse(text.view(), nullptr, /*allow_exceptions=*/false);
    if (!j.is_object() || !j.contains("name") || !j["name"].is_string() ||
        !j.contains("rejected_messages") ||
        !j["rejected_messages"].is_object()) {
      return Status::Corruption(
          "role report " + entry.path().string() +
          " must be an object with 'name' and 'rejected_messages'");
    }
    out.push_back({entry.path().string(), std::move(j)});
  }
  if (ec)
    return Status::IOError("cannot list " + dir.string() + ": " + ec.message());
  return out;
}

// This process's peak resident memory since it started its program
// (VmHWM); 0 when /proc cannot tell. Not getrusage's ru_maxrss: across
// exec, Linux keeps the larger of the old image's peak, so a role forked
// from a large runner would report the runner's memory.
int64_t PeakRssBytes() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) {
      std::istringstream v(line.substr(6));
      int64_t kib = 0;
      v >> kib;
      return kib * 1024;
    }
  }
  return 0;
}

}  // namespace

nlohmann::json RoleReport(const Messenger& messenger, const ZapHandler* zap,
                          const nlohmann::json& extra) {
  nlohmann::json rejected = nlohmann::json::object();
  for (const auto& [reason, n] : messenger.rejects()) rejected[reason] = n;
  nlohmann::json faults = nlohmann::json::object();
  for (const auto& [kind, n] : messenger.faults()) faults[kind] = n;
  nlohmann::json j = {{"name", messenger.name()},
                      {"rejected_messages", rejected},
                      {"messages_received", messenger.messages_received()},
                      {"messages_sent", messenger.messages_sent()},
                      {"bytes_received", messenger.bytes_received()},
                      {"bytes_sent", messenger.bytes_sent()},
                      {"faults_injected", faults},
                      {"peak_rss_bytes", PeakRssBytes()}};
  if (zap != nullptr) {
    j["curve"] = {{"denied", zap->denials()}, {"admitted", zap->admissions()}};
  }
  for (const auto& [k, v] : extra.items()) j[k] = v;
  return j;
}

Status WriteRoleReport(const std::string& out_dir, const Messenger& messenger,
                       const ZapHandler* zap, const nlohmann::json& extra) {
  const std::string dir = out_dir + "/reports";
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::IOError("cannot create " + dir + ": " + ec.message());
  return WriteFileAtomically(dir + "/" + messenger.name() + ".json",
                             {RoleReport(messenger, zap, extra).dump(2) + "\n"});
}

Result<nlohmann::json> ReadReportFieldByRole(const std::string& out_dir,
                                             const std::string& field) {
  VT_ASSIGN_OR_RETURN(auto reports, ReadReports(out_dir));
  nlohmann::json out = nlohmann::json::object();
  for (const auto& r : reports) {
    if (r.report.contains(field)) out[r.report["name"].get<std::string>()] = r.report[field];
  }
  return out;
}

Result<nlohmann::json> ReadRejectedByRole(const std::string& out_dir) {
  return ReadReportFieldByRole(out_dir, "rejected_messages");
}

Result<nlohmann::json> ReadCurveDenialsByRole(const std::string& out_dir) {
  VT_ASSIGN_OR_RETURN(auto reports, ReadReports(out_dir));
  nlohmann::json out = nlohmann::json::object();
  for (const auto& r : reports) {
    auto curve = r.report.find("curve");
    if (curve == r.report.end()) continue;
    if (!curve->is_object() || !curve->contains("denied") ||
        !(*curve)["denied"].is_number_integer()) {
      return Status::Corruption("role report " + r.path +
                                ": 'curve' must be an object with an integer 'denied'");
    }
    out[r.report["name"].get<std::string>()] = (*curve)["denied"];
  }
  return out;
}

}  // namespace veritrain
