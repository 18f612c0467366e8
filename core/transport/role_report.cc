#include "core/transport/role_report.h"

#include <filesystem>

#include "core/state/atomic_file.h"

namespace veritrain {

namespace fs = std::filesystem;

nlohmann::json RoleReport(const Messenger& messenger, const nlohmann::json& extra) {
  nlohmann::json rejected = nlohmann::json::object();
  for (const auto& [reason, n] : messenger.rejects()) rejected[reason] = n;
  nlohmann::json faults = nlohmann::json::object();
  for (const auto& [kind, n] : messenger.faults()) faults[kind] = n;
  nlohmann::json out = {{"name", messenger.name()},
                        {"rejected_messages", rejected},
                        {"messages_received", messenger.messages_received()},
                        {"messages_sent", messenger.messages_sent()},
                        {"bytes_received", messenger.bytes_received()},
                        {"bytes_sent", messenger.bytes_sent()},
                        {"faults_injected", faults}};
  for (const auto& [k, v] : extra.items()) out[k] = v;
  return out;
}

Status WriteRoleReport(const std::string& out_dir, const Messenger& messenger,
                       const nlohmann::json& extra) {
  const std::string dir = out_dir + "/reports";
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::IOError("cannot create " + dir + ": " + ec.message());
  return WriteFileAtomically(dir + "/" + messenger.name() + ".json",
                             {RoleReport(messenger, extra).dump(2) + "\n"});
}

Result<nlohmann::json> ReadReportFieldByRole(const std::string& out_dir,
                                             const std::string& field) {
  nlohmann::json out = nlohmann::json::object();
  const fs::path dir = fs::path(out_dir) / "reports";
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().extension() != ".json") continue;
    VT_ASSIGN_OR_RETURN(Bytes text, ReadFileBytes(entry.path().string()));
    nlohmann::json j = nlohmann::json::parse(text.view(), nullptr, /*allow_exceptions=*/false);
    if (!j.is_object() || !j.contains("name") || !j["name"].is_string()) {
      return Status::Corruption("role report " + entry.path().string() +
                                " must be an object with a 'name'");
    }
    if (j.contains(field)) out[j["name"].get<std::string>()] = j[field];
  }
  if (ec) return Status::IOError("cannot list " + dir.string() + ": " + ec.message());
  return out;
}

Result<nlohmann::json> ReadRejectedByRole(const std::string& out_dir) {
  VT_ASSIGN_OR_RETURN(nlohmann::json out, ReadReportFieldByRole(out_dir, "rejected_messages"));
  for (const auto& [name, rejected] : out.items()) {
    if (!rejected.is_object()) {
      return Status::Corruption("role report of " + name +
                                ": 'rejected_messages' must be an object");
    }
  }
  return out;
}

}  // namespace veritrain
