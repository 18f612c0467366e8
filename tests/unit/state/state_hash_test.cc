// Tests for the tensor hash, the state hash (Merkle root over tensors in
// name order) and per-tensor inclusion proofs.
#include "core/state/state_hash.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "tests/support/tensors.h"

namespace veritrain {
namespace {

using testing_util::MakeTensor;

template <typename T>
std::string Raw(std::initializer_list<T> values) {
  std::string s;
  for (T v : values) {
    char b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));  // the host is little-endian (x86-64)
    s.append(b, sizeof(T));
  }
  return s;
}

// The five-tensor state of the known-answer test (deliberately unsorted).
State KnownState() {
  return {
      MakeTensor("b", DType::kFloat32, {2}, Raw<float>({1.0f, -2.5f})),
      MakeTensor("a", DType::kInt64, {}, Raw<int64_t>({7})),
      MakeTensor("c", DType::kUInt8, {0}, ""),
      MakeTensor("d", DType::kUInt8, {2, 3}, std::string("\0\1\2\3\4\5", 6)),
      MakeTensor("e", DType::kBFloat16, {1, 1}, std::string("\x80\x3f", 2)),
  };
}

// Expected values computed independently by a Python 3 hashlib script that
// implements the header comment of state_hash.h and RFC 6962's recursive MTH
// definition (split at the largest power of two below n):
//   tensor_hash = sha256(b"vt-tensor-v1\0" + u64(len(name)) + name +
//                        bytes([dtype]) + u64(ndim) + u64(dims)... + data)
//   root = MTH([tensor_hash(t) for t in sorted by name])
TEST(StateHashTest, KnownAnswer) {
  State s = KnownState();
  auto hashes = TensorHashes(s);
  ASSERT_TRUE(hashes.ok()) << hashes.status().ToString();
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"a", "a4bde48d5921c779d7dacd754f5c5b20c451ae7b0cc6b699ae2f9641de71890c"},
      {"b", "294b06f039e8e714d7b60daa5ec51821a6df13896d64f73031c8c842c7f7f847"},
      {"c", "edb8eb99be6a823f536202079bf81d4fb7334f3d7ed718462c94799067866b8a"},
      {"d", "5e811b4e7d11bca829d9780558d632184d08990295797d621f7c90ceb94353d0"},
      {"e", "61912f873ce4179f34a71db5762fb4039db9011be6cc601939b5b76586269ca8"},
  };
  ASSERT_EQ(hashes->size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ((*hashes)[i].first, expected[i].first);
    EXPECT_EQ((*hashes)[i].second.Hex(), expected[i].second) << i;
  }
  auto root = StateHash(s);
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(root->Hex(),
            "94313e6dc28a945bda96b6ef2826204bc4bcb5bedfee8dfaac2e85e2dc9a500c");
}

TEST(StateHashTest, EmptyStateIsHashOfEmptyString) {
  auto root = StateHash(State{});
  ASSERT_TRUE(root.ok());
  // SHA-256("") from FIPS 180-2 examples; RFC 6962 MTH of an empty list.
  EXPECT_EQ(root->Hex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(StateHashTest, OrderIndependent) {
  State s = KnownState();
  auto want = StateHash(s);
  ASSERT_TRUE(want.ok());
  std::mt19937 rng(42);
  for (int i = 0; i < 10; ++i) {
    std::shuffle(s.begin(), s.end(), rng);
    auto got = StateHash(s);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(*got, *want);
  }
}

TEST(StateHashTest, EveryFieldChangesTheHash) {
  const State base = {
      MakeTensor("w", DType::kFloat32, {2, 3}, std::string(24, '\x01')),
      MakeTensor("x", DType::kInt64, {1}, Raw<int64_t>({5}))};
  const Digest h0 = *StateHash(base);

  State renamed = base;
  renamed[0].name = "v";
  State retyped = base;  // same byte size, different dtype
  retyped[0].dtype = DType::kInt32;
  State reshaped = base;  // same element count, different shape
  reshaped[0].shape = {3, 2};
  State flattened = base;
  flattened[0].shape = {6};
  State flipped = base;
  std::string b = base[0].bytes.ToString();
  b[17] ^= 0x01;
  flipped[0].bytes = Bytes::FromString(b);
  State dropped = base;
  dropped.pop_back();

  for (const State* s :
       {&renamed, &retyped, &reshaped, &flattened, &flipped, &dropped}) {
    auto h = StateHash(*s);
    ASSERT_TRUE(h.ok()) << h.status().ToString();
    EXPECT_NE(*h, h0);
  }
  EXPECT_NE(TensorHash(retyped[0]), TensorHash(base[0]));
  EXPECT_NE(TensorHash(reshaped[0]), TensorHash(base[0]));
}

TEST(StateHashTest, NameLengthIsPartOfTheHeader) {
  // Without the length prefix, name "ab" + bytes "c" and name "a" + ... could
  // be confused; the u64 name length separates them.
  TensorData t1 = MakeTensor("ab", DType::kUInt8, {1}, "c");
  TensorData t2 = MakeTensor("a", DType::kUInt8, {1}, "c");
  EXPECT_NE(TensorHash(t1), TensorHash(t2));
}

TEST(StateHashTest, ThreadCountDoesNotChangeTheResult) {
  std::mt19937 rng(7);
  State s;
  for (int i = 0; i < 40; ++i) {
    size_t n = (rng() % 5000);
    std::string bytes(n * 4, '\0');
    for (auto& c : bytes) c = static_cast<char>(rng());
    s.push_back(MakeTensor("t" + std::to_string(i), DType::kFloat32,
                           {static_cast<int64_t>(n)}, bytes));
  }
  auto one = StateHash(s, 1);
  ASSERT_TRUE(one.ok());
  for (int threads : {0, 2, 4, 64}) {
    auto many = StateHash(s, threads);
    ASSERT_TRUE(many.ok());
    EXPECT_EQ(*many, *one) << threads;
  }
  auto h1 = TensorHashes(s, 1);
  auto h4 = TensorHashes(s, 4);
  ASSERT_TRUE(h1.ok() && h4.ok());
  EXPECT_EQ(*h1, *h4);
}

TEST(StateHashTest, ParallelHashingIsStableOverManyCalls) {
  // Helpers outlive the calls that start them (a late one finds no work):
  // many short calls in a row, with more threads than tensors, must all
  // give the sequential result.
  State s;
  for (int i = 0; i < 3; ++i) {
    s.push_back(MakeTensor("t" + std::to_string(i), DType::kUInt8, {1000},
                           std::string(1000, static_cast<char>('a' + i))));
  }
  const Digest want = *StateHash(s, 1);
  for (int call = 0; call < 300; ++call) {
    auto got = StateHash(s, 2 + call % 4);
    ASSERT_TRUE(got.ok());
    ASSERT_EQ(*got, want) << "call " << call;
  }
}

TEST(StateHashTest, NamesSortByteWise) {
  // 'Z' (0x5a) < 'a' (0x61) < 0xc3 (first byte of UTF-8 "é"); a signed-char
  // comparison would put "é" first.
  State s = {MakeTensor("\xc3\xa9", DType::kUInt8, {1}, "x"),
             MakeTensor("a", DType::kUInt8, {1}, "y"),
             MakeTensor("Z", DType::kUInt8, {1}, "z"),
             MakeTensor("ab", DType::kUInt8, {1}, "w")};
  auto hashes = TensorHashes(s);
  ASSERT_TRUE(hashes.ok());
  std::vector<std::string> names;
  for (const auto& [name, digest] : *hashes) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"Z", "a", "ab", "\xc3\xa9"}));
}

TEST(StateHashTest, RejectsDuplicateName) {
  State s = KnownState();
  s.push_back(MakeTensor("c", DType::kUInt8, {1}, "q"));
  auto r = StateHash(s);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("duplicate tensor name \"c\""),
            std::string::npos)
      << r.status().ToString();
}

TEST(StateHashTest, RejectsEmptyName) {
  State s = KnownState();
  s.push_back(MakeTensor("", DType::kUInt8, {1}, "q"));
  auto r = StateHash(s);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("index 5 has an empty name"),
            std::string::npos)
      << r.status().ToString();
}

TEST(StateHashTest, RejectsInconsistentTensor) {
  State s = KnownState();
  s.push_back(MakeTensor("bad", DType::kFloat32, {2, 2}, std::string(15, 'x')));
  auto r = StateHash(s, 4);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("\"bad\""), std::string::npos);
  EXPECT_NE(r.status().message().find("15 bytes"), std::string::npos)
      << r.status().ToString();

  State neg = {MakeTensor("neg", DType::kUInt8, {-1}, "")};
  EXPECT_NE(StateHash(neg).status().message().find("negative"),
            std::string::npos);
  State invalid = {MakeTensor("inv", DType::kInvalid, {}, "")};
  EXPECT_NE(StateHash(invalid).status().message().find("invalid dtype"),
            std::string::npos);
  EXPECT_FALSE(TensorHashes(invalid).ok());
  EXPECT_FALSE(ProveTensor(invalid, "inv").ok());
}

TEST(StateHashTest, ProofsVerifyEveryTensorAgainstTheStateHash) {
  for (size_t n = 1; n <= 7; ++n) {
    State s;
    for (size_t i = 0; i < n; ++i) {
      s.push_back(MakeTensor("p" + std::to_string(n - i), DType::kUInt8, {1},
                             std::string(1, static_cast<char>(i))));
    }
    const Digest root = *StateHash(s);
    for (const TensorData& t : s) {
      auto proof = ProveTensor(s, t.name);
      ASSERT_TRUE(proof.ok()) << proof.status().ToString();
      EXPECT_EQ(proof->tree_size, n);
      EXPECT_TRUE(VerifyTensorInclusion(t, *proof, root).ok()) << t.name;
      EXPECT_TRUE(
          VerifyInclusion(MerkleLeafHash(TensorHash(t)), *proof, root).ok());
      // A tensor with one byte changed does not verify.
      TensorData forged = t;
      forged.bytes = Bytes::FromString("\x7f");
      Status st = VerifyTensorInclusion(forged, *proof, root);
      EXPECT_EQ(st.code(), Status::Code::kCorruption);
      EXPECT_NE(st.message().find(t.name), std::string::npos);
    }
  }
}

TEST(StateHashTest, ProveUnknownTensorIsNotFound) {
  auto r = ProveTensor(KnownState(), "zz");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kNotFound);
  EXPECT_NE(r.status().message().find("zz"), std::string::npos);
}

TEST(StateHashTest, SortedTensorsPointIntoTheState) {
  State s = KnownState();
  auto sorted = SortedTensors(s);
  ASSERT_TRUE(sorted.ok());
  ASSERT_EQ(sorted->size(), s.size());
  EXPECT_EQ((*sorted)[0], &s[1]);  // "a"
  EXPECT_EQ((*sorted)[1], &s[0]);  // "b"
}

}  // namespace
}  // namespace veritrain

namespace veritrain {
namespace {

TEST(StateHashWithTensorHashesTest, SameAsHashingTheTensorsInAnyOrder) {
  State s = KnownState();  // unsorted
  std::vector<Digest> hashes;
  for (const TensorData& t : s) hashes.push_back(TensorHash(t));
  auto with = StateHashWithTensorHashes(s, hashes);
  ASSERT_TRUE(with.ok()) << with.status().ToString();
  EXPECT_EQ(*with, *StateHash(s));
  // No hashes given: the tensors are hashed.
  EXPECT_EQ(*StateHashWithTensorHashes(s, {}), *StateHash(s));
}

TEST(StateHashWithTensorHashesTest, UsesTheGivenHashesAndChecksTheState) {
  State s = KnownState();
  std::vector<Digest> hashes;
  for (const TensorData& t : s) hashes.push_back(TensorHash(t));
  // The hashes are what it is made of: another hash, another root.
  std::vector<Digest> other = hashes;
  other[0] = Sha256Of("not the tensor");
  EXPECT_NE(*StateHashWithTensorHashes(s, other), *StateHash(s));
  // A count that does not match, a duplicate name: refused.
  hashes.pop_back();
  auto short_list = StateHashWithTensorHashes(s, hashes);
  ASSERT_FALSE(short_list.ok());
  EXPECT_NE(short_list.status().message().find("4 tensor hashes given for 5"),
            std::string::npos)
      << short_list.status().ToString();
  State twice = {s[0], s[0]};
  auto dup = StateHashWithTensorHashes(twice, {TensorHash(s[0]), TensorHash(s[0])});
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.status().message().find("duplicate tensor name"), std::string::npos);
}

}  // namespace
}  // namespace veritrain
