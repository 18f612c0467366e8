// libFuzzer target: the checkpoint reader (core/state/checkpoint_file.h).
// Any bytes must decode to a verified checkpoint or to an error, never
// crash; a checkpoint that decodes must hash to what it claims.
#include <cstdint>
#include <cstdlib>

#include "core/state/checkpoint_file.h"
#include "core/state/state_hash.h"

namespace vt = veritrain;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto c = vt::DecodeCheckpoint(vt::Bytes::Copy(data, size), "fuzz-input");
  if (!c.ok()) {
    if (c.status().message().rfind("fuzz-input", 0) != 0)
      std::abort();  // errors name the source
    return 0;
  }
  auto h = vt::StateHash(c->state);
  if (!h.ok() || *h != c->state_hash) std::abort();
  return 0;
}
