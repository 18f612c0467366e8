// The allocator keeps what a training step frees: tensors of a MiB, freed
// and allocated again, cost no page fault once the process applied a
// hardware profile. Measured in a fresh process (this binary run again with one
// test), since glibc's thresholds depend on what the process freed before,
// and other tests free large blocks.
#include "core/train/allocator_tuning.h"

#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/train/hardware_profile.h"
#include "core/train/tensor_block_cache.h"
#include "core/train/torch_bridge.h"

extern char** environ;

// GCC says __SANITIZE_ADDRESS__; clang says __has_feature(address_sanitizer).
#if defined(__SANITIZE_ADDRESS__)
#define VERITRAIN_TEST_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VERITRAIN_TEST_UNDER_ASAN 1
#endif
#endif
#ifndef VERITRAIN_TEST_UNDER_ASAN
#define VERITRAIN_TEST_UNDER_ASAN 0
#endif

namespace veritrain::allocator_tuning_test {
namespace {

constexpr const char* kChildEnv = "VERITRAIN_ALLOCATOR_TEST_CHILD";

long MinorFaults() {
  struct rusage u = {};
  ::getrusage(RUSAGE_SELF, &u);
  return u.ru_minflt;
}

// Page faults of 50 rounds of making eight tensors of 1 MiB, filling them
// and freeing them all: a step's tensors in miniature. Untuned, glibc
// raises its mmap threshold to 1 MiB after the first free, but then trims
// freed memory at the top of the heap back to the kernel every round.
long FaultsOfReusedTensors() {
  constexpr int64_t kFloats = (1 << 20) / 4;
  long before = 0;
  for (int round = 0; round < 51; ++round) {
    if (round == 1) before = MinorFaults();  // the first round faults
    std::vector<torch::Tensor> tensors;
    for (int i = 0; i < 8; ++i) {
      tensors.push_back(torch::empty({kFloats}, torch::kFloat32));
      tensors.back().fill_(static_cast<float>(round + i));
    }
    volatile float sink = tensors[round % 8][round].item<float>();
    (void)sink;
    while (!tensors.empty()) tensors.pop_back();
  }
  return MinorFaults() - before;
}

// Runs this binary again with only `test` and the child's variable set to
// `mode`; its exit status.
int RunChild(const std::string& test, const std::string& mode) {
  std::string filter = "--gtest_filter=" + test;
  std::vector<char*> argv = {const_cast<char*>("/proc/self/exe"), filter.data(), nullptr};
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) env_strings.emplace_back(*e);
  env_strings.push_back(std::string(kChildEnv) + "=" + mode);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  pid_t pid = 0;
  if (::posix_spawn(&pid, "/proc/self/exe", nullptr, nullptr, argv.data(), envp.data()) != 0) {
    return -1;
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(AllocatorTuningTest, AfterAProfileFreedTensorsAreReusedWithoutFaults) {
#if VERITRAIN_TEST_UNDER_ASAN
  // AddressSanitizer replaces glibc's malloc (mallopt does not reach it)
  // and quarantines freed blocks, so every block is a fresh mapping.
  GTEST_SKIP() << "measures glibc's malloc, which AddressSanitizer replaces";
#endif
  // Untuned, the same loop faults every tensor in (so the check can fail);
  // tuned through ApplyHardwareProfile, it does not.
  EXPECT_EQ(RunChild("AllocatorTuningTest.Child", "untuned"), 0);
  EXPECT_EQ(RunChild("AllocatorTuningTest.Child", "tuned"), 0);
}

// The child's half; does nothing unless run by the test above.
TEST(AllocatorTuningTest, Child) {
  const char* mode = std::getenv(kChildEnv);
  if (mode == nullptr) return;
  if (std::string(mode) == "tuned") {
    HardwareProfile p;
    p.threads = 1;
    ASSERT_TRUE(ApplyHardwareProfile(p).ok());
    EXPECT_TRUE(TensorBlockCacheInstalled());
    EXPECT_LT(FaultsOfReusedTensors(), 500) << "freed tensors were faulted in again";
  } else {
    // Some of the 8 x 256 pages faulted in again every round (about 6,600
    // in all with glibc 2.36).
    EXPECT_GT(FaultsOfReusedTensors(), 2000);
  }
}

}  // namespace
}  // namespace veritrain::allocator_tuning_test
