// Tests for freed_pages.h: the pages inside a range leave resident memory
// and read as zeros, the partial pages at its ends stay; a freed frame
// gives its pages back only while a scope lives, and only a large one.
#include "core/util/freed_pages.h"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <vector>

namespace veritrain {
namespace {

// Which pages of [p, p + bytes) are resident (mincore).
std::vector<bool> Resident(void* p, size_t bytes) {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  std::vector<unsigned char> v((bytes + page - 1) / page);
  EXPECT_EQ(::mincore(p, bytes, v.data()), 0);
  return std::vector<bool>(v.begin(), v.end());
}

class FreedPages : public ::testing::Test {
 protected:
  void SetUp() override {
    page_ = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    bytes_ = 64 * page_;
    void* p = ::mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ASSERT_NE(p, MAP_FAILED);
    base_ = static_cast<unsigned char*>(p);
    std::memset(base_, 7, bytes_);
  }
  void TearDown() override { ::munmap(base_, bytes_); }
  size_t page_ = 0;
  size_t bytes_ = 0;
  unsigned char* base_ = nullptr;
};

TEST_F(FreedPages, WholePagesInsideTheRangeGoAndReadAsZeros) {
  // From the middle of page 1 to the middle of page 9: pages 2..8 go.
  ReturnPages(base_ + page_ + page_ / 2, 8 * page_);
  const std::vector<bool> resident = Resident(base_, bytes_);
  for (size_t i = 0; i < resident.size(); ++i) {
    EXPECT_EQ(resident[i], i < 2 || i > 8) << "page " << i;
  }
  EXPECT_EQ(base_[page_ + page_ / 2], 7);  // partial pages keep their bytes
  EXPECT_EQ(base_[9 * page_], 7);
  EXPECT_EQ(base_[2 * page_], 0);
  EXPECT_EQ(base_[8 * page_ + page_ - 1], 0);
}

TEST_F(FreedPages, AFrameGivesItsPagesBackOnlyInAScopeAndOnlyWhenLarge) {
  const size_t large = kReturnedFrameMinBytes;
  void* p = ::mmap(nullptr, large, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(p, MAP_FAILED);
  std::memset(p, 7, large);
  EXPECT_FALSE(ReturningFreedFrames());
  ReturnFramePagesIfAsked(p, large);  // no scope: kept
  EXPECT_EQ(static_cast<unsigned char*>(p)[page_], 7);
  {
    ReturnFreedFramesScope scope;
    EXPECT_TRUE(ReturningFreedFrames());
    ReturnFramePagesIfAsked(p, large - 1);  // below the size: kept
    EXPECT_EQ(static_cast<unsigned char*>(p)[page_], 7);
    ReturnFramePagesIfAsked(p, large);
    EXPECT_EQ(static_cast<unsigned char*>(p)[page_], 0);
  }
  EXPECT_FALSE(ReturningFreedFrames());
  ::munmap(p, large);
}

}  // namespace
}  // namespace veritrain
