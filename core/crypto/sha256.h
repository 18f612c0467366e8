// SHA-256 (OpenSSL EVP) and the Digest type used for every commitment.
//
// Thread-safety: Digest is a value. A Sha256 hasher is not thread-safe; use
// one per thread. The free function Sha256Of is thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace veritrain {

// A 32-byte SHA-256 digest. Printed and serialised as 64 lowercase hex chars.
struct Digest {
  std::array<uint8_t, 32> bytes{};

  std::string Hex() const;
  // Parses 64 hex characters; nullopt on any other input.
  static std::optional<Digest> FromHex(std::string_view hex);
  std::string_view view() const {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
  }
  bool operator==(const Digest& o) const { return bytes == o.bytes; }
  bool operator!=(const Digest& o) const { return bytes != o.bytes; }
  bool operator<(const Digest& o) const { return bytes < o.bytes; }
};

// Incremental SHA-256.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  Sha256& Update(const void* data, size_t size);
  Sha256& Update(std::string_view s) { return Update(s.data(), s.size()); }
  Sha256& Update(const Digest& d) { return Update(d.bytes.data(), 32); }
  Sha256& UpdateU8(uint8_t v) { return Update(&v, 1); }
  // Appends v as 8 little-endian bytes.
  Sha256& UpdateU64(uint64_t v);
  // Returns the digest and resets the hasher for reuse.
  Digest Finish();

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

Digest Sha256Of(const void* data, size_t size);
inline Digest Sha256Of(std::string_view s) { return Sha256Of(s.data(), s.size()); }

std::string ToHex(const void* data, size_t size);
// Parses hex of even length; nullopt on a bad character or odd length.
std::optional<std::string> FromHex(std::string_view hex);

}  // namespace veritrain
