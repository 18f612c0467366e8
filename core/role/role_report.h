// RoleReport: what a role says about its own traffic when it leaves a run,
// written as <out_dir>/reports/<name>.json.
//
//   {"name": "solver-1",
//    "rejected_messages": {"bad_signature": 3, "json_too_deep": 3, ...},
//    "messages_received": 120, "messages_sent": 118,
//    "bytes_received": 81234, "bytes_sent": 90211,
//    "faults_injected": {"dropped": 12, "duplicated": 5, ...},
//    "curve": {"denied": 1, "admitted": 4},
//    "peak_rss_bytes": 415000000,
//    ... and what the role adds (e.g. "resends": 4)}
//
// "rejected_messages" counts every inbound message the role's Messenger
// refused (garbage, oversized, too deep, forged, replayed, unknown sender or
// type), by reason name (core/wire/message.h). The runner copies each role's
// rejected_messages into summary.json ("rejected_messages_by_role"); the
// other counts depend on timing (heartbeats) and stay in the report only;
// "faults_injected" (the network faults a scenario injected into what the
// role received) goes to summary.json's "network.faults_injected_by_role".
//
// "peak_rss_bytes" is the process's peak resident memory so far (VmHWM
// of /proc/self/status, since the role's program started): the runner
// copies each role process's into summary.json's timings. Roles that are
// threads of one process all report that process's.
//
// "curve" is there only for a role that ran a ZAP handler (a CURVE run's
// arbiter and solver; core/transport/zap_handler.h): the connections it
// refused (a key not in the roster, or no CURVE at all) and admitted. The
// runner copies "denied" into summary.json ("curve_denials_by_role").
//
// Thread-safety: the functions are thread-safe; the Messenger must not be
// used by another thread meanwhile.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "core/transport/messenger.h"
#include "core/transport/zap_handler.h"
#include "core/util/status.h"

namespace veritrain {

// `zap` is the role's ZAP handler, or null when it has none; `extra`'s
// fields are added to the report.
nlohmann::json RoleReport(const Messenger& messenger, const ZapHandler* zap = nullptr,
                          const nlohmann::json& extra = nlohmann::json::object());

// Writes RoleReport(messenger, zap, extra) to <out_dir>/reports/<name>.json
// crash-safely, creating the folder if needed.
Status WriteRoleReport(const std::string& out_dir, const Messenger& messenger,
                       const ZapHandler* zap = nullptr,
                       const nlohmann::json& extra = nlohmann::json::object());

// Field `field` of every role's report, keyed by role name (roles whose
// report lacks it are left out). Errors as ReadRejectedByRole.
Result<nlohmann::json> ReadReportFieldByRole(const std::string& out_dir, const std::string& field);

// Every role's rejected_messages from the reports in <out_dir>/reports/,
// keyed by role name (an empty object when there are none). A report that
// cannot be read or parsed is an error naming the file.
Result<nlohmann::json> ReadRejectedByRole(const std::string& out_dir);

// Every ZAP-guarded role's curve.denied from the same reports, keyed by role
// name (an empty object when no role ran a ZAP handler). Errors as above,
// and Corruption naming the file when "curve" has no integer "denied".
Result<nlohmann::json> ReadCurveDenialsByRole(const std::string& out_dir);

}  // namespace veritrain
