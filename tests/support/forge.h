// A forger's tools, for the tests of `veritrain audit`: rewrite events of a
// results folder and recompute everything a hash chain alone would need —
// the ledger entries' hashes, every event's prev and hash, the chain heads'
// recorded heads — and the files derived from the log (summary.json,
// metrics.csv, balances.csv), optionally re-signing the heads with the
// forger's own key. What is left for the audit to catch is only what the
// forger cannot redo.
//
// Thread-safety: free functions over one folder.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/crypto/identity.h"
#include "core/protocol/chain_head.h"
#include "core/protocol/event_log.h"
#include "core/protocol/ledger.h"
#include "scenarios/runner/folder_audit.h"
#include "scenarios/runner/money.h"
#include "scenarios/runner/summary.h"
#include "tests/support/files.h"

namespace veritrain::testing_util {

// Recomputes the chains of `events` in place: each transfer's ledger entry
// (seq, prev_hash, hash), each chain_head's recorded heads (re-signed with
// `key` when given, its old signature kept otherwise), each event's seq,
// prev and hash.
inline void Rechain(std::vector<Event>* events, const Identity* key = nullptr) {
  Digest prev{}, ledger_head{};
  uint64_t entries = 0;
  for (size_t i = 0; i < events->size(); ++i) {
    Event& e = (*events)[i];
    if (e.type == "transfer") {
      LedgerEntry entry = *Ledger::EntryFromJson(e.data);
      entry.seq = entries++;
      entry.prev_hash = ledger_head;
      entry.hash = Ledger::HashEntry(entry);
      ledger_head = entry.hash;
      e.data = Ledger::EntryToJson(entry);
    }
    if (e.type == kChainHeadEvent) {
      ChainHead head = *ChainHead::FromJson(e.data);
      head.events = i;
      head.event_head = prev;
      head.ledger_entries = entries;
      head.ledger_head = ledger_head;
      if (key != nullptr) head.signature = key->Sign(head.SignedBytes());
      e.data = head.ToJson();
    }
    e.seq = i;
    e.prev = prev;
    const nlohmann::json body = {{"seq", e.seq},   {"time_ms", e.time_ms}, {"type", e.type},
                                 {"task", e.task}, {"data", e.data},       {"prev", e.prev.Hex()}};
    e.hash = Sha256Of(body.dump());
    prev = e.hash;
  }
}

inline std::string EventsText(const std::vector<Event>& events) {
  std::string text;
  for (const Event& e : events) text += *EventToLine(e) + "\n";
  return text;
}

// Rewrites the run folder `dir` after `edit` has changed its events:
// events.jsonl and ledger.jsonl re-chained, summary.json (its runner-only
// fields kept), metrics.csv and balances.csv rebuilt. With `key` the heads
// are re-signed by it and it replaces the arbiter's key in manifest.json
// and in the genesis event, and the genesis event binds the new manifest.
inline void Forge(const std::string& dir, const std::function<void(std::vector<Event>*)>& edit,
                  const Identity* key = nullptr) {
  std::vector<Event> events = *ReadEventLog(dir + "/events.jsonl");
  edit(&events);
  nlohmann::json manifest = nlohmann::json::parse(ReadFile(dir + "/manifest.json"));
  if (key != nullptr) {
    manifest["public_keys"]["arbiter"] = key->public_key().Hex();
    const std::string text = manifest.dump(2) + "\n";
    WriteFile(dir + "/manifest.json", text);
    events[0].data["arbiter_key"] = key->public_key().Hex();
    events[0].data["manifest_sha256"] = Sha256Of(text).Hex();
  }
  Rechain(&events, key);
  WriteFile(dir + "/events.jsonl", EventsText(events));
  std::string ledger;
  for (const Event& e : events) {
    if (e.type == "transfer") ledger += e.data.dump() + "\n";
  }
  WriteFile(dir + "/ledger.jsonl", ledger);
  const nlohmann::json old = nlohmann::json::parse(ReadFile(dir + "/summary.json"));
  nlohmann::json observed = nlohmann::json::object();
  for (const char* f : kRunnerObservedFields) {
    if (old.contains(f)) observed[f] = old[f];
  }
  const nlohmann::json scenario = manifest.value("scenario", nlohmann::json::object());
  nlohmann::json summary = *RunSummaryFromFolder(
      dir, events, old.value("scenario", std::string()), old.value("seed", uint64_t{0}),
      manifest.value("curve", nlohmann::json::object()).value("enabled", false),
      scenario.value("expect", nlohmann::json::array()), observed);
  WriteFile(dir + "/summary.json", summary.dump(2) + "\n");
  WriteFile(dir + "/metrics.csv", MetricsCsv(summary));
  WriteFile(dir + "/balances.csv", BalancesCsv(events));
}

// The first transfer event whose reason is `reason` (e.g. "pay reward").
inline Event* FindTransfer(std::vector<Event>* events, const std::string& reason) {
  for (Event& e : *events) {
    if (e.type == "transfer" && e.data.value("reason", std::string()) == reason) return &e;
  }
  return nullptr;
}

}  // namespace veritrain::testing_util
