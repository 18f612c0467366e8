#include "core/state/state_hash.h"

#include <algorithm>

#include "core/state/tensor_hashing.h"

namespace veritrain {
namespace {

// "vt-tensor-v1" and its 0x00 terminator: 13 bytes.
constexpr char kTensorTag[] = "vt-tensor-v1";
constexpr size_t kTensorTagSize = sizeof(kTensorTag);  // includes the NUL


// Why `t` is inconsistent, for an error message.
std::string Inconsistency(const TensorData& t) {
  if (DTypeSize(t.dtype) == 0) {
    return "invalid dtype tag " +
           std::to_string(static_cast<unsigned>(t.dtype));
  }
  for (int64_t d : t.shape) {
    if (d < 0) return "negative dimension in shape " + ShapeString(t.shape);
  }
  return std::to_string(t.bytes.size()) + " bytes do not match dtype " +
         DTypeName(t.dtype) + " x shape " + ShapeString(t.shape) +
         " (or the shape is absurdly large)";
}

bool NameLess(const TensorData* a, const TensorData* b) {
  // std::string_view::compare uses char_traits<char>::compare, which
  // compares as unsigned char: byte-wise memcmp order.
  return std::string_view(a->name) < std::string_view(b->name);
}

}  // namespace

Digest TensorHash(const TensorData& t) {
  Sha256 h;
  h.Update(kTensorTag, kTensorTagSize);
  h.UpdateU64(t.name.size());
  h.Update(t.name);
  h.UpdateU8(static_cast<uint8_t>(t.dtype));
  h.UpdateU64(t.shape.size());
  for (int64_t d : t.shape) h.UpdateU64(static_cast<uint64_t>(d));
  h.Update(t.bytes.data(), t.bytes.size());
  return h.Finish();
}

Result<std::vector<const TensorData*>> SortedTensors(const State& s) {
  std::vector<const TensorData*> sorted;
  sorted.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const TensorData& t = s[i];
    if (t.name.empty()) {
      return Status::InvalidArgument("state: tensor at index " +
                                     std::to_string(i) + " has an empty name");
    }
    if (!t.consistent()) {
      return Status::InvalidArgument("state: tensor \"" + t.name +
                                     "\" is inconsistent: " + Inconsistency(t));
    }
    sorted.push_back(&t);
  }
  std::sort(sorted.begin(), sorted.end(), NameLess);
  for (size_t i = 1; i < sorted.size(); ++i) {
    if (sorted[i - 1]->name == sorted[i]->name) {
      return Status::InvalidArgument("state: duplicate tensor name \"" +
                                     sorted[i]->name + "\"");
    }
  }
  return sorted;
}

Digest StateHashFromTensorHashes(const std::vector<Digest>& tensor_hashes) {
  std::vector<Digest> leaves;
  leaves.reserve(tensor_hashes.size());
  for (const Digest& d : tensor_hashes) leaves.push_back(MerkleLeafHash(d));
  return MerkleRoot(leaves);
}

Result<Digest> StateHash(const State& s, int threads) {
  VT_ASSIGN_OR_RETURN(auto sorted, SortedTensors(s));
  return StateHashFromTensorHashes(HashTensors(sorted, threads));
}

Result<Digest> StateHashWithTensorHashes(const State& s,
                                         const std::vector<Digest>& tensor_hashes,
                                         int threads) {
  if (tensor_hashes.empty() && !s.empty()) return StateHash(s, threads);
  if (tensor_hashes.size() != s.size()) {
    return Status::InvalidArgument(
        "state: " + std::to_string(tensor_hashes.size()) +
        " tensor hashes given for " + std::to_string(s.size()) + " tensors");
  }
  VT_ASSIGN_OR_RETURN(auto sorted, SortedTensors(s));
  std::vector<Digest> ordered;
  ordered.reserve(sorted.size());
  // sorted[k] points into s: its index there finds its hash.
  for (const TensorData* t : sorted) {
    ordered.push_back(tensor_hashes[static_cast<size_t>(t - s.data())]);
  }
  return StateHashFromTensorHashes(ordered);
}

Result<std::vector<std::pair<std::string, Digest>>> TensorHashes(const State& s,
                                                                 int threads) {
  VT_ASSIGN_OR_RETURN(auto sorted, SortedTensors(s));
  std::vector<Digest> hashes = HashTensors(sorted, threads);
  std::vector<std::pair<std::string, Digest>> out;
  out.reserve(sorted.size());
  for (size_t i = 0; i < sorted.size(); ++i) {
    out.emplace_back(sorted[i]->name, hashes[i]);
  }
  return out;
}

Result<InclusionProof> ProveTensor(const State& s, std::string_view name) {
  VT_ASSIGN_OR_RETURN(auto sorted, SortedTensors(s));
  auto it = std::lower_bound(sorted.begin(), sorted.end(), name,
                             [](const TensorData* t, std::string_view n) {
                               return std::string_view(t->name) < n;
                             });
  if (it == sorted.end() || (*it)->name != name) {
    return Status::NotFound("state: no tensor named \"" + std::string(name) +
                            "\"");
  }
  std::vector<Digest> leaves;
  leaves.reserve(sorted.size());
  for (const TensorData* t : sorted) {
    leaves.push_back(MerkleLeafHash(TensorHash(*t)));
  }
  return MerkleTree(std::move(leaves))
      .Prove(static_cast<size_t>(it - sorted.begin()));
}

Status VerifyTensorInclusion(const TensorData& t, const InclusionProof& proof,
                             const Digest& state_hash) {
  if (!t.consistent()) {
    return Status::InvalidArgument("tensor \"" + t.name +
                                   "\" is inconsistent: " + Inconsistency(t));
  }
  return VerifyInclusion(MerkleLeafHash(TensorHash(t)), proof, state_hash)
      .WithContext("tensor \"" + t.name + "\" against state hash " +
                   state_hash.Hex());
}

}  // namespace veritrain
