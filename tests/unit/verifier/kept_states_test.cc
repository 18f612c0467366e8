// The states a challenger keeps for its games: kept on disk by hash,
// loaded back bit for bit, and never played from when the file is missing,
// damaged or holds another state.
#include "verifier/kept_states.h"

#include <gtest/gtest.h>
#include <torch/types.h>

#include <filesystem>

#include "core/state/state_hash.h"
#include "tests/support/files.h"

namespace veritrain {
namespace {

using testing_util::ReadFile;
using testing_util::ScratchDir;
using testing_util::WriteFile;

// A state whose tensors are not in canonical (name) order, as a solver's
// reply may list them.
State StateAt(float value) {
  TensorMap m;
  m["param/w"] = torch::full({3, 4}, value);
  m["opt/m/w"] = torch::full({3, 4}, value / 2);
  m["meta/step"] = torch::tensor(int64_t{7}, torch::kInt64);
  State s = ToState(m);
  std::reverse(s.begin(), s.end());
  return s;
}

std::vector<Digest> HashesInOrder(const State& s) {
  std::vector<Digest> out;
  for (const TensorData& t : s) out.push_back(TensorHash(t));
  return out;
}

TEST(KeptStates, AKeptStateLoadsBackBitForBit) {
  ScratchDir dir;
  const std::string kept = dir.path() + "/kept";
  for (bool with_hashes : {true, false}) {
    const State s = StateAt(with_hashes ? 1.5f : 2.5f);
    const Digest h = *StateHash(s);
    ASSERT_TRUE(KeepState(kept, h, s, with_hashes ? HashesInOrder(s) : std::vector<Digest>{},
                          {{"index", 3}})
                    .ok());
    auto back = LoadKeptState(kept, h);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(*StateHash(ToState(*back)), h);
    EXPECT_TRUE(back->at("param/w").equal(torch::full({3, 4}, with_hashes ? 1.5f : 2.5f)));
  }
}

TEST(KeptStates, NothingKeptIsNotFound) {
  ScratchDir dir;
  auto back = LoadKeptState(dir.path() + "/kept", Sha256Of("no such state"));
  EXPECT_EQ(back.status().code(), Status::Code::kNotFound) << back.status().ToString();
}

TEST(KeptStates, AFileHoldingAnotherStateIsRefused) {
  ScratchDir dir;
  const std::string kept = dir.path() + "/kept";
  const State a = StateAt(1), b = StateAt(2);
  const Digest ha = *StateHash(a), hb = *StateHash(b);
  ASSERT_TRUE(KeepState(kept, ha, a, HashesInOrder(a), {}).ok());
  // A's file where B's should be: never B.
  WriteFile(KeptStatePath(kept, hb), ReadFile(KeptStatePath(kept, ha)));
  auto back = LoadKeptState(kept, hb);
  EXPECT_EQ(back.status().code(), Status::Code::kCorruption);
  EXPECT_NE(back.status().message().find("holds state " + ha.Hex()), std::string::npos)
      << back.status().ToString();
}

TEST(KeptStates, ADamagedFileIsRefusedNamingIt) {
  ScratchDir dir;
  const std::string kept = dir.path() + "/kept";
  const State s = StateAt(1);
  const Digest h = *StateHash(s);
  ASSERT_TRUE(KeepState(kept, h, s, HashesInOrder(s), {}).ok());
  std::string bytes = ReadFile(KeptStatePath(kept, h));
  for (size_t at : {bytes.size() / 2, bytes.size() - 40}) {
    std::string damaged = bytes;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x20);
    WriteFile(KeptStatePath(kept, h), damaged);
    auto back = LoadKeptState(kept, h);
    EXPECT_EQ(back.status().code(), Status::Code::kCorruption) << at;
    EXPECT_NE(back.status().message().find(KeptStatePath(kept, h)), std::string::npos)
        << back.status().ToString();
  }
  WriteFile(KeptStatePath(kept, h), bytes.substr(0, bytes.size() / 3));  // cut short
  EXPECT_EQ(LoadKeptState(kept, h).status().code(), Status::Code::kCorruption);
}

// The end of one listed interval is the start of the next: kept once, and
// a damaged copy is replaced when kept again.
TEST(KeptStates, KeepingAStateAgainKeepsOneGoodFile) {
  ScratchDir dir;
  const std::string kept = dir.path() + "/kept";
  const State s = StateAt(1);
  const Digest h = *StateHash(s);
  ASSERT_TRUE(KeepState(kept, h, s, HashesInOrder(s), {}).ok());
  ASSERT_TRUE(KeepState(kept, h, s, HashesInOrder(s), {}).ok());
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(kept),
                          std::filesystem::directory_iterator()),
            1);
  WriteFile(KeptStatePath(kept, h), "not a checkpoint");
  ASSERT_TRUE(KeepState(kept, h, s, HashesInOrder(s), {}).ok());
  EXPECT_TRUE(LoadKeptState(kept, h).ok());
}

TEST(KeptStates, HashesThatDoNotMatchTheTensorsInNumberAreRefused) {
  ScratchDir dir;
  const State s = StateAt(1);
  std::vector<Digest> short_list = HashesInOrder(s);
  short_list.pop_back();
  Status kept = KeepState(dir.path() + "/kept", *StateHash(s), s, short_list, {});
  EXPECT_EQ(kept.code(), Status::Code::kInvalidArgument) << kept.ToString();
}

TEST(KeptStates, DroppingThemRemovesEveryFileAndTheFolder) {
  ScratchDir dir;
  const std::string kept = dir.path() + "/kept";
  for (float v : {1.0f, 2.0f}) {
    const State s = StateAt(v);
    ASSERT_TRUE(KeepState(kept, *StateHash(s), s, {}, {}).ok());
  }
  DropKeptState(kept, *StateHash(StateAt(1)));
  EXPECT_EQ(LoadKeptState(kept, *StateHash(StateAt(1))).status().code(),
            Status::Code::kNotFound);
  EXPECT_TRUE(LoadKeptState(kept, *StateHash(StateAt(2))).ok());
  DropKeptStates(kept);
  EXPECT_FALSE(std::filesystem::exists(kept));
}

}  // namespace
}  // namespace veritrain
