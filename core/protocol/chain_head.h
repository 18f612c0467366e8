// ChainHead: the arbiter's signature over the heads of its two hash chains
// (the event log and the ledger), so that a results folder can be audited
// by someone who does not trust it (`veritrain audit`, docs/reliability.md).
//
// A hash chain alone shows that nothing was changed *without* recomputing
// the hashes; anyone can rewrite an entry and recompute every hash after it
// (a "re-chained forgery"). The arbiter therefore signs, with its Ed25519
// key (the one the run's manifest lists under public_keys.arbiter), the
// number of events before the signature and the hash of the last one, and
// the number of ledger entries and the hash of the last one. It logs the
// signed head as a "chain_head" event after every settled task and, last of
// all, after its "shutdown" event, so that every event of a finished log is
// covered by a signature and a cut-off log is seen as one.
//
// Signed bytes (Ed25519 over, in this order):
//   "veritrain/chain-head/v1" || 0x00
//   || u64le(events) || event_head (32 bytes)
//   || u64le(ledger_entries) || ledger_head (32 bytes)
// where event_head is the hash of event events-1 (32 zero bytes for none)
// and ledger_head the hash of ledger entry ledger_entries-1 (likewise).
//
// JSON form (the event's data):
//   {"events": n, "event_head": hex, "ledger_entries": m,
//    "ledger_head": hex, "signer": "<name>", "signature": hex}
//
// Thread-safety: values and pure functions.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "core/crypto/identity.h"
#include "core/crypto/sha256.h"
#include "core/util/status.h"

namespace veritrain {

// The event type the arbiter logs a signed head as.
inline constexpr const char* kChainHeadEvent = "chain_head";

struct ChainHead {
  uint64_t events = 0;  // events covered: seq 0 .. events-1
  Digest event_head;
  uint64_t ledger_entries = 0;  // ledger entries covered
  Digest ledger_head;
  std::string signer;  // the participant that signed (the arbiter's name)
  Signature signature;

  // The bytes the signature is over (see above).
  std::string SignedBytes() const;

  nlohmann::json ToJson() const;
  // InvalidArgument naming the missing or malformed field.
  static Result<ChainHead> FromJson(const nlohmann::json& j);
};

// The head of both chains, signed by `key` as `signer`.
ChainHead SignChainHead(const Identity& key, const std::string& signer, uint64_t events,
                        const Digest& event_head, uint64_t ledger_entries,
                        const Digest& ledger_head);

// OK when `head.signature` is `key`'s signature over head.SignedBytes();
// Unauthenticated otherwise.
Status VerifyChainHead(const PublicKey& key, const ChainHead& head);

}  // namespace veritrain
