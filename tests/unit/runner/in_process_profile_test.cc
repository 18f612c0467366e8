// In-process mode's hardware profiles: thread counts are per thread (two
// role threads at 1 and 2 threads get the bits each would get alone), and
// the process-wide settings must agree.
#include "scenarios/runner/in_process_profile.h"

#include <ATen/Parallel.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/types.h>

#include <atomic>
#include <cstring>
#include <thread>

namespace veritrain {
namespace {

// A reduction whose last bits depend on how it is split among threads.
uint32_t SumBits() {
  auto g = at::detail::createCPUGenerator(42);
  torch::Tensor x = torch::randn({1 << 22}, g, torch::kFloat32);
  const float s = x.sum().item<float>();
  uint32_t bits;
  std::memcpy(&bits, &s, sizeof(bits));
  return bits;
}

// Runs SumBits on a fresh thread at `threads` intra-op threads; `barrier`
// lets two such threads start computing together.
void OnThread(int threads, uint32_t* bits, int* seen, std::atomic<int>* barrier, int parties) {
  EXPECT_TRUE(ApplyThreadProfile(HardwareProfile{threads, "float32", true, "cpu"}).ok());
  barrier->fetch_add(1);
  while (barrier->load() < parties) std::this_thread::yield();
  for (int i = 0; i < 3; ++i) *bits = SumBits();
  *seen = at::get_num_threads();
}

TEST(InProcessProfileTest, ThreadCountsArePerThread) {
  if (!ThreadCountsArePerThread()) GTEST_SKIP() << "LibTorch's parallel backend is not OpenMP";
  uint32_t alone1 = 0, alone2 = 0, together1 = 0, together2 = 0;
  int seen1 = 0, seen2 = 0, ignored = 0;
  std::atomic<int> b1{0}, b2{0}, b3{0};
  std::thread(OnThread, 1, &alone1, &ignored, &b1, 1).join();
  std::thread(OnThread, 2, &alone2, &ignored, &b2, 1).join();
  ASSERT_NE(alone1, alone2) << "the reduction does not depend on the thread count here, so this "
                               "test could not fail";
  std::thread t1(OnThread, 1, &together1, &seen1, &b3, 2);
  std::thread t2(OnThread, 2, &together2, &seen2, &b3, 2);
  t1.join();
  t2.join();
  EXPECT_EQ(seen1, 1);
  EXPECT_EQ(seen2, 2);
  EXPECT_EQ(together1, alone1);
  EXPECT_EQ(together2, alone2);
}

TEST(InProcessProfileTest, ProcessWideSettingsMustAgree) {
  const HardwareProfile p1{1, "float32", true, "cpu"};
  const HardwareProfile p2{2, "float32", true, "cpu"};
  EXPECT_TRUE(AdmitInProcess({p1, p2}).ok());  // threads may differ
  auto mixed = AdmitInProcess({p1, HardwareProfile{1, "float64", true, "cpu"}});
  ASSERT_FALSE(mixed.ok());
  EXPECT_EQ(mixed.code(), Status::Code::kFailedPrecondition);
  EXPECT_THAT(mixed.message(), ::testing::HasSubstr("'dtype'"));
  // The first admitted run fixed the process-wide part: a later run with
  // another value is refused even if it is consistent in itself.
  auto later = AdmitInProcess({HardwareProfile{1, "float32", false, "cpu"}});
  ASSERT_FALSE(later.ok());
  EXPECT_THAT(later.message(), ::testing::HasSubstr("'deterministic'"));
  EXPECT_THAT(later.message(), ::testing::HasSubstr("earlier in-process run"));
}

}  // namespace
}  // namespace veritrain
