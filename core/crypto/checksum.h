// Checksum: XXH3-128 of a byte stream, a check against damage, not a
// commitment.
//
// It catches what happens to a file by accident (a torn or truncated
// write, a full disk, a flipped bit, a copy of another entry) at 20–30 GB/s,
// where SHA-256 runs at under 2 GB/s. It does not resist a forger: anything
// another party may have made, and everything the protocol commits to
// (states, checkpoints, messages, dataset roots), uses SHA-256
// (sha256.h). Its one use is the decoded-dataset cache
// (core/train/dataset_cache.h), a file of the user's own that every role
// maps and checks whole each time it loads a job.
//
// Thread-safety: Checksum128 is a value. A ChecksumStream is not
// thread-safe; use one per thread. ChecksumOf is thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace veritrain {

// 16 bytes (XXH3-128, canonical big-endian form); printed as 32 lowercase
// hex characters.
struct Checksum128 {
  std::array<uint8_t, 16> bytes{};

  std::string Hex() const;
  // Parses 32 hex characters; nullopt on any other input.
  static std::optional<Checksum128> FromHex(std::string_view hex);
  bool operator==(const Checksum128& o) const { return bytes == o.bytes; }
  bool operator!=(const Checksum128& o) const { return bytes != o.bytes; }
};

// Incremental checksum: the same result as ChecksumOf over the
// concatenation of every Update.
class ChecksumStream {
 public:
  ChecksumStream();
  ~ChecksumStream();
  ChecksumStream(const ChecksumStream&) = delete;
  ChecksumStream& operator=(const ChecksumStream&) = delete;

  ChecksumStream& Update(std::string_view data);
  Checksum128 Finish() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

Checksum128 ChecksumOf(std::string_view data);

}  // namespace veritrain
