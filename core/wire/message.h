// The signed wire message and its codec (wire format version 2; the format
// is specified in docs/wire.md).
//
// A message travels as a ZeroMQ multipart, represented here as frames of
// Bytes (this library has no ZeroMQ):
//   frame 0   JSON header {"type","version","task","from","seq","body",
//             "tensors":[{"name","dtype","shape","sha256"}...]} and, on
//             requests and their replies, "rid"; "sha256" is the tensor's
//             TensorHash (core/state/state_hash.h), 64 lowercase hex
//   frame 1   64-byte Ed25519 signature of the sender over
//             "veritrain/wire/v2" || 0x00 || u64le(len(frame 0)) || frame 0
//   frame 2+  raw tensor bytes, one frame per "tensors" entry, in order
//             (row-major, little-endian)
//
// The signature covers the header only; the header binds every tensor
// frame through its hash, which the receiver checks against the frame. So
// each tensor byte is hashed once on receipt, and that hash is the one a
// state hash is made of (StateHashWithTensorHashes): a checkpoint's state
// hash costs no second pass. A sender that knows its tensors' hashes (a
// checkpoint's manifest) hashes nothing.
//
// Decoding checks limits first (frame count, bytes, JSON depth, all before
// any parsing or hashing), then the header fields, version, type, sender,
// tensor entries against the frames' sizes, the signature, and last each
// tensor frame against its signed hash. Replayed sequence numbers are
// caught by a ReplayGuard (core/wire/replay_guard.h) after decoding.
// Concrete message types (their body fields and tensors) live in
// core/wire/messages/.
//
// Thread-safety: Message and WireLimits are values. EncodeMessage and
// DecodeMessage are thread-safe (the KeyDirectory must not be written
// meanwhile).
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/crypto/identity.h"
#include "core/crypto/sha256.h"
#include "core/state/tensor_data.h"
#include "core/util/bytes.h"
#include "core/util/status.h"
#include "core/wire/key_directory.h"

namespace veritrain {

inline constexpr int kWireVersion = 2;
inline constexpr std::string_view kSignatureContext = "veritrain/wire/v2";

struct Message {
  std::string type;  // message type name, e.g. "post_task"
  int version = kWireVersion;
  std::string task;  // task id; empty for messages not about a task
  std::string
      from;  // sender participant name (key looked up in a KeyDirectory)
  uint64_t seq = 0;  // per-sender sequence number, strictly increasing
  // Request id (optional header field "rid"; 0 = absent). A request that
  // expects a reply carries a fresh id; the reply carries the same id, and
  // a retry of the request is a new message (new seq) with the same id, so
  // the receiver can answer it again without acting twice.
  uint64_t rid = 0;
  nlohmann::json body = nlohmann::json::object();
  std::vector<TensorData> tensors;  // one frame each, in this order
  // TensorHash of each tensor, in the order of `tensors`. A decoded message
  // has them, each checked against its frame. On a message to send they are
  // optional: empty, the encoder hashes the tensors; given, they go into
  // the header as they are (a wrong one makes every receiver refuse the
  // message, naming the tensor).
  std::vector<Digest> tensor_hashes;
};

// Limits a receiver enforces before doing real work. Defaults are in
// docs/wire.md.
struct WireLimits {
  size_t max_frames = 4096;               // all frames, header included
  // Any one frame; enforced by the socket itself (ZMQ_MAXMSGSIZE, see
  // core/transport/zmq_frames.h): a peer that sends a larger frame is
  // disconnected by ZeroMQ before the frame is buffered.
  int64_t max_frame_bytes = int64_t{1} << 30;
  size_t max_header_bytes = 1 << 20;      // frame 0
  uint64_t max_total_bytes = 4ull << 30;  // sum over all frames
  int max_json_depth = 32;                // the header object is depth 1
};

// Why a message was refused. Numbered; never reuse a number.
enum class RejectReason {
  kNone = 0,
  kTooFewFrames = 1,
  kTooManyFrames = 2,
  kHeaderTooLarge = 3,
  kMessageTooLarge = 4,
  kMalformedJson = 5,
  kJsonTooDeep = 6,
  kBadField = 7,
  kUnsupportedVersion = 8,
  kUnknownType = 9,
  kUnknownSender = 10,
  kBadSignature = 11,
  kTensorMismatch = 12,
  kReplayed = 13,
  kTensorHashMismatch = 14,
};

// Stable snake_case name ("bad_signature"), used in logs and as a metric
// label; "unknown" for a value outside the enum.
const char* RejectReasonName(RejectReason reason);

// The Status a rejection is reported as: message "<name>: <detail>"; code
// Unauthenticated for unknown_sender, bad_signature and
// tensor_hash_mismatch, FailedPrecondition
// for replayed, InvalidArgument otherwise.
// REQUIRES: reason != RejectReason::kNone.
Status RejectStatus(RejectReason reason, const std::string& detail);

// Encodes and signs `m`. Tensor frames share the tensors' Bytes (no copy of
// tensor bytes); the tensors are hashed unless m.tensor_hashes gives their
// hashes. The header is nlohmann's compact dump (object keys sorted),
// so encoding is deterministic; invalid UTF-8 in strings is replaced by
// U+FFFD rather than failing.
// REQUIRES: every tensor is consistent() (bytes match dtype x shape);
//           m.body is a JSON object; m.tensor_hashes is empty or has one
//           hash per tensor.
std::vector<Bytes> EncodeMessage(const Message& m, const Identity& signer);

// Decodes `frames` and checks, in order: frame count, total bytes, header
// bytes, signature frame size, JSON depth, JSON syntax, every header field's
// presence and type (unknown fields are refused), version == kWireVersion,
// type in `known_types`, sender in `keys`, tensor entries against their
// frames' sizes, the signature, and each tensor frame against its signed
// hash (tensor_hash_mismatch naming the tensor). On failure returns
// RejectStatus(reason, detail)
// ("bad_field: header field 'seq' must be an unsigned integer") and sets
// `*reason` if non-null; on success sets it to kNone. Tensor bytes in the
// result share the input frames' Bytes (no copy), and its tensor_hashes
// are the verified hashes. Never throws.
// The tensor frames are hashed on up to `hash_threads` threads (one per
// MiB of tensor bytes at most; core/state/tensor_hashing.h), the caller's
// included; the result, and which tensor a mismatch names (the first in
// header order), do not depend on the count.
// Does NOT check for replays: pass the result through a ReplayGuard.
Result<Message> DecodeMessage(
    const std::vector<Bytes>& frames, const KeyDirectory& keys,
    const std::set<std::string, std::less<>>& known_types,
    const WireLimits& limits = {}, RejectReason* reason = nullptr,
    int hash_threads = 1);

}  // namespace veritrain
