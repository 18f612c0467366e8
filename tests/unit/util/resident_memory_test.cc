#include "core/util/resident_memory.h"

#include <gtest/gtest.h>
#include <sys/mman.h>

#include <cstring>

namespace veritrain {
namespace {

// Pages touched are counted, and given back they are not.
TEST(ResidentMemoryTest, CountsPagesTouchedAndNotThoseGivenBack) {
  const size_t bytes = size_t{64} << 20;
  const int64_t before = ResidentBytes();
  ASSERT_GT(before, 0);
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(p, MAP_FAILED);
  std::memset(p, 1, bytes);
  const int64_t touched = ResidentBytes();
  EXPECT_GE(touched - before, static_cast<int64_t>(bytes) * 9 / 10);
  ::munmap(p, bytes);
  EXPECT_LE(ResidentBytes(), touched - static_cast<int64_t>(bytes) * 9 / 10);
}

}  // namespace
}  // namespace veritrain
