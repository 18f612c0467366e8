// Ed25519 identities: a participant's signing key, its public key, and the
// identity file that stores them.
//
// Every wire message is signed by its sender's Identity and checked against
// the sender's PublicKey (pure Ed25519, RFC 8032, through OpenSSL 3). A
// secret key is the 32-byte RFC 8032 private seed; keys and signatures print
// as lowercase hex.
//
// Identity file (JSON, mode 0600):
//   {"public_key": "<64 hex>", "secret_key": "<64 hex>"}
//
// Thread-safety: PublicKey, Signature and Identity are values; const methods
// and the free functions may be called concurrently.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/util/status.h"

namespace veritrain {

// An Ed25519 public key (32 bytes).
struct PublicKey {
  std::array<uint8_t, 32> bytes{};

  std::string Hex() const;
  // Parses 64 hex characters; nullopt on any other input. Does not check
  // that the bytes encode a curve point (verification does).
  static std::optional<PublicKey> FromHex(std::string_view hex);
  bool operator==(const PublicKey& o) const { return bytes == o.bytes; }
  bool operator!=(const PublicKey& o) const { return bytes != o.bytes; }
  bool operator<(const PublicKey& o) const { return bytes < o.bytes; }
};

// An Ed25519 signature (64 bytes).
struct Signature {
  std::array<uint8_t, 64> bytes{};

  std::string Hex() const;
  // Parses 128 hex characters; nullopt on any other input.
  static std::optional<Signature> FromHex(std::string_view hex);
  bool operator==(const Signature& o) const { return bytes == o.bytes; }
  bool operator!=(const Signature& o) const { return bytes != o.bytes; }
};

// A participant's Ed25519 private key. A copyable value holding the 32-byte
// seed and the public key derived from it; there is no empty Identity (use
// std::optional<Identity> for "not loaded yet").
class Identity {
 public:
  // A fresh key from OpenSSL's CSPRNG. Aborts the process if the RNG or
  // OpenSSL's Ed25519 fails (there is no sensible way to continue).
  static Identity Generate();
  // REQUIRES: nothing; returns InvalidArgument unless `hex` is exactly 64 hex
  // characters (the 32-byte RFC 8032 private seed).
  static Result<Identity> FromSecretHex(std::string_view hex);

  std::string SecretHex() const;
  const PublicKey& public_key() const { return public_key_; }
  // Pure Ed25519 signature over `message` (any length). Deterministic: the
  // same key and message always give the same signature. Aborts the process
  // on an internal OpenSSL failure.
  Signature Sign(std::string_view message) const;

 private:
  Identity() = default;
  std::array<uint8_t, 32> seed_{};
  PublicKey public_key_;
};

// OK when `sig` is `key`'s signature over `message`; Unauthenticated
// otherwise (including when `key` is not a valid curve point).
Status VerifySignature(const PublicKey& key, std::string_view message,
                       const Signature& sig);

// Writes the identity file at `path` with mode 0600: to a temporary file in
// the same directory, flushed, then renamed over `path`, so a reader never
// sees a half-written key. IOError names the file and the OS error.
Status SaveIdentityFile(const std::string& path, const Identity& identity);

// Reads an identity file. IOError when it cannot be read; Corruption naming
// the file and the problem when it is not the JSON above, a key is not hex
// of the right length, or public_key does not match secret_key.
Result<Identity> LoadIdentityFile(const std::string& path);

}  // namespace veritrain
