// Pack/Unpack between a typed message struct and the generic wire Message.
//
// A message type T is a struct with
//   static constexpr const char* kType;   // the wire "type" name
//   static constexpr int kVersion;        // the type's body version
//   nlohmann::json ToBody() const;
//   static Result<T> FromBody(const nlohmann::json& body);
// and, when it carries tensors, a member `State tensors`, and optionally
// `std::vector<Digest> tensor_hashes` (Message::tensor_hashes: the sender's
// known hashes, the receiver's verified ones).
// The body carries its version as "v"; Unpack rejects other versions.
//
// Thread-safety: free functions over values.
#pragma once

#include <string>
#include <type_traits>
#include <utility>

#include "core/wire/message.h"

namespace veritrain {

template <typename T, typename = void>
struct HasTensors : std::false_type {};
template <typename T>
struct HasTensors<T, std::void_t<decltype(std::declval<T>().tensors)>>
    : std::true_type {};

template <typename T, typename = void>
struct HasTensorHashes : std::false_type {};
template <typename T>
struct HasTensorHashes<T, std::void_t<decltype(std::declval<T>().tensor_hashes)>>
    : std::true_type {};

// `from` and `seq` are filled in by the sending endpoint.
template <typename T>
Message Pack(const T& m, const std::string& task = "") {
  Message out;
  out.type = T::kType;
  out.task = task;
  out.body = m.ToBody();
  out.body["v"] = T::kVersion;
  if constexpr (HasTensors<T>::value) out.tensors = m.tensors;
  if constexpr (HasTensorHashes<T>::value) out.tensor_hashes = m.tensor_hashes;
  return out;
}

template <typename T>
Result<T> Unpack(const Message& m) {
  const std::string ctx = std::string("message '") + T::kType + "'";
  if (m.type != T::kType) {
    return Status::InvalidArgument(ctx + ": got a message of type '" + m.type + "'");
  }
  auto v = m.body.find("v");
  if (v == m.body.end() || !v->is_number_integer() || v->get<int>() != T::kVersion) {
    return Status::InvalidArgument(ctx + ": body version 'v' must be " +
                                   std::to_string(T::kVersion));
  }
  auto r = T::FromBody(m.body);
  if (!r.ok()) return r.status().WithContext(ctx);
  if constexpr (HasTensors<T>::value) r.value().tensors = m.tensors;
  if constexpr (HasTensorHashes<T>::value) r.value().tensor_hashes = m.tensor_hashes;
  return r;
}

}  // namespace veritrain
