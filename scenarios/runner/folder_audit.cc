#include "scenarios/runner/folder_audit.h"

#include "scenarios/spec/summary_shape.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "core/protocol/chain_head.h"
#include "core/protocol/events.h"
#include "core/protocol/ledger.h"
#include "core/role/role_report.h"
#include "core/util/json_depth.h"
#include "core/util/json_keys.h"
#include "core/util/regular_file.h"
#include "scenarios/spec/expect.h"
#include "scenarios/runner/calibration_audit.h"
#include "scenarios/runner/ledger_audit.h"
#include "scenarios/runner/market_replay.h"
#include "scenarios/runner/money.h"
#include "scenarios/runner/summary.h"
#include "scenarios/runner/unfired_faults.h"
#include "scenarios/calibrate/calibration_warnings.h"
#include "scenarios/check/clock_check.h"
#include "scenarios/check/scenario_warnings.h"
#include "scenarios/runner/diverged_warnings.h"

namespace veritrain {
namespace {

using json = nlohmann::json;

// The differences listed per file, at most; the rest are counted.
constexpr size_t kMaxDifferences = 8;

Result<std::string> ReadText(const std::string& path) {
  // A directory opens as a stream that reads nothing, which would pass for
  // an empty file; a FIFO would block the audit for ever.
  VT_RETURN_IF_ERROR(NotARegularFile(path));
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return Status::NotFound(path + " does not exist");
    return Status::IOError(path + " cannot be read");
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return Status::IOError(path + " cannot be read");
  return buf.str();
}

Result<LedgerEntry> LedgerEntryOfLine(const std::string& line) {
  if (JsonDeeperThan(line, kMaxJsonFileDepth)) {
    return Status::Corruption("JSON nested deeper than " + std::to_string(kMaxJsonFileDepth) +
                              " levels");
  }
  json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::Corruption("not JSON");
  return Ledger::EntryFromJson(j);
}

Result<json> ReadAuditedJson(const std::string& path) {
  VT_ASSIGN_OR_RETURN(std::string text, ReadText(path));
  VT_RETURN_IF_ERROR(CheckJsonFileDepth(text, path));
  return ParseStrictJson(text, path);
}

std::string Short(const json& v) {
  std::string s = v.dump();
  if (s.size() > 80) s = s.substr(0, 77) + "...";
  return s;
}

// Lists where `folder` differs from `rebuilt`, skipping every "timings"
// member, as "<path>: <folder value> in the folder, <rebuilt value> from
// <source>".
void Diff(const json& folder, const json& rebuilt, const std::string& path,
          const std::string& source, std::vector<std::string>* out, size_t* count) {
  auto note = [&](const std::string& what) {
    if ((*count)++ < kMaxDifferences) out->push_back(what);
  };
  const std::string at = path.empty() ? "/" : path;
  if (folder.is_object() && rebuilt.is_object()) {
    for (const auto& [k, v] : folder.items()) {
      if (k == "timings") continue;
      if (!rebuilt.contains(k)) {
        note(at + (path.empty() ? "" : "/") + k + ": in the folder (" + Short(v) +
             "), not in what " + source + " give");
      } else {
        Diff(v, rebuilt[k], path + "/" + k, source, out, count);
      }
    }
    for (const auto& [k, v] : rebuilt.items()) {
      if (k == "timings" || folder.contains(k)) continue;
      note(path + "/" + k + ": missing from the folder; " + source + " give " + Short(v));
    }
    return;
  }
  if (folder.is_array() && rebuilt.is_array() && folder.size() == rebuilt.size()) {
    for (size_t i = 0; i < folder.size(); ++i) {
      Diff(folder[i], rebuilt[i], path + "/" + std::to_string(i), source, out, count);
    }
    return;
  }
  if (folder != rebuilt) {
    note(at + ": " + Short(folder) + " in the folder, " + Short(rebuilt) + " from " + source);
  }
}

// The first line where two texts differ, 1-based; 0 when equal.
size_t FirstDifferentLine(const std::string& a, const std::string& b) {
  std::istringstream ia(a), ib(b);
  std::string la, lb;
  for (size_t n = 1;; ++n) {
    const bool ga = static_cast<bool>(std::getline(ia, la));
    const bool gb = static_cast<bool>(std::getline(ib, lb));
    if (!ga && !gb) return a == b ? 0 : n;
    if (ga != gb || la != lb) return n;
  }
}

// Checks the signed heads and the end of the log; adds to `audit`.
void CheckHeads(const std::vector<Event>& events, const PublicKey& key,
                const std::vector<LedgerEntry>& ledger, FolderAudit* audit) {
  std::vector<std::string> problems;
  // Ledger entries logged before each event, to compare with a head.
  size_t entries_before = 0;
  int64_t heads = 0;
  int64_t last_head = -1;
  for (const Event& e : events) {
    if (e.type == ChainHeadEvent::kType) {
      const std::string where = "events.jsonl seq " + std::to_string(e.seq) + " (chain_head)";
      auto head = ChainHead::FromJson(e.data);
      if (!head.ok()) {
        problems.push_back(where + ": " + head.status().message());
      } else if (head->events != e.seq || head->event_head != e.prev) {
        problems.push_back(where + ": signs " + std::to_string(head->events) +
                           " events ending in " + head->event_head.Hex() +
                           ", but it follows event " + std::to_string(e.seq) + " ending in " +
                           e.prev.Hex());
      } else if (head->ledger_entries != entries_before ||
                 head->ledger_head !=
                     (entries_before == 0 ? Digest{} : ledger[entries_before - 1].hash)) {
        problems.push_back(where + ": signs " + std::to_string(head->ledger_entries) +
                           " ledger entries ending in " + head->ledger_head.Hex() +
                           ", but the log holds " + std::to_string(entries_before) +
                           " transfers before it ending in " +
                           (entries_before == 0 ? Digest{} : ledger[entries_before - 1].hash)
                               .Hex());
      } else if (Status s = VerifyChainHead(key, *head); !s.ok()) {
        // Either the heads changed after they were signed, or the key
        // checked against is not the one that signed them (a pinned
        // --arbiter-key of another run): which one, the key cannot tell.
        problems.push_back(where + ": the signature is not key " + key.Hex().substr(0, 16) +
                           "…'s over these heads (" + s.message() +
                           "): the log was rewritten after it was signed, or another key "
                           "signed it");
      } else {
        ++heads;
        last_head = static_cast<int64_t>(e.seq);
      }
    }
    if (e.type == TransferEvent::kType) ++entries_before;
  }
  if (heads == 0 && problems.empty()) {
    problems.push_back(
        "events.jsonl: no signed chain head: nothing in the log is signed by the arbiter "
        "(a log written before signed heads, or one whose heads were removed)");
  }
  const int64_t last = static_cast<int64_t>(events.size()) - 1;
  if (heads > 0 && last_head != last) {
    problems.push_back("events.jsonl: events " + std::to_string(last_head + 1) + ".." +
                       std::to_string(last) +
                       " come after the arbiter's last signed head: they were added, or "
                       "rewritten, after the fact");
  }
  const bool ends_in_shutdown =
      last >= 1 && events[last].type == ChainHeadEvent::kType &&
      events[last - 1].type == ShutdownEvent::kType;
  if (heads > 0 && last_head == last && !ends_in_shutdown) {
    problems.push_back("events.jsonl: the log ends at seq " + std::to_string(last) +
                       " without the arbiter's shutdown: the run did not finish, or the log was "
                       "cut short");
  }
  if (problems.empty()) {
    audit->passed.push_back("events.jsonl: " + std::to_string(events.size()) +
                            " events, hash chain intact, " + std::to_string(heads) +
                            " heads signed by the arbiter's key, the last after its shutdown");
  }
  for (auto& p : problems) audit->problems.push_back(std::move(p));
}

}  // namespace

Result<json> RunSummaryFromFolder(const std::string& dir, const std::vector<Event>& events,
                                  const std::string& scenario, uint64_t seed, bool curve,
                                  const json& expect, const json& observed) {
  VT_ASSIGN_OR_RETURN(json summary, BuildSummary(events, scenario, seed));
  summary["ledger_audit"] = AuditLedgerFile(dir + "/ledger.jsonl");
  // Each role's own count of refused inbound messages (its final report).
  VT_ASSIGN_OR_RETURN(summary["rejected_messages_by_role"], ReadRejectedByRole(dir));
  // How many messages were faulted or resent depends on how many were sent,
  // which depends on timing: kept apart, like "timings".
  json& network = summary["network"];
  VT_ASSIGN_OR_RETURN(network["faults_injected_by_role"],
                      ReadReportFieldByRole(dir, "faults_injected"));
  VT_ASSIGN_OR_RETURN(network["resends_by_role"], ReadReportFieldByRole(dir, "resends"));
  // Times each participant heard nothing from the arbiter for silence_ms.
  VT_ASSIGN_OR_RETURN(network["arbiter_silences_by_role"],
                      ReadReportFieldByRole(dir, "arbiter_silences"));
  if (curve) {
    // Connections the ZAP handlers refused: keys not in the roster.
    VT_ASSIGN_OR_RETURN(summary["curve_denials_by_role"], ReadCurveDenialsByRole(dir));
  }
  for (const char* field : kRunnerObservedFields) {
    if (observed.contains(field)) summary[field] = observed[field];
  }
  // A market's results, replayed from the log by its rules.
  VT_ASSIGN_OR_RETURN(std::optional<MarketResults> market, ReplayMarketOfFolder(dir, events));
  if (market) summary["market"] = market->summary;
  json results = json::array();
  bool all = true;
  for (const auto& r : EvaluateExpectations(expect, summary)) {
    results.push_back({{"expectation", r.description},
                       {"passed", r.passed},
                       {"actual", r.actual},
                       {"detail", r.detail}});
    all = all && r.passed;
  }
  summary["expectations"] = results;
  summary["expectations_met"] = all;
  return summary;
}

namespace {

// Whose signatures count: the given key, or the arbiter's in the
// manifest; checked against the key the genesis event names.
std::optional<PublicKey> ArbiterKey(const json& genesis, const json& manifest,
                                    const AuditOptions& options, FolderAudit* audit) {
  auto problem = [&](const std::string& p) { audit->problems.push_back(p); };
  const std::string arbiter = genesis.value("arbiter", std::string("arbiter"));
  std::optional<PublicKey> key = options.arbiter_key;
  std::string key_source = "given";
  if (!key) {
    key_source = "manifest.json";
    const json keys = manifest.value("public_keys", json::object());
    if (keys.is_object() && keys.contains(arbiter) && keys[arbiter].is_string()) {
      key = PublicKey::FromHex(keys[arbiter].get<std::string>());
    }
    if (!key) problem("manifest.json: no public key for the arbiter '" + arbiter + "'");
  }
  if (key) {
    audit->arbiter_key = key->Hex();
    const std::string logged = genesis.value("arbiter_key", std::string());
    if (!logged.empty() && logged != key->Hex()) {
      problem("events.jsonl: the genesis event names arbiter key " + logged + ", not the " +
              key_source + " key " + key->Hex());
    }
  }
  return key;
}

// The genesis event binds manifest.json by its SHA-256.
void CheckManifestBinding(const json& genesis, const std::string& manifest_text,
                          FolderAudit* audit) {
  auto problem = [&](const std::string& p) { audit->problems.push_back(p); };
  const std::string bound = genesis.value("manifest_sha256", std::string());
  const std::string actual = Sha256Of(manifest_text).Hex();
  if (bound.empty()) {
    problem("events.jsonl: the genesis event does not bind manifest.json (no manifest_sha256)");
  } else if (bound != actual) {
    problem("manifest.json: SHA-256 " + actual + ", but the arbiter logged " + bound +
            " at genesis: the manifest was changed");
  } else {
    audit->passed.push_back("manifest.json: the one the arbiter hashed at genesis");
  }
}

// The ledger, from the event log's transfers, replayed and audited.
std::vector<LedgerEntry> AuditLedger(const std::vector<Event>& events,
                                     const std::optional<PublicKey>& key, FolderAudit* audit) {
  auto problem = [&](const std::string& p) { audit->problems.push_back(p); };
  std::vector<LedgerEntry> ledger;
  for (const Event& e : events) {
    if (e.type != TransferEvent::kType) continue;
    auto entry = Ledger::EntryFromJson(e.data);
    if (!entry.ok()) {
      problem("events.jsonl seq " + std::to_string(e.seq) + ": " + entry.status().message());
      continue;
    }
    ledger.push_back(std::move(entry).value());
  }
  if (key) CheckHeads(events, *key, ledger, audit);
  auto replayed = Ledger::Replay(ledger);
  if (!replayed.ok()) {
    problem("the ledger in events.jsonl: " + replayed.status().message());
  } else if (Status c = replayed->CheckConservation(); !c.ok()) {
    problem("the ledger in events.jsonl: " + c.message());
  } else {
    audit->passed.push_back("ledger: " + std::to_string(ledger.size()) +
                           " entries replayed from events.jsonl, hash chain intact, no "
                           "overdraft, supply " +
                           std::to_string(replayed->TotalSupply().value()) + " conserved");
  }
  return ledger;
}

// ledger.jsonl: the same entries as the event log, whenever it was written.
void CheckLedgerFile(const std::string& dir, const std::vector<LedgerEntry>& ledger,
                     FolderAudit* audit) {
  auto problem = [&](const std::string& p) { audit->problems.push_back(p); };
  if (auto text = ReadText(dir + "/ledger.jsonl"); !text.ok()) {
    problem("ledger.jsonl: " + text.status().message());
  } else {
    std::istringstream in(*text);
    std::string line;
    size_t n = 0;
    std::string first;
    while (first.empty() && std::getline(in, line)) {
      const std::string where = "ledger.jsonl line " + std::to_string(n + 1);
      auto entry = LedgerEntryOfLine(line);
      if (!entry.ok()) {
        first = where + ": " + entry.status().message();
      } else if (n >= ledger.size()) {
        first = where + ": an entry events.jsonl does not have";
      } else if (!(*entry == ledger[n])) {
        first = where + " differs from transfer seq " + std::to_string(n) +
                " of events.jsonl: " + Short(Ledger::EntryToJson(*entry)) + " vs " +
                Short(Ledger::EntryToJson(ledger[n]));
      } else if (line != Ledger::EntryToJson(ledger[n]).dump()) {
        // The same entry to this parser, other bytes: a repeated key (read
        // as its last value here, as its first by another reader), a field
        // of its own, spaces, a byte order mark. The arbiter writes each
        // entry in one form (ledger_file.cc); any other was written after.
        first = where + " is not transfer seq " + std::to_string(n) +
                " as the arbiter writes it (a repeated key, an added field, other spacing or "
                "bytes): " + Short(json(line)) + " vs " +
                Short(Ledger::EntryToJson(ledger[n]));
      }
      ++n;
    }
    if (first.empty() && n < ledger.size()) {
      first = "ledger.jsonl: " + std::to_string(n) + " entries, events.jsonl has " +
              std::to_string(ledger.size());
    }
    if (!first.empty()) {
      problem(first);
    } else {
      audit->passed.push_back("ledger.jsonl: the same " + std::to_string(n) +
                             " entries as events.jsonl");
    }
  }

}

// "stopped_early", which the runner writes when the arbiter refused a
// task it posted, against the log, which holds that refusal: present
// exactly when the submitter's post was refused, and planning the
// scenario's tasks. (Its reason is the runner's wording of the refusal and
// must quote the arbiter's error.) Problems are appended to `problems`.
void CheckStoppedEarly(const json& summary, const json& scenario,
                       const std::vector<Event>& events, std::vector<std::string>* problems) {
  const Event* refusal = nullptr;
  const std::string submitter = "submitter";
  for (const auto& e : events) {
    if (e.type == RequestRefusedEvent::kType && e.data.value("type", std::string()) == "post_task" &&
        e.data.value("from", std::string()) == submitter) {
      refusal = &e;
      break;
    }
  }
  const bool stopped = summary.contains("stopped_early");
  if (refusal == nullptr) {
    if (stopped) {
      problems->push_back("summary.json: stopped_early says the run ended before its last task, "
                          "but events.jsonl holds no refused post of a task");
    }
    return;
  }
  const std::string error = refusal->data.value("error", std::string());
  if (!stopped) {
    problems->push_back("summary.json: no stopped_early, but events.jsonl holds the arbiter's "
                        "refusal of a posted task (" + error.substr(0, 200) +
                        "): the run ended before its last task");
    return;
  }
  const json& s = summary["stopped_early"];
  const json planned = scenario.value("tasks", json(1));
  if (!s.is_object() || s.value("tasks_planned", json()) != planned) {
    problems->push_back("summary.json: stopped_early/tasks_planned is not the scenario's tasks (" +
                        planned.dump() + ")");
  }
  if (!s.is_object() || s.value("reason", std::string()).find(error) == std::string::npos) {
    problems->push_back("summary.json: stopped_early/reason does not quote the arbiter's "
                        "refusal in events.jsonl (" + error.substr(0, 200) + ")");
  }
}

// summary.json's "crashes" are the scenario's crash points that fired, as
// the scenario gives them: each names a participant the scenario crashes
// (once), at the point and move count it names, restarted exactly when it
// asks for a restart. An edited entry (a crash that did not restart said to
// have, another point, an invented crash) would make a run read as a
// recovery it was not; expectations such as /crashes/0/restarted read it.
// Skipped when the manifest's scenario cannot be read as one here.
void CheckCrashes(const json& summary, const json& scenario, std::vector<std::string>* problems) {
  auto sc = ParseScenario(scenario.dump(), "manifest.json");
  if (!sc.ok()) return;
  const json crashes = summary.value("crashes", json::array());
  if (!crashes.is_array()) return;  // the shape check says so
  std::set<std::string> seen;
  for (size_t i = 0; i < crashes.size(); ++i) {
    const json& c = crashes[i];
    const std::string where = "summary.json: crashes/" + std::to_string(i);
    const std::string who =
        c.is_object() && c.contains("participant") && c["participant"].is_string()
            ? c["participant"].get<std::string>()
            : std::string();
    const CrashSpec* spec = sc->CrashOf(who);
    if (spec == nullptr) {
      problems->push_back(where + " names " + (who.empty() ? "no participant" : who) +
                          ", whom the scenario does not crash");
      continue;
    }
    if (!seen.insert(who).second) {
      problems->push_back(where + " crashes " + who + " a second time; the scenario crashes it once");
      continue;
    }
    const json want = {{"at", spec->at}, {"after", spec->after}, {"restarted", spec->restart}};
    for (const auto& [key, value] : want.items()) {
      if (!c.contains(key) || c[key] != value) {
        problems->push_back(where + "/" + key + " is " +
                            (c.contains(key) ? c[key].dump() : std::string("missing")) +
                            "; the scenario's crash of " + who + " gives " + value.dump());
      }
    }
  }
}

// summary.json's "warnings" must be exactly the ones the run gives: check's
// (its clock warnings judged on the step time the manifest records), the
// calibration's (from the manifest's record), a hand-set δ's on the run's
// own tasks and the intervals it left unmeasured (the manifest's
// own_tasks), and those of crashes or full
// disks the scenario asks for that never came. A caveat deleted would leave
// a result that looks unqualified; one added, a result qualified by
// something that never happened. A folder whose manifest records no step
// time (written by an older build) has its clock warnings taken as they
// are. Skipped when the manifest's scenario cannot be read as one here (a
// plug-in job this build cannot load).
void CheckWarnings(const json& summary, const json& manifest, const json& scenario,
                   const std::vector<Event>& events, std::vector<std::string>* problems) {
  auto sc = ParseScenario(scenario.dump(), "manifest.json");
  if (!sc.ok()) return;
  std::set<std::string> crashed;
  for (const auto& c : summary.value("crashes", json::array())) {
    if (c.is_object()) crashed.insert(c.value("participant", std::string()));
  }
  std::vector<std::string> expected = ScenarioWarnings(*sc, /*measure_clocks=*/false);
  const bool clocks_known = manifest.contains("measured_step_seconds") &&
                            manifest["measured_step_seconds"].is_number();
  if (clocks_known) {
    JobFacts facts;
    facts.graph = manifest.value("graph", json::object());
    if (!facts.graph.is_object()) facts.graph = json::object();
    facts.step_seconds = manifest["measured_step_seconds"].get<double>();
    for (std::string& w : ClockWarnings(*sc, facts)) expected.push_back(std::move(w));
  }
  for (std::string& w : CalibrationWarnings(manifest.value("calibration", json()))) {
    expected.push_back(std::move(w));
  }
  // A hand-set δ's honest errors of the run's own tasks beyond it (run.cc,
  // HandSetDeltaCheck), as the manifest keeps them.
  const json own = manifest.value("own_tasks", json::object());
  for (const char* part : {"uncovered", "unmeasured"}) {
    if (!own.is_object() || !own.contains(part) || !own[part].is_array()) continue;
    for (const json& line : own[part]) {
      if (line.is_string()) expected.push_back(line.get<std::string>());
    }
  }
  for (std::string& w : UnfiredFaultWarnings(*sc, crashed, events)) {
    expected.push_back(std::move(w));
  }
  for (std::string& w : DivergedTrainingWarnings(events)) expected.push_back(std::move(w));
  auto shortened = [](const std::string& w) {
    return w.substr(0, 160) + (w.size() > 160 ? "…" : "");
  };
  json warnings = summary.value("warnings", json::array());
  if (!warnings.is_array()) warnings = json::array();  // the shape check says so
  const std::set<std::string> given(expected.begin(), expected.end());
  for (const std::string& w : given) {
    bool found = false;
    for (const auto& have : warnings) found = found || have == w;
    if (!found) {
      problems->push_back("summary.json: warnings lacks \"" + shortened(w) +
                          "\", which the scenario and the log give");
    }
  }
  for (const auto& have : warnings) {
    if (!have.is_string() || given.count(have.get<std::string>()) > 0) continue;
    if (!clocks_known) {
      // Without the recorded step time only a clock warning's field is known.
      bool clock = false;
      for (const char* field : {"/protocol/game/clock_s", "/protocol/deadlines/training_s",
                                "/protocol/deadlines/verification_s", "/timeout_s"}) {
        clock = clock || have.get<std::string>().rfind(field, 0) == 0;
      }
      if (clock) continue;
    }
    problems->push_back("summary.json: warnings has \"" + shortened(have.get<std::string>()) +
                        "\", which neither the scenario, the manifest nor the log gives");
  }
}

// summary.json, rebuilt from the log and reports/; then metrics.csv,
// balances.csv and a market's tables from it and the log.
void CheckSummaryAndTables(const std::string& dir, const std::vector<Event>& events,
                           const json& manifest, FolderAudit* audit) {
  auto problem = [&](const std::string& p) { audit->problems.push_back(p); };
  auto summary = ReadAuditedJson(dir + "/summary.json");
  if (!summary.ok()) {
    problem("summary.json: " + summary.status().message());
    return;
  }
  // A summary edited into another shape is said to be so, field by field;
  // the tables are then checked against the summary the log gives.
  const std::vector<std::string> mismatches = SummaryShapeMismatches(*summary);
  for (const auto& m : mismatches) problem("summary.json " + m);
  json scenario = manifest.value("scenario", json::object());
  if (!scenario.is_object()) {
    problem("manifest.json: \"scenario\" is not an object");
    scenario = json::object();
  }
  json curve_block = manifest.value("curve", json::object());
  const bool curve = curve_block.is_object() && curve_block.value("enabled", json(false)) == true;
  json observed = json::object();
  for (const char* field : kRunnerObservedFields) {
    if (summary->contains(field)) observed[field] = (*summary)[field];
  }
  auto string_at = [](const json& j, const char* key) {
    return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
  };
  auto seed_at = [](const json& j) -> std::optional<uint64_t> {
    if (j.contains("seed") && j["seed"].is_number_unsigned()) return j["seed"].get<uint64_t>();
    return std::nullopt;
  };
  const std::string name =
      scenario.contains("name") ? string_at(scenario, "name") : string_at(*summary, "scenario");
  const uint64_t seed = seed_at(manifest).value_or(seed_at(*summary).value_or(0));
  json expect = scenario.value("expect", json::array());
  if (!expect.is_array()) expect = json::array();
  CheckStoppedEarly(*summary, scenario, events, &audit->problems);
  CheckWarnings(*summary, manifest, scenario, events, &audit->problems);
  CheckCrashes(*summary, scenario, &audit->problems);
  auto rebuilt = RunSummaryFromFolder(dir, events, name, seed, curve, expect, observed);
  if (!rebuilt.ok()) {
    problem("summary.json cannot be rebuilt: " + rebuilt.status().message());
  } else {
    std::vector<std::string> diffs;
    size_t count = 0;
    Diff(*summary, *rebuilt, "", "events.jsonl and reports/", &diffs, &count);
    for (const auto& d : diffs) problem("summary.json " + d);
    if (count > diffs.size()) {
      problem("summary.json: " + std::to_string(count - diffs.size()) + " more differences");
    }
    if (count == 0) {
      // What the signed log does not cover, said where it is relied on.
      audit->passed.push_back(
          "summary.json: rebuilt from events.jsonl and reports/, identical (timings aside); "
          "reports/ (the fields taken from it: rejected messages, network, peak memory) and "
          "logs/ are the roles' own, unsigned, and not checked");
    }
  }
  std::vector<std::pair<std::string, std::string>> tables = {{"balances.csv", BalancesCsv(events)}};
  if (mismatches.empty()) {
    tables.emplace_back("metrics.csv", MetricsCsv(*summary));
  } else if (rebuilt.ok()) {
    tables.emplace_back("metrics.csv", MetricsCsv(*rebuilt));
  }
  // A market's tables, replayed from the log.
  auto market = ReplayMarketOfFolder(dir, events);
  if (!market.ok()) {
    problem("the market cannot be replayed: " + market.status().message());
  } else if (*market) {
    tables.emplace_back("market.csv", (*market)->participants_csv);
    tables.emplace_back("market_tasks.csv", (*market)->tasks_csv);
  }
  for (const auto& [file, want] : tables) {
    auto text = ReadText(dir + "/" + file);
    if (!text.ok()) {
      problem(file + ": " + text.status().message());
    } else if (size_t line = FirstDifferentLine(*text, want); line != 0) {
      problem(file + " line " + std::to_string(line) + ": not what " +
              (file == "metrics.csv" ? "summary.json gives" : "events.jsonl gives"));
    } else {
      audit->passed.push_back(file + ": identical to the one " +
                             (file == "metrics.csv" ? "summary.json" : "events.jsonl") +
                             " gives");
    }
  }
}

}  // namespace

Result<FolderAudit> AuditRunFolder(const std::string& dir, const AuditOptions& options) {
  FolderAudit audit;
  auto events_text = ReadText(dir + "/events.jsonl");
  if (!events_text.ok() && events_text.status().code() == Status::Code::kNotFound) {
    return Status::NotFound(dir + " is not a run folder: it has no events.jsonl");
  }
  auto problem = [&](const std::string& p) { audit.problems.push_back(p); };

  // The manifest: the arbiter's key, the scenario, and its own hash.
  auto manifest_text = ReadText(dir + "/manifest.json");
  json manifest = json::object();
  if (!manifest_text.ok()) {
    problem("manifest.json: " + manifest_text.status().message());
  } else {
    if (Status depth = CheckJsonFileDepth(*manifest_text, "manifest.json"); !depth.ok()) {
      problem(depth.message());
      manifest = json::object();
    } else {
      manifest = json::parse(*manifest_text, nullptr, /*allow_exceptions=*/false);
    }
    if (manifest.is_discarded() || !manifest.is_object()) {
      problem("manifest.json: not a JSON object");
      manifest = json::object();
    }
  }
  if (!events_text.ok()) {
    problem("events.jsonl: " + events_text.status().message());
    return audit;
  }
  auto parsed = ParseEventLog(*events_text, "events.jsonl");
  if (!parsed.ok()) {
    // Nothing else can be rebuilt from a log that does not verify.
    problem(parsed.status().message());
    return audit;
  }
  const std::vector<Event>& events = *parsed;
  if (events.empty() || events.front().type != GenesisEvent::kType) {
    problem("events.jsonl: does not start with the arbiter's genesis event");
    return audit;
  }
  const json& genesis = events.front().data;

  std::optional<PublicKey> key = ArbiterKey(genesis, manifest, options, &audit);
  if (manifest_text.ok()) CheckManifestBinding(genesis, *manifest_text, &audit);
  const std::vector<LedgerEntry> ledger = AuditLedger(events, key, &audit);
  CheckLedgerFile(dir, ledger, &audit);
  try {
    AuditCalibrationFiles(dir, manifest, events, &audit.problems, &audit.passed);
    CheckSummaryAndTables(dir, events, manifest, &audit);
  } catch (const std::exception& e) {
    // A field of a shape no check above foresaw: a problem of the folder's,
    // not a crash of the audit.
    problem("summary.json and the tables cannot be checked: a field has a type veritrain "
            "never writes (" + std::string(e.what()) + ")");
  }
  return audit;
}

std::string AuditText(const FolderAudit& audit) {
  std::string out;
  if (!audit.arbiter_key.empty()) out += "  arbiter key " + audit.arbiter_key + "\n";
  for (const auto& p : audit.passed) out += "  ok    " + p + "\n";
  for (const auto& p : audit.problems) out += "  FAIL  " + p + "\n";
  for (const auto& n : audit.notes) out += "  note  " + n + "\n";
  if (!audit.ok()) {
    return out + "audit: FAILED (" + std::to_string(audit.problems.size()) +
           (audit.problems.size() == 1 ? " problem)\n" : " problems)\n");
  }
  out += audit.notes.empty() ? "audit: passed\n" : "audit: passed, incomplete (see the notes)\n";
  return out;
}

Result<std::optional<PublicKey>> ArbiterKeyFlag(const std::optional<std::string>& given) {
  if (!given) return std::optional<PublicKey>();
  std::optional<PublicKey> key = PublicKey::FromHex(*given);
  if (!key) {
    return Status::InvalidArgument("--arbiter-key must be 64 hex characters, not \"" + *given +
                                   "\"");
  }
  return key;
}

}  // namespace veritrain
