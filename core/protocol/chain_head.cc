#include "core/protocol/chain_head.h"

#include <string_view>

namespace veritrain {
namespace {

constexpr std::string_view kChainHeadContext = "veritrain/chain-head/v1";

void AppendHeadU64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

Result<uint64_t> HeadCountField(const nlohmann::json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end()) {
    return Status::InvalidArgument(std::string("chain head: missing field '") + name + "'");
  }
  if (!it->is_number_unsigned()) {
    return Status::InvalidArgument(std::string("chain head: field '") + name +
                                   "' is not a non-negative integer");
  }
  return it->get<uint64_t>();
}

Result<std::string> HeadTextField(const nlohmann::json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end()) {
    return Status::InvalidArgument(std::string("chain head: missing field '") + name + "'");
  }
  if (!it->is_string()) {
    return Status::InvalidArgument(std::string("chain head: field '") + name +
                                   "' is not a string");
  }
  return it->get<std::string>();
}

Result<Digest> HeadDigestField(const nlohmann::json& j, const char* name) {
  VT_ASSIGN_OR_RETURN(std::string hex, HeadTextField(j, name));
  auto d = Digest::FromHex(hex);
  if (!d) {
    return Status::InvalidArgument(std::string("chain head: field '") + name +
                                   "' is not 64 hex characters");
  }
  return *d;
}

}  // namespace

std::string ChainHead::SignedBytes() const {
  std::string out(kChainHeadContext);
  out.push_back('\0');
  AppendHeadU64(out, events);
  out.append(event_head.view());
  AppendHeadU64(out, ledger_entries);
  out.append(ledger_head.view());
  return out;
}

nlohmann::json ChainHead::ToJson() const {
  return {{"events", events},
          {"event_head", event_head.Hex()},
          {"ledger_entries", ledger_entries},
          {"ledger_head", ledger_head.Hex()},
          {"signer", signer},
          {"signature", signature.Hex()}};
}

Result<ChainHead> ChainHead::FromJson(const nlohmann::json& j) {
  if (!j.is_object()) return Status::InvalidArgument("chain head: not a JSON object");
  ChainHead h;
  VT_ASSIGN_OR_RETURN(h.events, HeadCountField(j, "events"));
  VT_ASSIGN_OR_RETURN(h.event_head, HeadDigestField(j, "event_head"));
  VT_ASSIGN_OR_RETURN(h.ledger_entries, HeadCountField(j, "ledger_entries"));
  VT_ASSIGN_OR_RETURN(h.ledger_head, HeadDigestField(j, "ledger_head"));
  VT_ASSIGN_OR_RETURN(h.signer, HeadTextField(j, "signer"));
  VT_ASSIGN_OR_RETURN(std::string sig, HeadTextField(j, "signature"));
  auto parsed = Signature::FromHex(sig);
  if (!parsed) {
    return Status::InvalidArgument("chain head: field 'signature' is not 128 hex characters");
  }
  h.signature = *parsed;
  return h;
}

ChainHead SignChainHead(const Identity& key, const std::string& signer, uint64_t events,
                        const Digest& event_head, uint64_t ledger_entries,
                        const Digest& ledger_head) {
  ChainHead h;
  h.events = events;
  h.event_head = event_head;
  h.ledger_entries = ledger_entries;
  h.ledger_head = ledger_head;
  h.signer = signer;
  h.signature = key.Sign(h.SignedBytes());
  return h;
}

Status VerifyChainHead(const PublicKey& key, const ChainHead& head) {
  return VerifySignature(key, head.SignedBytes(), head.signature);
}

}  // namespace veritrain
