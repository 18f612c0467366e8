// "Did you mean …?": typos of node and field names find the name meant;
// names that are not typos of anything find nothing.
#include "scenarios/spec/closest_name.h"

#include <gtest/gtest.h>

namespace veritrain {
namespace {

const std::vector<std::string> kNodes = {
    "fc1.forward",  "relu1.forward", "fc2.forward",    "loss.forward",  "loss.backward",
    "fc2.backward", "relu1.backward", "fc1.backward",  "b2.ln.forward", "b2.ln.backward"};

TEST(ClosestNameTest, FindsTheNameATypoMeant) {
  EXPECT_EQ(ClosestName("fc2.bakward", kNodes), "fc2.backward");
  EXPECT_EQ(ClosestName("relu1.foward", kNodes), "relu1.forward");
  EXPECT_EQ(ClosestName("fc1.Forward", kNodes), "fc1.forward");
  EXPECT_EQ(ClosestName("outcom", {"outcome", "reason"}), "outcome");
  // A segment written out instead of its short form.
  EXPECT_EQ(ClosestName("b2.layernorm.backward", kNodes), "b2.ln.backward");
}

TEST(ClosestNameTest, SuggestsNothingForANameThatIsNotATypo) {
  EXPECT_EQ(ClosestName("bogus.forward", kNodes), "");
  EXPECT_EQ(ClosestName("x", {"outcome"}), "");
  EXPECT_EQ(ClosestName("anything", {}), "");
}

TEST(ClosestNameTest, DistanceCountsSingleCharacterEdits) {
  EXPECT_EQ(NameDistance("", "abc"), 3u);
  EXPECT_EQ(NameDistance("kitten", "sitting"), 3u);
  EXPECT_EQ(NameDistance("same", "same"), 0u);
}

}  // namespace
}  // namespace veritrain
