// The POSIX Env's files: pieces of any size, across the writeback chunks a
// file is written in (8 MiB), arrive whole and in order, with fsync
// (Env::Default) and without (Env::Volatile).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/state/atomic_file.h"
#include "core/state/env.h"
#include "tests/support/files.h"

namespace veritrain {
namespace {

using testing_util::ReadFile;
using testing_util::ScratchDir;

std::string ChunkPattern(size_t bytes, unsigned seed) {
  std::string s(bytes, '\0');
  for (size_t i = 0; i < bytes; ++i) s[i] = static_cast<char>((i * 131 + seed) >> 3);
  return s;
}

TEST(PosixEnvTest, PiecesAcrossWritebackChunksArriveWholeAndInOrder) {
  constexpr size_t kMiB = size_t{1} << 20;
  const std::vector<std::string> pieces = {ChunkPattern(3 * kMiB, 1), ChunkPattern(9 * kMiB + 7, 2),
                                           ChunkPattern(1, 3), ChunkPattern(17 * kMiB + 1, 4),
                                           ChunkPattern(0, 5), ChunkPattern(8 * kMiB, 6)};
  std::string want;
  for (const auto& p : pieces) want += p;
  for (Env* env : {Env::Default(), Env::Volatile()}) {
    ScratchDir dir;
    const std::string path = dir.path() + "/big.bin";
    std::vector<std::string_view> views(pieces.begin(), pieces.end());
    ASSERT_TRUE(WriteFileAtomically(path, views, 0666, env).ok());
    const std::string got = ReadFile(path);
    ASSERT_EQ(got.size(), want.size());
    EXPECT_TRUE(got == want);
  }
}

}  // namespace
}  // namespace veritrain
