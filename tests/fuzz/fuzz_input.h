// Splitting a fuzzer's byte string into the pieces a target needs.
//
// Frames: a sequence of [u16 little-endian length][bytes]; a length running
// past the end takes what is left. Used by the codec target (frames of a
// wire message) and by the seed generator that writes its corpus, so that
// seeds and fuzz inputs share one format.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/util/bytes.h"

namespace veritrain::fuzz {

inline std::vector<Bytes> SplitFrames(const uint8_t* data, size_t size,
                                      size_t max_frames) {
  std::vector<Bytes> frames;
  size_t at = 0;
  while (at < size && frames.size() < max_frames) {
    size_t len = data[at];
    if (at + 1 < size) len |= static_cast<size_t>(data[at + 1]) << 8;
    at += 2;
    if (at > size) at = size;
    if (len > size - at) len = size - at;
    frames.push_back(Bytes::Copy(data + at, len));
    at += len;
  }
  return frames;
}

inline std::string JoinFrames(const std::vector<Bytes>& frames) {
  std::string out;
  for (const Bytes& f : frames) {
    const size_t len = f.size() > 0xffff ? 0xffff : f.size();
    out.push_back(static_cast<char>(len & 0xff));
    out.push_back(static_cast<char>(len >> 8));
    out.append(reinterpret_cast<const char*>(f.data()), len);
  }
  return out;
}

// The fixed identity the codec target trusts as "alice" (not a secret: a
// test key), so that seeds can carry validly signed messages.
inline constexpr const char* kAliceSecretHex =
    "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";

}  // namespace veritrain::fuzz
