// RoleReport: what a role says about its own traffic when it leaves a run,
// written as <out_dir>/reports/<name>.json.
//
//   {"name": "solver-1",
//    "rejected_messages": {"bad_signature": 3, "json_too_deep": 3, ...},
//    "messages_received": 120, "messages_sent": 118,
//    "bytes_received": 81234, "bytes_sent": 90211}
//
// "rejected_messages" counts every inbound message the role's Messenger
// refused (garbage, oversized, too deep, forged, replayed, unknown sender or
// type), by reason name (core/wire/message.h). The runner copies each role's
// rejected_messages into summary.json ("rejected_messages_by_role"); the
// other counts depend on timing (heartbeats) and stay in the report only.
//
// Thread-safety: the functions are thread-safe; the Messenger must not be
// used by another thread meanwhile.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "core/transport/messenger.h"
#include "core/util/status.h"

namespace veritrain {

nlohmann::json RoleReport(const Messenger& messenger);

// Writes RoleReport(messenger) to <out_dir>/reports/<messenger.name()>.json
// crash-safely, creating the folder if needed.
Status WriteRoleReport(const std::string& out_dir, const Messenger& messenger);

// Every role's rejected_messages from the reports in <out_dir>/reports/,
// keyed by role name (an empty object when there are none). A report that
// cannot be read or parsed is an error naming the file.
Result<nlohmann::json> ReadRejectedByRole(const std::string& out_dir);

}  // namespace veritrain
