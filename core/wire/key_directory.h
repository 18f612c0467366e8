// KeyDirectory: who is who on the wire. Maps a participant name (the "from"
// field of a message header) to that participant's Ed25519 public key.
//
// Thread-safety: not thread-safe for writes. Build it, then share it
// read-only: concurrent Find() calls are safe when no Add() runs.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "core/crypto/identity.h"

namespace veritrain {

class KeyDirectory {
 public:
  // Adds `name`, or replaces its key if it is already present.
  void Add(std::string name, PublicKey key);
  // The key registered for `name`; nullptr when unknown. The pointer stays
  // valid until the next Add() of the same name or the directory's end.
  const PublicKey* Find(std::string_view name) const;
  size_t size() const { return keys_.size(); }

 private:
  std::map<std::string, PublicKey, std::less<>> keys_;
};

}  // namespace veritrain
