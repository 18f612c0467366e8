// Tests for CheckpointRecorder: what it records is what the trace needs —
// files that read back as the recorded states, their state hashes, and the
// update norms — in order, although they are written on the recorder's own
// thread; the hash does not depend on the hashing threads; errors surface.
#include "solver/checkpoint_recorder.h"

#include <gtest/gtest.h>
#include <torch/types.h>

#include <cmath>
#include <filesystem>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/state/checkpoint_file.h"
#include "core/state/disk_full_env.h"
#include "core/state/distance.h"
#include "core/state/state_hash.h"
#include "tests/support/files.h"

namespace veritrain {
namespace {

using testing_util::ScratchDir;

// A small state of the solver's shape: parameters, optimizer state, step.
TensorMap StateAt(float shift, int64_t step) {
  TensorMap m;
  m["param/w"] = torch::arange(12, torch::kFloat32).reshape({3, 4}) + shift;
  m["param/b"] = torch::full({4}, 0.5f + shift);
  m["opt/w.exp_avg"] = torch::ones({3, 4}) * shift;
  m["meta/step"] = torch::tensor(step, torch::kInt64);
  return m;
}

TEST(CheckpointRecorderTest, RecordsFilesHashesAndNorms) {
  ScratchDir dir;
  CheckpointRecorder r(dir.path(), /*hash_threads=*/2);
  const TensorMap s0 = StateAt(0, 0), s1 = StateAt(1, 50), s2 = StateAt(3, 100);
  const TensorMap* states[] = {&s0, &s1, &s2};
  for (int64_t i = 0; i < 3; ++i) {
    Status st = r.Record(*states[i], i, {{"index", i}});
    ASSERT_TRUE(st.ok()) << st.ToString();
  }
  ASSERT_TRUE(r.Finish().ok());
  ASSERT_EQ(r.files().size(), 3u);
  ASSERT_EQ(r.hashes().size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(r.files()[i],
              dir.path() + "/ckpt-00000" + std::to_string(i) + ".vtc");
    auto c = ReadCheckpoint(r.files()[i]);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    EXPECT_EQ(c->state_hash, r.hashes()[i]);
    EXPECT_EQ(r.hashes()[i], *StateHash(ToState(*states[i]), /*threads=*/1));
    EXPECT_EQ(c->meta, nlohmann::json({{"index", static_cast<int64_t>(i)}}));
  }
  // Parameters moved by 1 then by 2 in each of their 16 elements; the
  // optimizer state is not a parameter.
  ASSERT_EQ(r.norms().size(), 2u);
  EXPECT_NEAR(r.norms()[0], std::sqrt(16.0), 1e-9);
  EXPECT_NEAR(r.norms()[1], std::sqrt(16.0 * 4), 1e-9);
  EXPECT_GT(r.checkpoint_bytes(), 0);
  // The files' bytes, as the disk holds them; the tensors' bytes are less.
  int64_t on_disk = 0;
  for (const std::string& f : r.files()) {
    on_disk += static_cast<int64_t>(std::filesystem::file_size(f));
  }
  EXPECT_EQ(r.file_bytes(), on_disk);
  EXPECT_LT(r.checkpoint_bytes(), r.file_bytes());
}

TEST(CheckpointRecorderTest, ADiskOfFileBytesHoldsTheTraceAndOneByteLessDoesNot) {
  // free_bytes (disk_faults) is sized from a run's checkpoint_file_bytes:
  // that many hold the trace exactly.
  int64_t needed = 0;
  {
    ScratchDir dir;
    CheckpointRecorder r(dir.path(), 1);
    for (int64_t i = 0; i < 3; ++i) ASSERT_TRUE(r.Record(StateAt(i, i * 10), i, nullptr).ok());
    ASSERT_TRUE(r.Finish().ok());
    needed = r.file_bytes();
  }
  for (const int64_t free : {needed, needed - 1}) {
    ScratchDir dir;
    DiskFullEnv disk(Env::Default(), free);
    CheckpointRecorder r(dir.path(), 1, &disk);
    Status s = Status::Ok();
    for (int64_t i = 0; i < 3 && s.ok(); ++i) s = r.Record(StateAt(i, i * 10), i, nullptr);
    if (s.ok()) s = r.Finish();
    EXPECT_EQ(s.ok(), free == needed) << free << ": " << s.ToString();
  }
}

TEST(CheckpointRecorderTest, HashThreadsDoNotChangeWhatIsRecorded) {
  ScratchDir a, b;
  CheckpointRecorder one(a.path(), 1), two(b.path(), 2);
  // The recorder keeps the tensors alive: the caller's copies are gone
  // before the files are written.
  ASSERT_TRUE(one.Record(StateAt(2, 7), 0, nullptr).ok());
  ASSERT_TRUE(two.Record(StateAt(2, 7), 0, nullptr).ok());
  ASSERT_TRUE(one.Finish().ok());
  ASSERT_TRUE(two.Finish().ok());
  EXPECT_EQ(one.hashes()[0], *StateHash(ToState(StateAt(2, 7))));
  EXPECT_EQ(one.hashes(), two.hashes());
  EXPECT_EQ(testing_util::ReadFile(one.files()[0]),
            testing_util::ReadFile(two.files()[0]));
}

TEST(CheckpointRecorderTest, AnInvalidStateIsAnErrorNamingTheTensor) {
  ScratchDir dir;
  CheckpointRecorder r(dir.path(), 1);
  TensorMap bad = StateAt(0, 0);
  bad["param/c"] =
      torch::ones({2}, torch::kComplexFloat);  // no veritrain dtype
  Status s = r.Record(bad, 0, nullptr);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("param/c"), std::string::npos) << s.ToString();
  EXPECT_TRUE(r.files().empty());
  // A refused checkpoint leaves no trace: the next one is the first.
  ASSERT_TRUE(r.Record(StateAt(0, 0), 0, nullptr).ok());
  ASSERT_TRUE(r.Finish().ok());
  EXPECT_EQ(r.files().size(), 1u);
  EXPECT_TRUE(r.norms().empty());
}

TEST(CheckpointRecorderTest, AParameterThatChangesShapeIsAnError) {
  ScratchDir dir;
  CheckpointRecorder r(dir.path(), 1);
  ASSERT_TRUE(r.Record(StateAt(0, 0), 0, nullptr).ok());
  TensorMap reshaped = StateAt(1, 50);
  reshaped["param/w"] = torch::ones({5, 7});  // cannot be subtracted
  Status s = r.Record(reshaped, 1, nullptr);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("update norm"), std::string::npos)
      << s.ToString();
  ASSERT_TRUE(r.Finish().ok());
  EXPECT_EQ(r.files().size(), 1u);
}

TEST(CheckpointRecorderTest, AParameterThatDisappearsIsAnErrorNamingIt) {
  ScratchDir dir;
  CheckpointRecorder r(dir.path(), 1);
  ASSERT_TRUE(r.Record(StateAt(0, 0), 0, nullptr).ok());
  TensorMap fewer = StateAt(1, 50);
  fewer.erase("param/b");
  Status s = r.Record(fewer, 1, nullptr);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("update norm"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("param/b"), std::string::npos) << s.ToString();
  ASSERT_TRUE(r.Finish().ok());
}

// The posted norm is the one a verifier computes from the two checkpoints
// (L2Distance, which CheckInterval compares it with), to the bit, also
// for a state large enough to be summed on two threads.
TEST(CheckpointRecorderTest, NormsAreTheVerifiersL2Distance) {
  ScratchDir dir;
  CheckpointRecorder r(dir.path(), 1);
  std::vector<TensorMap> states;
  for (int i = 0; i < 3; ++i) {
    TensorMap m = StateAt(static_cast<float>(i), i);
    m["param/big"] = torch::sin(torch::arange(1 << 21, torch::kFloat32) * (0.001f * (i + 1)));
    states.push_back(m);
    ASSERT_TRUE(r.Record(m, i, nullptr).ok());
  }
  ASSERT_TRUE(r.Finish().ok());
  ASSERT_EQ(r.norms().size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    auto want = L2Distance(ToState(states[i]), ToState(states[i + 1]));
    ASSERT_TRUE(want.ok());
    EXPECT_EQ(r.norms()[i], *want) << i;
    EXPECT_NEAR(r.norms()[i], UpdateNorm(states[i], states[i + 1]), 1e-9 * *want) << i;
  }
}

TEST(CheckpointRecorderTest, AWriteErrorSurfacesAndStopsRecording) {
  CheckpointRecorder r("/nonexistent-veritrain-dir", 1);
  Status first =
      r.Record(StateAt(0, 0), 0, nullptr);  // queued: not written yet
  Status s = r.Finish();
  EXPECT_EQ(s.code(), Status::Code::kIOError);
  EXPECT_NE(s.message().find("/nonexistent-veritrain-dir/ckpt-000000.vtc"),
            std::string::npos)
      << s.ToString();
  EXPECT_TRUE(first.ok() || first.code() == Status::Code::kIOError)
      << first.ToString();
  // Every later checkpoint gets the same error, and nothing is recorded.
  EXPECT_EQ(r.Record(StateAt(1, 50), 1, nullptr).code(),
            Status::Code::kIOError);
  EXPECT_TRUE(r.hashes().empty());
  EXPECT_TRUE(r.files().empty());
}

TEST(CheckpointRecorderTest, AFullDiskSurfacesAtTheNextCheckpointNamingTheCause) {
  ScratchDir dir;
  // Room for checkpoint 0 only.
  ASSERT_TRUE(WriteCheckpoint(dir.path() + "/probe.vtc", ToState(StateAt(0, 0)), nullptr).ok());
  const auto size = static_cast<int64_t>(testing_util::ReadFile(dir.path() + "/probe.vtc").size());
  DiskFullEnv disk(Env::Default(), size + size / 2);
  CheckpointRecorder r(dir.path(), 1, &disk);
  ASSERT_TRUE(r.Record(StateAt(0, 0), 0, nullptr).ok());
  ASSERT_TRUE(r.Record(StateAt(1, 50), 1, nullptr).ok());  // queued, then refused
  // Checkpoint 1's failure is the answer to the next Record at the latest.
  Status s = r.Record(StateAt(2, 100), 2, nullptr);
  if (s.ok()) s = r.Finish();
  ASSERT_EQ(s.code(), Status::Code::kIOError) << s.ToString();
  EXPECT_NE(s.message().find("No space left on device"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("ckpt-000001.vtc"), std::string::npos) << s.ToString();
  EXPECT_EQ(r.Finish().code(), Status::Code::kIOError);
  EXPECT_EQ(r.files().size(), 1u);  // checkpoint 0 only
}

TEST(CheckpointRecorderTest, OnceWrittenOnlyTheLastCheckpointsParametersAreHeld) {
  // The update norm needs the last checkpoint's parameters; its optimizer
  // state (two thirds of an Adam state) must not stay alive with them.
  ScratchDir dir;
  CheckpointRecorder r(dir.path(), 1);
  const TensorMap s0 = StateAt(0, 0);
  ASSERT_TRUE(r.Record(s0, 0, nullptr).ok());
  ASSERT_TRUE(r.Finish().ok());
  // Neither the tensor nor a view of its memory is held.
  for (const char* name : {"opt/w.exp_avg", "meta/step"}) {
    EXPECT_EQ(s0.at(name).use_count(), 1) << name;
    EXPECT_EQ(s0.at(name).storage().use_count(), 1) << name;
  }
  EXPECT_EQ(s0.at("param/w").use_count(), 2);  // kept for the next update norm
}

TEST(CheckpointRecorderTest, ACheckpointIsWrittenAndLetGoBeforeTheNextIsTaken) {
  // Training goes on while one checkpoint is written, but never with two
  // states of its past held: when Record of the next returns, the last
  // one's memory (but for the parameters the norm keeps) is free.
  ScratchDir dir;
  CheckpointRecorder r(dir.path(), 1);
  auto freed = std::make_shared<bool>(false);
  {
    TensorMap s0 = StateAt(0, 0);
    auto* moments = new float[12]();
    auto release = [freed](void* p) {
      delete[] static_cast<float*>(p);
      *freed = true;
    };
    s0["opt/w.exp_avg"] = torch::from_blob(moments, {3, 4}, release, torch::kFloat32);
    ASSERT_TRUE(r.Record(s0, 0, nullptr).ok());
  }
  ASSERT_TRUE(r.Record(StateAt(1, 50), 1, nullptr).ok());
  EXPECT_TRUE(*freed);
  ASSERT_TRUE(r.Finish().ok());
  EXPECT_EQ(r.files().size(), 2u);
}

TEST(CheckpointRecorderTest, ManyCheckpointsQueueAndAllArrive) {
  ScratchDir dir;
  CheckpointRecorder r(dir.path(), 2);
  for (int64_t i = 0; i < 12; ++i) {
    ASSERT_TRUE(r.Record(StateAt(static_cast<float>(i), i), i, nullptr).ok());
  }
  ASSERT_TRUE(r.Finish().ok());
  ASSERT_EQ(r.hashes().size(), 12u);
  for (int64_t i = 0; i < 12; ++i) {
    EXPECT_EQ(r.hashes()[i],
              *StateHash(ToState(StateAt(static_cast<float>(i), i))))
        << i;
  }
  EXPECT_EQ(r.norms().size(), 11u);
}

// A state of `count` float tensors of different sizes.
TensorMap ManyTensors(int count) {
  TensorMap m;
  for (int i = 0; i < count; ++i) {
    m["param/t" + std::to_string(100 + i)] =
        torch::arange(1000 + 37 * i, torch::kFloat32) * static_cast<float>(i + 1);
  }
  return m;
}

TEST(CheckpointRecorderTest, OnceTrainingWaitsTheRestIsHashedOnEveryCore) {
  if (std::thread::hardware_concurrency() < 2) GTEST_SKIP() << "one core";
  ScratchDir dir;
  CheckpointRecorder r(dir.path(), 1);
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  std::vector<std::pair<size_t, int>> groups;  // guarded by mu
  r.set_hash_group_observer([&](size_t group, int threads) {
    std::unique_lock<std::mutex> lock(mu);
    groups.emplace_back(group, threads);
    cv.notify_all();
    if (group == 0) cv.wait(lock, [&] { return release; });  // training still on
  });
  const TensorMap state = ManyTensors(40);
  ASSERT_TRUE(r.Record(state, 0, nullptr).ok());
  {
    // Training goes on until group 0 has started.
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return !groups.empty(); });
  }
  std::thread trainer([&] { EXPECT_TRUE(r.Finish().ok()); });
  // Finish() sets the flag before it waits; only then is group 0 let go.
  while (!r.trainer_waiting()) std::this_thread::yield();
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
  }
  cv.notify_all();
  trainer.join();
  // Group 0 started while training went on: one thread. The rest started
  // with training waiting: one group, every core.
  const int cores = static_cast<int>(std::thread::hardware_concurrency());
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0], std::make_pair(size_t{0}, 1));
  EXPECT_EQ(groups[1], std::make_pair(size_t{1}, cores));
  ASSERT_EQ(r.hashes().size(), 1u);
  EXPECT_EQ(r.hashes()[0], *StateHash(ToState(state)));
  auto written = ReadCheckpoint(r.files()[0]);
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  EXPECT_EQ(written->state_hash, r.hashes()[0]);
}

TEST(CheckpointRecorderTest, WhileTrainingGoesOnGroupsUseTheProfilesThreads) {
  ScratchDir dir;
  CheckpointRecorder r(dir.path(), 3);
  std::mutex mu;
  std::vector<std::pair<size_t, int>> groups;  // guarded by mu
  r.set_hash_group_observer([&](size_t group, int threads) {
    std::lock_guard<std::mutex> lock(mu);
    groups.emplace_back(group, threads);
  });
  // Record() waits until the previous checkpoint is written: checkpoint 0
  // is hashed whole before checkpoint 1 is recorded, and Finish() is not
  // called while either is hashed (checkpoint 1 is written by the time
  // Record(2) returns).
  ASSERT_TRUE(r.Record(ManyTensors(40), 0, nullptr).ok());
  ASSERT_TRUE(r.Record(ManyTensors(40), 1, nullptr).ok());
  ASSERT_TRUE(r.Record(ManyTensors(40), 2, nullptr).ok());
  size_t before_finish = 0;
  {
    std::lock_guard<std::mutex> lock(mu);
    before_finish = groups.size();
  }
  ASSERT_TRUE(r.Finish().ok());
  ASSERT_GE(before_finish, 16u);  // two states of about 8 groups each
  for (size_t i = 0; i < before_finish; ++i) EXPECT_EQ(groups[i].second, 3) << i;
  size_t restarts = 0;  // group numbers start from 0 in each checkpoint
  for (const auto& g : groups) restarts += g.first == 0 ? 1 : 0;
  EXPECT_EQ(restarts, 3u);
  EXPECT_EQ(r.hashes()[1], *StateHash(ToState(ManyTensors(40))));
}

// An Env whose fsyncs (or, with `gate_appends`, writes) wait until the
// test opens the gate: a disk still busy with the last checkpoint.
class GatedSyncEnv : public Env {
 public:
  explicit GatedSyncEnv(bool gate_appends = false) : gate_appends_(gate_appends) {}
  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path,
                                                        unsigned mode) override {
    VT_ASSIGN_OR_RETURN(auto file, Env::Default()->NewWritableFile(path, mode));
    return std::unique_ptr<WritableFile>(new File(std::move(file), this));
  }
  Status RenameFile(const std::string& from, const std::string& to) override {
    return Env::Default()->RenameFile(from, to);
  }
  Status SyncDir(const std::string& dir) override { return Env::Default()->SyncDir(dir); }
  Status RemoveFile(const std::string& path) override {
    return Env::Default()->RemoveFile(path);
  }
  void Open() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      open_ = true;
    }
    opened_.notify_all();
  }

 private:
  class File : public WritableFile {
   public:
    File(std::unique_ptr<WritableFile> file, GatedSyncEnv* env)
        : file_(std::move(file)), env_(env) {}
    Status Append(std::string_view data) override {
      if (env_->gate_appends_) Wait();
      return file_->Append(data);
    }
    Status Sync() override {
      Wait();
      return file_->Sync();
    }
    Status Reserve(uint64_t bytes) override { return file_->Reserve(bytes); }
    void Wait() {
      std::unique_lock<std::mutex> lock(env_->mu_);
      env_->opened_.wait(lock, [&] { return env_->open_; });
    }
    Status Close() override { return file_->Close(); }

   private:
    std::unique_ptr<WritableFile> file_;
    GatedSyncEnv* env_;
  };
  const bool gate_appends_;
  std::mutex mu_;
  std::condition_variable opened_;
  bool open_ = false;
};

// Committable once hashed and its space reserved: the last checkpoint's
// bytes (with `gate_appends`), and its fsyncs and rename, go on while the
// commitment travels. (Training waited for the bytes at a 100-MB state:
// about 100 ms at the end of every task.)
TEST(CheckpointRecorderTest, TheTraceIsCommittableBeforeTheLastCheckpointIsWrittenOrInPlace) {
  for (bool gate_appends : {false, true}) {
    SCOPED_TRACE(gate_appends ? "writes held" : "fsyncs held");
    ScratchDir dir;
    GatedSyncEnv disk(gate_appends);
    CheckpointRecorder r(dir.path(), 1, &disk);
    struct OpenAtExit {
      GatedSyncEnv* disk;
      ~OpenAtExit() { disk->Open(); }  // before the recorder waits for its thread
    } open_at_exit{&disk};
    const TensorMap s0 = StateAt(0, 0);
    ASSERT_TRUE(r.Record(s0, 0, nullptr).ok());
    auto committable = std::async(std::launch::async, [&r] { return r.WaitUntilCommittable(); });
    // Not a sleep: a bound on a wait that ends at once unless it waits for
    // what only the gate below lets through.
    if (committable.wait_for(std::chrono::seconds(60)) != std::future_status::ready) {
      disk.Open();
      FAIL() << "the trace was committable only once the disk let the checkpoint through";
    }
    ASSERT_TRUE(committable.get().ok());
    ASSERT_EQ(r.hashes().size(), 1u);
    EXPECT_EQ(r.hashes()[0], *StateHash(ToState(s0)));
    EXPECT_EQ(r.files(), std::vector<std::string>{dir.path() + "/ckpt-000000.vtc"});
    EXPECT_GT(r.checkpoint_bytes(), 0);
    EXPECT_FALSE(std::filesystem::exists(r.files()[0]));
    disk.Open();
    ASSERT_TRUE(r.Finish().ok());
    auto c = ReadCheckpoint(r.files()[0]);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    EXPECT_EQ(c->state_hash, r.hashes()[0]);
  }
}

TEST(CheckpointRecorderTest, AFullDiskIsReportedBeforeTheTraceIsCommittable) {
  ScratchDir dir;
  DiskFullEnv disk(Env::Default(), 100);
  CheckpointRecorder r(dir.path(), 1, &disk);
  ASSERT_TRUE(r.Record(StateAt(0, 0), 0, nullptr).ok());
  Status s = r.WaitUntilCommittable();
  ASSERT_EQ(s.code(), Status::Code::kIOError) << s.ToString();
  EXPECT_NE(s.message().find("No space left on device"), std::string::npos) << s.ToString();
  EXPECT_TRUE(r.hashes().empty());
}

}  // namespace
}  // namespace veritrain
