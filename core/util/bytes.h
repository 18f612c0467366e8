// Bytes: an immutable, shared, reference-counted byte buffer.
//
// Tensor bytes travel through hashing, checkpoint files and ZeroMQ frames
// without being copied: a Bytes can own a std::string, or borrow memory whose
// lifetime is held by an arbitrary owner (a torch::Tensor, a zmq::message_t).
//
// Thread-safety: immutable after construction; copies share the buffer and
// may be used from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace veritrain {

class Bytes {
 public:
  Bytes() = default;
  // Takes ownership of s without copying.
  static Bytes FromString(std::string s) {
    auto owner = std::make_shared<std::string>(std::move(s));
    Bytes b;
    b.data_ = reinterpret_cast<const uint8_t*>(owner->data());
    b.size_ = owner->size();
    b.owner_ = std::move(owner);
    return b;
  }
  static Bytes Copy(const void* data, size_t size) {
    return FromString(std::string(static_cast<const char*>(data), size));
  }
  // Borrows [data, data+size); `owner` keeps it alive.
  // REQUIRES: the memory is not modified while any copy of this Bytes lives.
  static Bytes Borrow(std::shared_ptr<const void> owner, const void* data,
                      size_t size) {
    Bytes b;
    b.owner_ = std::move(owner);
    b.data_ = static_cast<const uint8_t*>(data);
    b.size_ = size;
    return b;
  }

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::string_view view() const {
    return {reinterpret_cast<const char*>(data_), size_};
  }
  std::string ToString() const { return std::string(view()); }

 private:
  std::shared_ptr<const void> owner_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace veritrain
