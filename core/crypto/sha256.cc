#include "core/crypto/sha256.h"

#include <openssl/evp.h>

#include <stdexcept>

namespace veritrain {

namespace {

// SHA-256 fetched from the default provider once: EVP_sha256() leaves the
// fetch to every EVP_DigestInit_ex, which takes the method store's lock
// each time. Thread-safe (an EVP_MD is immutable once fetched).
const EVP_MD* Sha256Md() {
  static const EVP_MD* md = [] {
    EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (fetched == nullptr) throw std::runtime_error("OpenSSL: cannot fetch SHA-256");
    return fetched;  // kept until exit
  }();
  return md;
}

}  // namespace

struct Sha256::Ctx {
  EVP_MD_CTX* md = nullptr;
};

Sha256::Sha256() : ctx_(std::make_unique<Ctx>()) {
  ctx_->md = EVP_MD_CTX_new();
  if (ctx_->md == nullptr || EVP_DigestInit_ex(ctx_->md, Sha256Md(), nullptr) != 1) {
    throw std::runtime_error("OpenSSL: cannot initialise SHA-256");
  }
}

Sha256::~Sha256() { EVP_MD_CTX_free(ctx_->md); }

Sha256& Sha256::Update(const void* data, size_t size) {
  if (size > 0) EVP_DigestUpdate(ctx_->md, data, size);
  return *this;
}

Sha256& Sha256::UpdateU64(uint64_t v) {
  uint8_t b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<uint8_t>(v >> (8 * i));
  return Update(b, 8);
}

Digest Sha256::Finish() {
  Digest d;
  unsigned int n = 0;
  EVP_DigestFinal_ex(ctx_->md, d.bytes.data(), &n);
  EVP_DigestInit_ex(ctx_->md, Sha256Md(), nullptr);
  return d;
}

Digest Sha256Of(const void* data, size_t size) {
  Digest d;
  unsigned int n = 0;
  EVP_Digest(data, size, d.bytes.data(), &n, Sha256Md(), nullptr);
  return d;
}

std::string ToHex(const void* data, size_t size) {
  static const char kHex[] = "0123456789abcdef";
  const auto* p = static_cast<const uint8_t*>(data);
  std::string out(size * 2, '0');
  for (size_t i = 0; i < size; ++i) {
    out[2 * i] = kHex[p[i] >> 4];
    out[2 * i + 1] = kHex[p[i] & 15];
  }
  return out;
}

static int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> FromHex(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string out(hex.size() / 2, '\0');
  for (size_t i = 0; i < out.size(); ++i) {
    int hi = HexValue(hex[2 * i]), lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<char>(hi * 16 + lo);
  }
  return out;
}

std::string Digest::Hex() const { return ToHex(bytes.data(), bytes.size()); }

std::optional<Digest> Digest::FromHex(std::string_view hex) {
  if (hex.size() != 64) return std::nullopt;
  auto raw = veritrain::FromHex(hex);
  if (!raw) return std::nullopt;
  Digest d;
  std::copy(raw->begin(), raw->end(), d.bytes.begin());
  return d;
}

}  // namespace veritrain
