// The tensor block cache: a freed large tensor's block is taken by the next
// tensor of its size, small tensors stay malloc's, kept memory is bounded
// and given back on request, and LibTorch's raw allocation path frees
// either kind.
#include "core/train/tensor_block_cache.h"

#include <c10/core/CPUAllocator.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <vector>

#include "core/train/torch_bridge.h"

namespace veritrain::tensor_block_cache_test {
namespace {

class TensorBlockCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    InstallTensorBlockCache();
    ASSERT_TRUE(TensorBlockCacheInstalled());
    ReleaseTensorBlocks();
  }
  void TearDown() override { ReleaseTensorBlocks(); }
};

int64_t Page() { return static_cast<int64_t>(::sysconf(_SC_PAGESIZE)); }

TEST_F(TensorBlockCacheTest, AFreedBlockIsTakenByTheNextTensorOfItsSize) {
  torch::Tensor a = torch::ones({1 << 20}, torch::kFloat32);  // 4 MiB
  const void* block = a.data_ptr();
  a = torch::Tensor();
  EXPECT_EQ(CachedTensorBlockBytes(), 4 << 20);
  torch::Tensor b = torch::empty({1 << 20}, torch::kFloat32);
  EXPECT_EQ(b.data_ptr(), block);
  EXPECT_EQ(CachedTensorBlockBytes(), 0);
  // A tensor of another size maps a block of its own.
  torch::Tensor c = torch::zeros({(1 << 20) + 1}, torch::kFloat32);
  EXPECT_NE(c.data_ptr(), block);
  EXPECT_EQ(c.sum().item<float>(), 0.0f);
}

TEST_F(TensorBlockCacheTest, BlocksAreWholePagesAndSmallTensorsAreNotKept) {
  torch::Tensor odd = torch::empty({(1 << 20) + 1}, torch::kUInt8);
  odd = torch::Tensor();
  EXPECT_EQ(CachedTensorBlockBytes(), (1 << 20) + Page());
  torch::Tensor small = torch::ones({1000}, torch::kFloat32);
  small = torch::Tensor();
  EXPECT_EQ(CachedTensorBlockBytes(), (1 << 20) + Page());
}

TEST_F(TensorBlockCacheTest, KeptMemoryIsBoundedAndGivenBack) {
  // More than the cap in blocks of 4 MiB (never written: mapped, not
  // resident), all freed: the cap's worth is kept, the rest unmapped.
  const int64_t block = 4 << 20;
  const int64_t count = static_cast<int64_t>(kMaxCachedBytes) / block + 8;
  std::vector<torch::Tensor> tensors;
  for (int64_t i = 0; i < count; ++i) tensors.push_back(torch::empty({block}, torch::kUInt8));
  tensors.clear();
  EXPECT_EQ(CachedTensorBlockBytes(), static_cast<int64_t>(kMaxCachedBytes));
  ReleaseTensorBlocks();
  EXPECT_EQ(CachedTensorBlockBytes(), 0);
}

TEST_F(TensorBlockCacheTest, RawAllocationsOfEitherKindAreFreed) {
  c10::Allocator* allocator = c10::GetCPUAllocator();
  void* large = allocator->raw_allocate(2 << 20);
  void* small = allocator->raw_allocate(64);
  ASSERT_NE(large, nullptr);
  ASSERT_NE(small, nullptr);
  allocator->raw_deallocate(small);
  EXPECT_EQ(CachedTensorBlockBytes(), 0);
  allocator->raw_deallocate(large);
  EXPECT_EQ(CachedTensorBlockBytes(), 2 << 20);
}

TEST_F(TensorBlockCacheTest, ATensorInAReusedBlockComputesTheSameBits) {
  torch::manual_seed(3);
  const torch::Tensor x = torch::randn({512, 512});
  const torch::Tensor fresh = x.matmul(x);
  torch::Tensor garbage = torch::full({512, 512}, 7.0f);  // its block, reused below
  garbage = torch::Tensor();
  const torch::Tensor reused = x.matmul(x);
  EXPECT_TRUE(BitEqual(fresh, reused));
}

}  // namespace
}  // namespace veritrain::tensor_block_cache_test
