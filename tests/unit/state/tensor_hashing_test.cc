// Tests for HashTensors: the same digests as TensorHash one by one, for
// any thread count, byte threshold and mix of tensor sizes (none, one huge
// tensor, many tiny ones, a few large among many small).
#include "core/state/tensor_hashing.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/state/state_hash.h"
#include "tests/support/tensors.h"

namespace veritrain {
namespace {

using testing_util::MakeTensor;

// `sizes[i]` bytes of pseudo-random data for tensor i ("t<i>", u8).
State RandomState(const std::vector<size_t>& sizes, uint32_t seed) {
  std::mt19937 rng(seed);
  State s;
  for (size_t i = 0; i < sizes.size(); ++i) {
    std::string bytes(sizes[i], '\0');
    for (auto& c : bytes) c = static_cast<char>(rng());
    s.push_back(MakeTensor("t" + std::to_string(i), DType::kUInt8,
                           {static_cast<int64_t>(sizes[i])}, std::move(bytes)));
  }
  return s;
}

std::vector<const TensorData*> Pointers(const State& s) {
  std::vector<const TensorData*> p;
  for (const TensorData& t : s) p.push_back(&t);
  return p;
}

// One by one, on the calling thread: what every other call must match.
std::vector<Digest> Serial(const State& s) {
  std::vector<Digest> d;
  for (const TensorData& t : s) d.push_back(TensorHash(t));
  return d;
}

void ExpectSameForEveryThreadCount(const State& s, const std::string& what) {
  const std::vector<Digest> want = Serial(s);
  for (int threads : {0, 1, 2, 3, 8}) {
    for (size_t min_bytes :
         {size_t{0}, size_t{1}, size_t{4096}, size_t{1} << 30}) {
      EXPECT_EQ(HashTensors(Pointers(s), threads, min_bytes), want)
          << what << ", threads " << threads << ", min bytes " << min_bytes;
    }
  }
}

TEST(TensorHashingTest, NoTensors) {
  ExpectSameForEveryThreadCount({}, "no tensors");
  EXPECT_TRUE(HashTensors({}, 4).empty());
}

TEST(TensorHashingTest, OneHugeTensor) {
  ExpectSameForEveryThreadCount(RandomState({9 << 20}, 1), "one 9 MiB tensor");
}

TEST(TensorHashingTest, ManyTinyTensors) {
  std::vector<size_t> sizes(1000);
  for (size_t i = 0; i < sizes.size(); ++i) sizes[i] = i % 7;  // empty ones too
  ExpectSameForEveryThreadCount(RandomState(sizes, 2), "1000 tiny tensors");
}

TEST(TensorHashingTest, AFewLargeAmongManySmall) {
  std::mt19937 rng(3);
  std::vector<size_t> sizes;
  for (int i = 0; i < 60; ++i) sizes.push_back(rng() % 3000);
  sizes[5] = 3 << 20;
  sizes[41] = 1 << 20;
  ExpectSameForEveryThreadCount(RandomState(sizes, 4), "mixed sizes");
}

TEST(TensorHashingTest, HeaderFieldsAreHashedPerTensor) {
  // Equal bytes under different names, dtypes or shapes hash differently,
  // each in its own position.
  State s = {MakeTensor("a", DType::kUInt8, {4}, "abcd"),
             MakeTensor("b", DType::kUInt8, {4}, "abcd"),
             MakeTensor("a", DType::kInt32, {1}, "abcd"),
             MakeTensor("a", DType::kUInt8, {2, 2}, "abcd")};
  const std::vector<Digest> got = HashTensors(Pointers(s), 4);
  EXPECT_EQ(got, Serial(s));
  for (size_t i = 0; i < got.size(); ++i) {
    for (size_t j = i + 1; j < got.size(); ++j) EXPECT_NE(got[i], got[j]);
  }
}

TEST(TensorHashingTest, StableOverManyShortCalls) {
  // Helpers outlive the calls that start them (a late one finds no work
  // left): many calls in a row must all give the serial result.
  const State s = RandomState({1000, 3000, 20, 0, 5000}, 5);
  const std::vector<Digest> want = Serial(s);
  for (int call = 0; call < 300; ++call) {
    ASSERT_EQ(HashTensors(Pointers(s), 2 + call % 4), want) << "call " << call;
  }
}

TEST(TensorHashingTest, ConcurrentCallersShareTheHelpers) {
  // The helpers are the process's: callers on several threads at once,
  // each asking for more helpers than there are, all get their own
  // tensors' digests.
  std::vector<State> states;
  std::vector<std::vector<Digest>> want;
  for (uint32_t c = 0; c < 6; ++c) {
    states.push_back(RandomState({20000, 7, 50000 + c, 0, 3000, 90000}, 10 + c));
    want.push_back(Serial(states.back()));
  }
  std::vector<int> wrong(states.size(), 0);
  std::vector<std::thread> callers;
  for (size_t c = 0; c < states.size(); ++c) {
    callers.emplace_back([&, c] {
      for (int call = 0; call < 50; ++call) {
        if (HashTensors(Pointers(states[c]), 16) != want[c]) ++wrong[c];
      }
    });
  }
  for (std::thread& t : callers) t.join();
  for (size_t c = 0; c < states.size(); ++c) EXPECT_EQ(wrong[c], 0) << c;
}

TEST(TensorHashingTest, AForkedChildHashesWithHelpersOfItsOwn) {
  // The parent's helpers are started and parked; the child has none of
  // them (and may have inherited the pool's lock held), yet its parallel
  // hashes come out right and it does not hang.
  const State s = RandomState({200000, 300000, 100000, 5}, 20);
  const std::vector<Digest> want = Serial(s);
  ASSERT_EQ(HashTensors(Pointers(s), 4), want);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    bool ok = true;
    for (int call = 0; call < 20; ++call) {
      ok = ok && HashTensors(Pointers(s), 4) == want;
    }
    ::_exit(ok ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace veritrain
