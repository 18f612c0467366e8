#include "core/wire/message.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "core/crypto/sha256.h"
#include "core/state/state_hash.h"
#include "core/state/tensor_hashing.h"
#include "core/util/json_depth.h"

namespace veritrain {
namespace {

using nlohmann::json;

// A message's tensor frames are hashed on one more thread for every this
// many bytes: starting a thread costs tens of microseconds, hashing 1 MiB
// about half a millisecond.
constexpr size_t kMinBytesPerHashThread = size_t{1} << 20;

// Same bound as TensorData::consistent(): no tensor has more elements.
constexpr uint64_t kMaxTensorElements = uint64_t{1} << 40;

// The exact bytes the sender signs (see message.h and docs/wire.md).
std::string SignatureInput(std::string_view header) {
  std::string in;
  in.reserve(kSignatureContext.size() + 1 + 8 + header.size());
  in.append(kSignatureContext);
  in.push_back('\0');
  const uint64_t len = header.size();
  for (int i = 0; i < 8; ++i) in.push_back(static_cast<char>(len >> (8 * i)));
  in.append(header);
  return in;
}

// Collects the first failure; keeps DecodeMessage linear.
class Rejecter {
 public:
  explicit Rejecter(RejectReason* out) : out_(out) {
    if (out_ != nullptr) *out_ = RejectReason::kNone;
  }
  Status operator()(RejectReason r, const std::string& detail) const {
    if (out_ != nullptr) *out_ = r;
    return RejectStatus(r, detail);
  }

 private:
  RejectReason* out_;
};

std::string JsonTypeName(const json& j) { return j.type_name(); }

// Decodes one "tensors" entry's JSON shape. The dtype, shape values and
// frame size are checked later, against the frames.
struct TensorEntry {
  std::string name;
  std::string dtype;
  std::vector<json> shape;
  Digest sha256;
};

}  // namespace

const char* RejectReasonName(RejectReason reason) {
  switch (reason) {
    case RejectReason::kNone:
      return "none";
    case RejectReason::kTooFewFrames:
      return "too_few_frames";
    case RejectReason::kTooManyFrames:
      return "too_many_frames";
    case RejectReason::kHeaderTooLarge:
      return "header_too_large";
    case RejectReason::kMessageTooLarge:
      return "message_too_large";
    case RejectReason::kMalformedJson:
      return "malformed_json";
    case RejectReason::kJsonTooDeep:
      return "json_too_deep";
    case RejectReason::kBadField:
      return "bad_field";
    case RejectReason::kUnsupportedVersion:
      return "unsupported_version";
    case RejectReason::kUnknownType:
      return "unknown_type";
    case RejectReason::kUnknownSender:
      return "unknown_sender";
    case RejectReason::kBadSignature:
      return "bad_signature";
    case RejectReason::kTensorMismatch:
      return "tensor_mismatch";
    case RejectReason::kReplayed:
      return "replayed";
    case RejectReason::kTensorHashMismatch:
      return "tensor_hash_mismatch";
  }
  return "unknown";
}

Status RejectStatus(RejectReason reason, const std::string& detail) {
  std::string m = std::string(RejectReasonName(reason)) + ": " + detail;
  switch (reason) {
    case RejectReason::kUnknownSender:
    case RejectReason::kBadSignature:
    case RejectReason::kTensorHashMismatch:
      return Status::Unauthenticated(std::move(m));
    case RejectReason::kReplayed:
      return Status::FailedPrecondition(std::move(m));
    default:
      return Status::InvalidArgument(std::move(m));
  }
}

std::vector<Bytes> EncodeMessage(const Message& m, const Identity& signer) {
  json tensors = json::array();
  const bool given = m.tensor_hashes.size() == m.tensors.size();
  for (size_t i = 0; i < m.tensors.size(); ++i) {
    const TensorData& t = m.tensors[i];
    const Digest hash = given ? m.tensor_hashes[i] : TensorHash(t);
    tensors.push_back({{"name", t.name},
                       {"dtype", DTypeName(t.dtype)},
                       {"shape", t.shape},
                       {"sha256", hash.Hex()}});
  }
  json header = json::object();
  header["type"] = m.type;
  header["version"] = m.version;
  header["task"] = m.task;
  header["from"] = m.from;
  header["seq"] = m.seq;
  if (m.rid != 0) header["rid"] = m.rid;
  header["body"] = m.body;
  header["tensors"] = std::move(tensors);
  std::string text =
      header.dump(-1, ' ', false, json::error_handler_t::replace);

  Signature sig = signer.Sign(SignatureInput(text));
  std::vector<Bytes> frames;
  frames.reserve(2 + m.tensors.size());
  frames.push_back(Bytes::FromString(std::move(text)));
  frames.push_back(Bytes::Copy(sig.bytes.data(), sig.bytes.size()));
  for (const TensorData& t : m.tensors) frames.push_back(t.bytes);
  return frames;
}

namespace {

// 1. Limits, before touching any frame's contents.
Status CheckLimits(const std::vector<Bytes>& frames, const WireLimits& limits,
                   const Rejecter& reject) {
  using R = RejectReason;
  if (frames.size() < 2) {
    return reject(R::kTooFewFrames,
                  "a message has at least 2 frames (header, signature), got " +
                      std::to_string(frames.size()));
  }
  if (frames.size() > limits.max_frames) {
    return reject(R::kTooManyFrames, std::to_string(frames.size()) +
                                         " frames exceed the limit " +
                                         std::to_string(limits.max_frames));
  }
  uint64_t total = 0;
  for (const Bytes& f : frames) {
    if (f.size() > limits.max_total_bytes - total) {
      return reject(R::kMessageTooLarge,
                    "message exceeds the limit of " +
                        std::to_string(limits.max_total_bytes) + " bytes");
    }
    total += f.size();
  }
  const std::string_view header_text = frames[0].view();
  if (header_text.size() > limits.max_header_bytes) {
    return reject(R::kHeaderTooLarge,
                  "header frame has " + std::to_string(header_text.size()) +
                      " bytes, the limit is " +
                      std::to_string(limits.max_header_bytes));
  }
  if (frames[1].size() != 64) {
    return reject(R::kBadSignature,
                  "signature frame (frame 1) must be 64 bytes, got " +
                      std::to_string(frames[1].size()));
  }
  if (JsonDeeperThan(header_text, limits.max_json_depth)) {
    return reject(R::kJsonTooDeep, "header JSON nests deeper than " +
                                       std::to_string(limits.max_json_depth) +
                                       " levels");
  }

  return Status::Ok();
}

// One entry of the header's "tensors" array, `i` its index.
Status ReadTensorEntry(const json& e, size_t i, const Rejecter& reject,
                       TensorEntry* t) {
  using R = RejectReason;
  const std::string at = "tensors[" + std::to_string(i) + "]";
  auto bad = [&](const std::string& what) {
    return reject(R::kBadField, "header field '" + at + what);
  };
  if (!e.is_object()) {
    return bad("' must be an object, got " + JsonTypeName(e));
  }
  for (const auto& [key, unused] : e.items()) {
    if (key != "name" && key != "dtype" && key != "shape" &&
        key != "sha256") {
      return bad("' has unknown field '" + key + "'");
    }
  }
  auto name = e.find("name");
  if (name == e.end() || !name->is_string()) {
    return bad(".name' must be a string");
  }
  t->name = name->get<std::string>();
  auto dtype = e.find("dtype");
  if (dtype == e.end() || !dtype->is_string()) {
    return bad(".dtype' must be a string");
  }
  t->dtype = dtype->get<std::string>();
  auto shape = e.find("shape");
  if (shape == e.end() || !shape->is_array()) {
    return bad(".shape' must be an array of integers");
  }
  for (size_t d = 0; d < shape->size(); ++d) {
    if (!(*shape)[d].is_number_integer()) {
      return bad(".shape[" + std::to_string(d) + "]' must be an integer");
    }
  }
  t->shape = shape->get<std::vector<json>>();
  auto sha = e.find("sha256");
  std::optional<Digest> digest;
  if (sha != e.end() && sha->is_string()) {
    digest = Digest::FromHex(sha->get<std::string>());
  }
  if (!digest) {
    return bad(".sha256' must be 64 hex characters (the tensor's hash)");
  }
  t->sha256 = *digest;
  return Status::Ok();
}

// 3. Header fields into `m` and the tensor entries into `entries`.
// Version first: a later version may change the rest.
Status ReadHeaderFields(const json& h, const Rejecter& reject, Message* m,
                        std::vector<TensorEntry>* entries) {
  using R = RejectReason;
  auto field = [&](const char* name) -> const json* {
    auto it = h.find(name);
    return it == h.end() ? nullptr : &*it;
  };
  auto missing = [&](const char* name, const char* want) {
    return reject(R::kBadField, std::string("header field '") + name +
                                    "' is missing; it must be " + want);
  };
  auto wrong = [&](const char* name, const char* want, const json& got) {
    return reject(R::kBadField, std::string("header field '") + name +
                                    "' must be " + want + ", got " +
                                    JsonTypeName(got));
  };
  {
    const json* v = field("version");
    if (v == nullptr) return missing("version", "an integer");
    if (!v->is_number_integer()) return wrong("version", "an integer", *v);
    // Non-negative integers parse as unsigned; a negative one never matches.
    if (!v->is_number_unsigned() ||
        v->get<uint64_t>() != static_cast<uint64_t>(kWireVersion)) {
      return reject(R::kUnsupportedVersion,
                    "header field 'version' is " + v->dump() +
                        "; this build speaks wire version " +
                        std::to_string(kWireVersion));
    }
    m->version = kWireVersion;
  }
  for (const char* name : {"type", "from", "task"}) {
    const json* v = field(name);
    if (v == nullptr) return missing(name, "a string");
    if (!v->is_string()) return wrong(name, "a string", *v);
  }
  m->type = field("type")->get<std::string>();
  m->from = field("from")->get<std::string>();
  m->task = field("task")->get<std::string>();
  if (m->type.empty()) {
    return reject(R::kBadField, "header field 'type' must not be empty");
  }
  if (m->from.empty()) {
    return reject(R::kBadField, "header field 'from' must not be empty");
  }
  {
    const json* v = field("seq");
    if (v == nullptr) return missing("seq", "an unsigned integer");
    if (!v->is_number_unsigned()) {
      return wrong("seq", "an unsigned integer", *v);
    }
    m->seq = v->get<uint64_t>();
  }
  if (const json* v = field("rid"); v != nullptr) {
    if (!v->is_number_unsigned() || v->get<uint64_t>() == 0) {
      return wrong("rid", "a positive integer", *v);
    }
    m->rid = v->get<uint64_t>();
  }
  {
    const json* v = field("body");
    if (v == nullptr) return missing("body", "an object");
    if (!v->is_object()) return wrong("body", "an object", *v);
  }
  {
    const json* v = field("tensors");
    if (v == nullptr) return missing("tensors", "an array");
    if (!v->is_array()) return wrong("tensors", "an array", *v);
    for (size_t i = 0; i < v->size(); ++i) {
      TensorEntry t;
      VT_RETURN_IF_ERROR(ReadTensorEntry((*v)[i], i, reject, &t));
      entries->push_back(std::move(t));
    }
  }
  for (const auto& [key, unused] : h.items()) {
    static const std::set<std::string, std::less<>> kFields = {
        "type", "version", "task", "from", "seq", "rid", "body", "tensors"};
    if (kFields.count(key) == 0) {
      return reject(R::kBadField, "unknown header field '" + key + "'");
    }
  }

  return Status::Ok();
}

// 5. Tensor entries against tensor frames (cheap; before any hashing).
Status ReadTensors(const std::vector<Bytes>& frames,
                   const std::vector<TensorEntry>& entries,
                   const Rejecter& reject, Message* m) {
  using R = RejectReason;
  if (entries.size() != frames.size() - 2) {
    return reject(R::kTensorMismatch,
                  "header lists " + std::to_string(entries.size()) +
                      " tensors but the message has " +
                      std::to_string(frames.size() - 2) + " tensor frames");
  }
  m->tensors.reserve(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    const TensorEntry& e = entries[i];
    const std::string at =
        "tensor '" + e.name + "' (tensors[" + std::to_string(i) + "])";
    TensorData t;
    t.name = e.name;
    auto dtype = DTypeFromName(e.dtype);
    if (!dtype) {
      return reject(R::kTensorMismatch,
                    at + " has unknown dtype '" + e.dtype + "'");
    }
    t.dtype = *dtype;
    uint64_t numel = 1;
    for (size_t d = 0; d < e.shape.size(); ++d) {
      const json& dim = e.shape[d];
      const std::string where =
          at + " shape[" + std::to_string(d) + "] = " + dim.dump();
      if (!dim.is_number_unsigned()) {
        return reject(R::kTensorMismatch, where + " is negative");
      }
      const uint64_t s = dim.get<uint64_t>();
      if (s > kMaxTensorElements ||
          (s != 0 && numel > kMaxTensorElements / s)) {
        return reject(R::kTensorMismatch,
                      where + " makes the tensor larger than " +
                          std::to_string(kMaxTensorElements) + " elements");
      }
      numel *= s;
      t.shape.push_back(static_cast<int64_t>(s));
    }
    const uint64_t want = numel * DTypeSize(t.dtype);
    const Bytes& frame = frames[2 + i];
    if (frame.size() != want) {
      return reject(R::kTensorMismatch,
                    at + " frame has " + std::to_string(frame.size()) +
                        " bytes; dtype and shape need " + std::to_string(want));
    }
    t.bytes = frame;
    m->tensors.push_back(std::move(t));
  }

  return Status::Ok();
}

// 7. Each tensor frame against the hash the signed header gives it: the one
// pass over the tensor bytes, spread over up to `hash_threads` threads.
// Every frame is hashed before any is judged, so that the first mismatch
// in entry order is the one named whatever the thread count. `m.tensors`
// are in entry order.
Status CheckTensorHashes(const std::vector<TensorEntry>& entries,
                         int hash_threads, const Rejecter& reject, Message* m) {
  using R = RejectReason;
  std::vector<const TensorData*> tensors;
  tensors.reserve(m->tensors.size());
  for (const TensorData& t : m->tensors) tensors.push_back(&t);
  std::vector<Digest> got =
      HashTensors(tensors, hash_threads, kMinBytesPerHashThread);
  for (size_t i = 0; i < entries.size(); ++i) {
    if (got[i] != entries[i].sha256) {
      return reject(R::kTensorHashMismatch,
                    "tensor '" + entries[i].name + "' (tensors[" +
                        std::to_string(i) + "]) of '" + m->type +
                        "' message from '" + m->from +
                        "': its frame does not match its signed hash "
                        "(tampered, swapped or corrupt bytes)");
    }
  }
  m->tensor_hashes = std::move(got);
  return Status::Ok();
}

// 6. Signature over the header (which holds every tensor's hash).
Status CheckSignature(const std::vector<Bytes>& frames,
                      std::string_view header_text, const PublicKey& key,
                      const Message& m, const Rejecter& reject) {
  using R = RejectReason;
  Signature sig;
  std::copy(frames[1].data(), frames[1].data() + 64, sig.bytes.begin());
  if (!VerifySignature(key, SignatureInput(header_text), sig).ok()) {
    return reject(R::kBadSignature,
                  "signature on '" + m.type + "' message from '" + m.from +
                      "' (seq " + std::to_string(m.seq) + ") does not verify");
  }

  return Status::Ok();
}

}  // namespace

Result<Message> DecodeMessage(
    const std::vector<Bytes>& frames, const KeyDirectory& keys,
    const std::set<std::string, std::less<>>& known_types,
    const WireLimits& limits, RejectReason* reason, int hash_threads) {
  const Rejecter reject(reason);
  using R = RejectReason;
  VT_RETURN_IF_ERROR(CheckLimits(frames, limits, reject));
  const std::string_view header_text = frames[0].view();

  // 2. Parse (the depth check above bounds the parser's work stack).
  json h;
  try {
    h = json::parse(header_text);
  } catch (const json::exception& e) {
    return reject(R::kMalformedJson,
                  std::string("header frame is not valid JSON: ") + e.what());
  }
  if (!h.is_object()) {
    return reject(R::kBadField,
                  "header must be a JSON object, got " + JsonTypeName(h));
  }

  Message m;
  std::vector<TensorEntry> entries;
  VT_RETURN_IF_ERROR(ReadHeaderFields(h, reject, &m, &entries));

  // 4. Type and sender.
  if (known_types.count(m.type) == 0) {
    return reject(R::kUnknownType,
                  "message type '" + m.type + "' is not accepted here");
  }
  const PublicKey* key = keys.Find(m.from);
  if (key == nullptr) {
    return reject(R::kUnknownSender,
                  "no public key for sender '" + m.from + "'");
  }

  VT_RETURN_IF_ERROR(ReadTensors(frames, entries, reject, &m));
  VT_RETURN_IF_ERROR(CheckSignature(frames, header_text, *key, m, reject));
  VT_RETURN_IF_ERROR(CheckTensorHashes(entries, hash_threads, reject, &m));
  m.body = std::move(h["body"]);
  return m;
}

}  // namespace veritrain
