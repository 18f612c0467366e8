#include "core/wire/key_directory.h"

#include <utility>

namespace veritrain {

void KeyDirectory::Add(std::string name, PublicKey key) {
  keys_[std::move(name)] = key;
}

const PublicKey* KeyDirectory::Find(std::string_view name) const {
  auto it = keys_.find(name);
  return it == keys_.end() ? nullptr : &it->second;
}

}  // namespace veritrain
