#include "core/crypto/checksum.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace veritrain {
namespace {

// Known answers of XXH3-128 (seed 0), as `xxhsum -H2` prints them.
TEST(ChecksumTest, KnownAnswers) {
  EXPECT_EQ(ChecksumOf("").Hex(), "99aa06d3014798d86001c324468d497f");
  EXPECT_EQ(ChecksumOf("veritrain").Hex(), "e6e054e4a3ccde1367de71dcfdc284ba");
}

TEST(ChecksumTest, StreamingEqualsOneShotForEverySplit) {
  std::mt19937_64 rng(7);
  std::string data(5000, '\0');
  for (char& c : data) c = static_cast<char>(rng());
  const Checksum128 whole = ChecksumOf(data);
  for (size_t cut : {size_t{0}, size_t{1}, size_t{63}, size_t{64}, size_t{240}, size_t{2500},
                     data.size()}) {
    ChecksumStream s;
    s.Update(std::string_view(data).substr(0, cut)).Update(std::string_view(data).substr(cut));
    EXPECT_EQ(s.Finish(), whole) << "cut at " << cut;
  }
}

TEST(ChecksumTest, EveryFlippedBitChangesIt) {
  std::string data(256, 'a');
  const Checksum128 good = ChecksumOf(data);
  for (size_t bit = 0; bit < 8 * data.size(); ++bit) {
    std::string bad = data;
    bad[bit / 8] = static_cast<char>(bad[bit / 8] ^ (1 << (bit % 8)));
    EXPECT_NE(ChecksumOf(bad), good) << "bit " << bit;
  }
}

TEST(ChecksumTest, HexRoundTripsAndRejectsAnythingElse) {
  const Checksum128 c = ChecksumOf("x");
  EXPECT_EQ(Checksum128::FromHex(c.Hex()), c);
  EXPECT_FALSE(Checksum128::FromHex(""));
  EXPECT_FALSE(Checksum128::FromHex(c.Hex().substr(1)));
  EXPECT_FALSE(Checksum128::FromHex(c.Hex() + "0"));
  std::string not_hex = c.Hex();
  not_hex[0] = 'g';
  EXPECT_FALSE(Checksum128::FromHex(not_hex));
  EXPECT_FALSE(Checksum128::FromHex(std::string(64, '0')));  // a SHA-256 digest's length
}

}  // namespace
}  // namespace veritrain
