// Tests for RFC 6962 Merkle trees: known roots, odd sizes, inclusion proofs
// and their rejection when tampered with.
#include "core/crypto/merkle.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace veritrain {
namespace {

// The Certificate Transparency test leaves (hex), in order.
const char* const kCtLeaves[] = {"",
                                 "00",
                                 "10",
                                 "2021",
                                 "3031",
                                 "40414243",
                                 "5051525354555657",
                                 "606162636465666768696a6b6c6d6e6f"};

// Roots of the trees over the first n CT leaves, n = 1..8. Computed with
// Python hashlib per RFC 6962 section 2.1 (MTH with 0x00 leaf and 0x01 node
// prefixes, split at the largest power of two < n); sizes 1 and 8 agree
// with the published CT test values.
const char* const kCtRoots[] = {
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

std::vector<Digest> CtLeafHashes(size_t n) {
  std::vector<Digest> out;
  for (size_t i = 0; i < n; ++i) {
    auto raw = FromHex(kCtLeaves[i]);
    EXPECT_TRUE(raw.has_value());
    out.push_back(MerkleLeafHash(*raw));
  }
  return out;
}

std::vector<Digest> NumberedLeafHashes(size_t n) {
  std::vector<Digest> out;
  for (size_t i = 0; i < n; ++i)
    out.push_back(MerkleLeafHash(std::to_string(i)));
  return out;
}

// MTH straight from RFC 6962 section 2.1 (recursive split), as a second
// opinion on the bottom-up tree.
Digest ReferenceRoot(const std::vector<Digest>& leaves, size_t lo, size_t hi) {
  size_t n = hi - lo;
  if (n == 1) return leaves[lo];
  size_t k = 1;
  while (k * 2 < n) k *= 2;
  return MerkleNodeHash(ReferenceRoot(leaves, lo, lo + k),
                        ReferenceRoot(leaves, lo + k, hi));
}

// The root a Bitcoin-style tree gets by duplicating a lone last node.
Digest DuplicatingRoot(std::vector<Digest> level) {
  while (level.size() > 1) {
    if (level.size() % 2 == 1) level.push_back(level.back());
    std::vector<Digest> up;
    for (size_t i = 0; i < level.size(); i += 2) {
      up.push_back(MerkleNodeHash(level[i], level[i + 1]));
    }
    level = std::move(up);
  }
  return level[0];
}

TEST(MerkleTest, Rfc6962KnownRoots) {
  for (size_t n = 1; n <= 8; ++n) {
    auto leaves = CtLeafHashes(n);
    EXPECT_EQ(MerkleRoot(leaves).Hex(), kCtRoots[n - 1]) << "size " << n;
    EXPECT_EQ(MerkleTree(leaves).root().Hex(), kCtRoots[n - 1]) << "size " << n;
  }
}

TEST(MerkleTest, LeafAndNodeHashesUseDomainSeparation) {
  // SHA-256 of the single byte 0x00 (the empty leaf) is the size-1 root.
  EXPECT_EQ(MerkleLeafHash(std::string_view()).Hex(), kCtRoots[0]);
  Digest a = MerkleLeafHash("a"), b = MerkleLeafHash("b");
  EXPECT_NE(MerkleNodeHash(a, b), MerkleNodeHash(b, a));
  std::string concat = std::string(a.view()) + std::string(b.view());
  EXPECT_NE(MerkleNodeHash(a, b), MerkleLeafHash(concat));
}

TEST(MerkleTest, EmptyTreeRootIsSha256OfEmptyString) {
  MerkleTree t({});
  EXPECT_EQ(t.size(), 0u);
  // SHA-256("") from FIPS 180-2 examples.
  EXPECT_EQ(t.root().Hex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(MerkleRoot({}), Sha256Of(""));
}

TEST(MerkleTest, OddLastNodeIsPromotedNotDuplicated) {
  for (size_t n : {3u, 5u, 7u}) {
    auto leaves = CtLeafHashes(n);
    Digest root = MerkleRoot(leaves);
    EXPECT_EQ(root.Hex(), kCtRoots[n - 1]);
    EXPECT_NE(root, DuplicatingRoot(leaves)) << "size " << n;
  }
}

TEST(MerkleTest, MatchesRecursiveDefinitionForManySizes) {
  for (size_t n = 1; n <= 70; ++n) {
    auto leaves = NumberedLeafHashes(n);
    EXPECT_EQ(MerkleRoot(leaves), ReferenceRoot(leaves, 0, n)) << "size " << n;
  }
}

TEST(MerkleTest, EveryInclusionProofVerifies) {
  for (size_t n = 1; n <= 33; ++n) {
    MerkleTree tree(NumberedLeafHashes(n));
    ASSERT_EQ(tree.size(), n);
    for (size_t i = 0; i < n; ++i) {
      InclusionProof p = tree.Prove(i);
      EXPECT_EQ(p.index, i);
      EXPECT_EQ(p.tree_size, n);
      Status s = VerifyInclusion(tree.leaf(i), p, tree.root());
      EXPECT_TRUE(s.ok()) << "n=" << n << " i=" << i << ": " << s.ToString();
    }
  }
}

void ExpectCorruption(const Status& s, const std::string& what) {
  EXPECT_EQ(s.code(), Status::Code::kCorruption)
      << what << ": " << s.ToString();
}

TEST(MerkleTest, TamperedProofsFail) {
  for (size_t n = 1; n <= 33; ++n) {
    MerkleTree tree(NumberedLeafHashes(n));
    MerkleTree other(NumberedLeafHashes(n + 1));
    for (size_t i = 0; i < n; ++i) {
      const InclusionProof good = tree.Prove(i);
      const Digest& leaf = tree.leaf(i);
      const std::string at =
          "n=" + std::to_string(n) + " i=" + std::to_string(i);

      // A flipped bit anywhere: in each path element, in the leaf, in the root.
      for (size_t k = 0; k < good.path.size(); ++k) {
        InclusionProof p = good;
        p.path[k].bytes[k % 32] ^= 0x80;
        ExpectCorruption(VerifyInclusion(leaf, p, tree.root()),
                         at + " flipped path[" + std::to_string(k) + "]");
      }
      Digest bad_leaf = leaf;
      bad_leaf.bytes[0] ^= 1;
      ExpectCorruption(VerifyInclusion(bad_leaf, good, tree.root()),
                       at + " flipped leaf");
      Digest bad_root = tree.root();
      bad_root.bytes[31] ^= 1;
      ExpectCorruption(VerifyInclusion(leaf, good, bad_root),
                       at + " flipped root");

      // Every wrong index, including ones past the end.
      for (size_t j = 0; j <= n + 1; ++j) {
        if (j == i) continue;
        InclusionProof p = good;
        p.index = j;
        ExpectCorruption(VerifyInclusion(leaf, p, tree.root()),
                         at + " index " + std::to_string(j));
      }

      // An extra or a missing path element.
      {
        InclusionProof p = good;
        p.path.push_back(leaf);
        ExpectCorruption(VerifyInclusion(leaf, p, tree.root()), at + " extra");
      }
      if (!good.path.empty()) {
        InclusionProof p = good;
        p.path.pop_back();
        ExpectCorruption(VerifyInclusion(leaf, p, tree.root()),
                         at + " missing last");
        p = good;
        p.path.erase(p.path.begin());
        ExpectCorruption(VerifyInclusion(leaf, p, tree.root()),
                         at + " missing first");
      }

      // Against another tree's root.
      ExpectCorruption(VerifyInclusion(leaf, good, other.root()),
                       at + " other root");
    }
  }
}

// A wrong tree size fails whenever it changes the shape of the audit path
// (its length), puts the index out of range, or the leaf is the last one.
// When the shape is unchanged it can verify: see the next test.
TEST(MerkleTest, WrongTreeSizeFailsWhenThePathShapeChanges) {
  std::vector<MerkleTree> trees;  // trees[m] has m leaves
  for (size_t m = 0; m <= 40; ++m) trees.emplace_back(NumberedLeafHashes(m));
  int checked = 0;
  for (size_t n = 1; n <= 33; ++n) {
    const MerkleTree& tree = trees[n];
    for (size_t i = 0; i < n; ++i) {
      const InclusionProof good = tree.Prove(i);
      for (size_t m = 0; m <= 40; ++m) {
        if (m == n) continue;
        bool shape_changes = i >= m || i == n - 1 ||
                             trees[m].Prove(i).path.size() != good.path.size();
        if (!shape_changes) continue;
        InclusionProof p = good;
        p.tree_size = m;
        ExpectCorruption(VerifyInclusion(tree.leaf(i), p, tree.root()),
                         "n=" + std::to_string(n) + " i=" + std::to_string(i) +
                             " claimed size " + std::to_string(m));
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 10000);
}

// RFC 6962 roots do not commit to the tree size: leaf 0 of a 3-leaf tree has
// the same audit-path shape as leaf 0 of a 4-leaf tree, so the proof also
// verifies with tree_size 4. Callers must take the tree size from a signed
// commitment, never from the party presenting the proof.
TEST(MerkleTest, TreeSizeIsNotBoundByTheRoot) {
  MerkleTree tree(NumberedLeafHashes(3));
  InclusionProof p = tree.Prove(0);
  p.tree_size = 4;
  EXPECT_TRUE(VerifyInclusion(tree.leaf(0), p, tree.root()).ok());
}

}  // namespace
}  // namespace veritrain
