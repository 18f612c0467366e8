#include "core/crypto/checksum.h"

#include <xxhash.h>

#include <new>

#include "core/crypto/sha256.h"  // ToHex, FromHex

namespace veritrain {
namespace {

Checksum128 Canonical(XXH128_hash_t h) {
  XXH128_canonical_t c;
  XXH128_canonicalFromHash(&c, h);
  Checksum128 out;
  for (size_t i = 0; i < out.bytes.size(); ++i) out.bytes[i] = c.digest[i];
  return out;
}

}  // namespace

struct ChecksumStream::State {
  XXH3_state_t* xxh = XXH3_createState();
  ~State() { XXH3_freeState(xxh); }
};

std::string Checksum128::Hex() const { return ToHex(bytes.data(), bytes.size()); }

std::optional<Checksum128> Checksum128::FromHex(std::string_view hex) {
  Checksum128 out;
  if (hex.size() != 2 * out.bytes.size()) return std::nullopt;
  std::optional<std::string> raw = veritrain::FromHex(hex);
  if (!raw) return std::nullopt;
  for (size_t i = 0; i < out.bytes.size(); ++i) out.bytes[i] = static_cast<uint8_t>((*raw)[i]);
  return out;
}

ChecksumStream::ChecksumStream() : state_(std::make_unique<State>()) {
  if (state_->xxh == nullptr) throw std::bad_alloc();
  XXH3_128bits_reset(state_->xxh);
}

ChecksumStream::~ChecksumStream() = default;

ChecksumStream& ChecksumStream::Update(std::string_view data) {
  XXH3_128bits_update(state_->xxh, data.data(), data.size());
  return *this;
}

Checksum128 ChecksumStream::Finish() const { return Canonical(XXH3_128bits_digest(state_->xxh)); }

Checksum128 ChecksumOf(std::string_view data) {
  return Canonical(XXH3_128bits(data.data(), data.size()));
}

}  // namespace veritrain
