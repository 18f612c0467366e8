#include "core/crypto/identity.h"

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/crypto/sha256.h"
#include "core/util/json_depth.h"

namespace veritrain {
namespace {

// An identity file is a few hundred bytes; refuse to slurp anything huge.
constexpr size_t kMaxIdentityFileBytes = 64 * 1024;

struct PkeyDeleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

[[noreturn]] void Fatal(const char* what) {
  std::fprintf(stderr, "veritrain: fatal OpenSSL failure: %s\n", what);
  std::abort();
}

template <size_t N>
std::optional<std::array<uint8_t, N>> ArrayFromHex(std::string_view hex) {
  if (hex.size() != 2 * N) return std::nullopt;
  auto raw = FromHex(hex);
  if (!raw) return std::nullopt;
  std::array<uint8_t, N> out{};
  std::copy(raw->begin(), raw->end(), out.begin());
  return out;
}

PkeyPtr PrivateKeyFromSeed(const std::array<uint8_t, 32>& seed) {
  return PkeyPtr(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr,
                                              seed.data(), seed.size()));
}

std::string ErrnoText() { return std::strerror(errno); }

// OpenSSL's key objects, made once per key and shared: building one
// (EVP_PKEY_new_raw_*) looks up the provider under a lock and, for a
// private key, derives its public half — far more work than the signature
// itself when every message is signed and every event is verified by every
// subscriber. Keyed by the raw key bytes, separately for public and private
// keys; a full cache is emptied (a key in use keeps its own reference).
// Thread-safe.
class KeyCache {
 public:
  static KeyCache& Instance() {
    static KeyCache* cache = new KeyCache();  // never destroyed: used until exit
    return *cache;
  }

  // A new reference to the key for `bytes`, made by `make` on a miss; null
  // when `make` fails (nothing is cached then).
  template <typename Make>
  PkeyPtr Get(bool private_key, const uint8_t* bytes, size_t size, Make make) {
    std::string id(private_key ? "s" : "p");
    id.append(reinterpret_cast<const char*>(bytes), size);
    std::lock_guard<std::mutex> lock(mu_);
    auto it = keys_.find(id);
    if (it == keys_.end()) {
      PkeyPtr made = make();
      if (made == nullptr) return nullptr;
      if (keys_.size() >= kMaxKeys) keys_.clear();
      it = keys_.emplace(std::move(id), std::move(made)).first;
    }
    if (EVP_PKEY_up_ref(it->second.get()) != 1) Fatal("EVP_PKEY_up_ref");
    return PkeyPtr(it->second.get());
  }

 private:
  static constexpr size_t kMaxKeys = 4096;
  std::mutex mu_;
  std::unordered_map<std::string, PkeyPtr> keys_;
};

PkeyPtr CachedPrivateKey(const std::array<uint8_t, 32>& seed) {
  return KeyCache::Instance().Get(true, seed.data(), seed.size(),
                                  [&] { return PrivateKeyFromSeed(seed); });
}

PkeyPtr CachedPublicKey(const PublicKey& key) {
  return KeyCache::Instance().Get(false, key.bytes.data(), key.bytes.size(), [&] {
    return PkeyPtr(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, key.bytes.data(),
                                               key.bytes.size()));
  });
}

}  // namespace

std::string PublicKey::Hex() const { return ToHex(bytes.data(), bytes.size()); }

std::optional<PublicKey> PublicKey::FromHex(std::string_view hex) {
  auto a = ArrayFromHex<32>(hex);
  if (!a) return std::nullopt;
  PublicKey k;
  k.bytes = *a;
  return k;
}

std::string Signature::Hex() const { return ToHex(bytes.data(), bytes.size()); }

std::optional<Signature> Signature::FromHex(std::string_view hex) {
  auto a = ArrayFromHex<64>(hex);
  if (!a) return std::nullopt;
  Signature s;
  s.bytes = *a;
  return s;
}

Identity Identity::Generate() {
  std::array<uint8_t, 32> seed{};
  if (RAND_bytes(seed.data(), static_cast<int>(seed.size())) != 1) {
    Fatal("RAND_bytes");
  }
  auto id = FromSecretHex(ToHex(seed.data(), seed.size()));
  if (!id.ok()) Fatal("Ed25519 key from a fresh seed");
  return std::move(id).value();
}

Result<Identity> Identity::FromSecretHex(std::string_view hex) {
  auto seed = ArrayFromHex<32>(hex);
  if (!seed) {
    return Status::InvalidArgument(
        "secret key must be 64 hex characters (a 32-byte Ed25519 seed), got " +
        std::to_string(hex.size()) + " characters");
  }
  PkeyPtr pkey = PrivateKeyFromSeed(*seed);
  Identity id;
  size_t len = id.public_key_.bytes.size();
  if (pkey == nullptr ||
      EVP_PKEY_get_raw_public_key(pkey.get(), id.public_key_.bytes.data(),
                                  &len) != 1 ||
      len != id.public_key_.bytes.size()) {
    ERR_clear_error();
    return Status::Internal("OpenSSL cannot derive an Ed25519 public key");
  }
  id.seed_ = *seed;
  return id;
}

std::string Identity::SecretHex() const {
  return ToHex(seed_.data(), seed_.size());
}

Signature Identity::Sign(std::string_view message) const {
  PkeyPtr pkey = CachedPrivateKey(seed_);
  MdCtxPtr ctx(EVP_MD_CTX_new());
  Signature sig;
  size_t len = sig.bytes.size();
  // Ed25519 hashes internally: the digest argument must be NULL.
  if (pkey == nullptr || ctx == nullptr ||
      EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) !=
          1 ||
      EVP_DigestSign(ctx.get(), sig.bytes.data(), &len,
                     reinterpret_cast<const unsigned char*>(message.data()),
                     message.size()) != 1 ||
      len != sig.bytes.size()) {
    Fatal("Ed25519 signing");
  }
  return sig;
}

Status VerifySignature(const PublicKey& key, std::string_view message,
                       const Signature& sig) {
  PkeyPtr pkey = CachedPublicKey(key);
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (pkey == nullptr || ctx == nullptr) {
    ERR_clear_error();
    return Status::Unauthenticated("public key " + key.Hex() +
                                   " is not a valid Ed25519 key");
  }
  int rc =
      EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get());
  if (rc == 1) {
    rc = EVP_DigestVerify(
        ctx.get(), sig.bytes.data(), sig.bytes.size(),
        reinterpret_cast<const unsigned char*>(message.data()), message.size());
  }
  if (rc != 1) {
    ERR_clear_error();
    return Status::Unauthenticated("Ed25519 signature does not verify under " +
                                   key.Hex());
  }
  return Status::Ok();
}

Status SaveIdentityFile(const std::string& path, const Identity& identity) {
  nlohmann::json j = {{"public_key", identity.public_key().Hex()},
                      {"secret_key", identity.SecretHex()}};
  const std::string text = j.dump(2) + "\n";

  std::string tmp = path + ".tmp.XXXXXX";
  std::vector<char> tmpl(tmp.begin(), tmp.end());
  tmpl.push_back('\0');
  int fd = mkstemp(tmpl.data());  // creates the file with mode 0600
  if (fd < 0) {
    return Status::IOError("identity file '" + path +
                           "': cannot create a temporary file: " + ErrnoText());
  }
  tmp = tmpl.data();
  auto fail = [&](const std::string& what) {
    Status s = Status::IOError("identity file '" + path + "': " + what + ": " +
                               ErrnoText());
    if (fd >= 0) close(fd);
    unlink(tmp.c_str());
    return s;
  };
  if (fchmod(fd, S_IRUSR | S_IWUSR) != 0) return fail("cannot chmod 0600");
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("cannot write");
    }
    done += static_cast<size_t>(n);
  }
  if (fsync(fd) != 0) return fail("cannot fsync");
  int rc = close(fd);
  fd = -1;
  if (rc != 0) return fail("cannot close");
  if (rename(tmp.c_str(), path.c_str()) != 0) return fail("cannot rename");
  return Status::Ok();
}

Result<Identity> LoadIdentityFile(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Status::IOError("identity file '" + path +
                           "': cannot open: " + ErrnoText());
  }
  std::string text;
  char buf[4096];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      Status s = Status::IOError("identity file '" + path +
                                 "': cannot read: " + ErrnoText());
      close(fd);
      return s;
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > kMaxIdentityFileBytes) {
      close(fd);
      return Status::Corruption("identity file '" + path + "': larger than " +
                                std::to_string(kMaxIdentityFileBytes) +
                                " bytes; not an identity file");
    }
  }
  close(fd);

  auto corrupt = [&](const std::string& what) {
    return Status::Corruption("identity file '" + path + "': " + what);
  };
  if (JsonDeeperThan(text, kMaxJsonFileDepth)) return corrupt("JSON nested too deep");
  nlohmann::json j = nlohmann::json::parse(text, nullptr,
                                           /*allow_exceptions=*/false);
  if (j.is_discarded()) return corrupt("not valid JSON");
  if (!j.is_object()) return corrupt("expected a JSON object");
  for (const char* field : {"public_key", "secret_key"}) {
    auto it = j.find(field);
    if (it == j.end()) {
      return corrupt(std::string("missing field '") + field + "'");
    }
    if (!it->is_string()) {
      return corrupt(std::string("field '") + field + "' must be a string");
    }
  }
  auto id = Identity::FromSecretHex(j["secret_key"].get<std::string>());
  if (!id.ok()) return corrupt("field 'secret_key': " + id.status().message());
  auto pub = PublicKey::FromHex(j["public_key"].get<std::string>());
  if (!pub) {
    return corrupt("field 'public_key' must be 64 hex characters");
  }
  if (*pub != id->public_key()) {
    return corrupt("public_key " + pub->Hex() +
                   " does not match the key derived from secret_key (" +
                   id->public_key().Hex() + ")");
  }
  return id;
}

}  // namespace veritrain
