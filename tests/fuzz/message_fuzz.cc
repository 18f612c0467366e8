// libFuzzer target: the wire codec (core/wire/message.h). Any frames must
// decode to a Message or to a rejection, never crash; a message that
// decodes must re-encode and decode to the same header and tensors.
#include <cstdint>
#include <cstdlib>

#include "core/wire/message.h"
#include "core/wire/messages/all.h"
#include "tests/fuzz/fuzz_input.h"

namespace vt = veritrain;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const vt::Identity alice =
      *vt::Identity::FromSecretHex(vt::fuzz::kAliceSecretHex);
  static const vt::KeyDirectory keys = [] {
    vt::KeyDirectory k;
    k.Add("alice", alice.public_key());
    return k;
  }();
  vt::WireLimits limits;
  limits.max_frames = 64;
  limits.max_header_bytes = 1 << 16;
  const std::vector<vt::Bytes> frames = vt::fuzz::SplitFrames(data, size, 80);
  vt::RejectReason reason = vt::RejectReason::kNone;
  auto m =
      vt::DecodeMessage(frames, keys, vt::KnownMessageTypes(), limits, &reason);
  if (!m.ok()) {
    if (reason == vt::RejectReason::kNone)
      std::abort();  // a rejection names its reason
    return 0;
  }
  // Round trip: what decoded is what was signed, so re-encoding by the same
  // signer must decode to the same message.
  auto again = vt::DecodeMessage(vt::EncodeMessage(*m, alice), keys,
                                 vt::KnownMessageTypes(), limits, &reason);
  if (!again.ok() || again->type != m->type || again->seq != m->seq ||
      again->task != m->task || again->body != m->body ||
      again->tensors.size() != m->tensors.size()) {
    std::abort();
  }
  return 0;
}
