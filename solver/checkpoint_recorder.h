// CheckpointRecorder: the solver's protocol work at each checkpoint while
// it trains — hash the state, write it as a checkpoint file, and keep the
// file, the state hash and the interval's update norm (the top-Q hint) for
// the trace commitment.
//
// Hashing and writing (with the fsyncs of a crash-safe replace) run on the
// recorder's own thread, overlapped with the training steps that follow:
// nothing needs a checkpoint before the trace is committed, and the state's
// tensors are immutable (steps make new tensors). Tensors are hashed once,
// with up to `hash_threads` threads, and the file is written with those
// hashes rather than hashing every tensor a second time. Record() waits
// until the thread has written the previous checkpoint: one checkpoint is
// written while training goes on, and no state is held besides training's
// own and the one being written (each a whole state: with a large model
// that is what bounds the solver's memory). When the disk is slower than
// training, training waits at the next checkpoint rather than at the end;
// the disk is busy all the same. The update norm is the verifier's own
// L2Distance (core/state/distance.h) and keeps only the last checkpoint's
// parameters.
//
// While training goes on, a checkpoint is hashed on `hash_threads` threads
// (the profile's: training has the others). Once training waits in
// Finish(), what is left of the hash runs on every core: the state is
// hashed a group of tensors at a time (about an eighth of its bytes), and
// once training waits, the rest in one go on every core. The digests do
// not depend on the thread counts.
//
// The trace is committed once every checkpoint is hashed and its file's
// space on the disk is reserved (WaitUntilCommittable): a full disk is
// known by then. Writing the last checkpoint's bytes, its fsyncs and its
// rename (about 100 ms, then tens to hundreds of ms, at a 100 MB state)
// then go on while the commitment travels, and Finish() waits for them. A
// solver killed before they end re-trains the last interval when it
// restarts, as one killed before its rename always did (its temporary
// file is not adopted: docs/reliability.md).
//
// It is kept apart from Solver so that the benchmark of the protocol's
// overhead on training (tests/bench) runs exactly the code the solver runs.
//
// Thread-safety: Record() and Finish() from one thread (the training
// loop); the accessors only after Finish().
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "core/crypto/sha256.h"
#include "core/state/env.h"
#include "core/train/torch_bridge.h"
#include "core/util/status.h"

namespace veritrain {

class CheckpointRecorder {
 public:
  // REQUIRES: `dir` exists and is writable; hash_threads >= 1; `env` (the
  // file operations, core/state/env.h; null: Env::Default()) outlives the
  // recorder.
  CheckpointRecorder(std::string dir, int hash_threads, Env* env = nullptr);
  // Waits for the checkpoints still being written.
  ~CheckpointRecorder();
  CheckpointRecorder(const CheckpointRecorder&) = delete;
  CheckpointRecorder& operator=(const CheckpointRecorder&) = delete;

  // Records `state` as checkpoint `index` (file "ckpt-NNNNNN.vtc" in the
  // directory) with `meta`. From the second checkpoint on it also records
  // the l2 norm of the parameter update ("param/..." tensors) since the
  // previous one, right away. The state is checked here (InvalidArgument
  // naming the tensor); it is hashed and written in the background. Returns
  // the error of an earlier checkpoint's write if there was one (IOError
  // naming the file and the OS error, e.g. "No space left on device"), at
  // the latest one checkpoint after the failed one; after an error nothing
  // more is recorded.
  // REQUIRES: `state`'s tensors are never modified in place.
  Status Record(const TensorMap& state, int64_t index,
                const nlohmann::json& meta);

  // Takes checkpoint `index` as already written (by an earlier process of
  // this solver, at `path`, with state hash `hash`): recorded as if
  // Record() had written it, norm included. REQUIRES: called before any
  // Record(), for indices 0, 1, ... in order.
  Status Adopt(const TensorMap& state, const std::string& path, const Digest& hash);

  // Waits until every recorded checkpoint is hashed and the space of its
  // file is reserved (a full disk is reported by then): the trace can be
  // committed. Only the last checkpoint's write, fsyncs and rename may
  // remain, which Finish() waits for. The first error. REQUIRES: no
  // Record() after it but before Finish().
  Status WaitUntilCommittable();

  // Waits until every recorded checkpoint is written; the first error.
  Status Finish();

  // After WaitUntilCommittable() or Finish(): checkpoint i's file (in place
  // once Finish() returned Ok) and state hash, in recording order, and
  // hash_seconds(), checkpoint_bytes(), file_bytes().
  const std::vector<std::string>& files() const { return files_; }
  const std::vector<Digest>& hashes() const { return hashes_; }
  // norms()[i] is the update norm of interval i (checkpoint i to i + 1).
  const std::vector<double>& norms() const { return norms_; }

  // Seconds spent, summed over checkpoints: hashing and writing (on the
  // recorder's thread), the update norms and waiting for the thread (on
  // the caller's). write_seconds() counts a checkpoint's write once it is
  // in place: all of them after Finish().
  double hash_seconds() const { return hash_seconds_; }
  double write_seconds() const { return write_seconds_; }
  double norm_seconds() const { return norm_seconds_; }
  double wait_seconds() const { return wait_seconds_; }
  // The tensors' bytes, summed over the checkpoints (the state's size
  // times their number).
  int64_t checkpoint_bytes() const { return checkpoint_bytes_; }
  // The checkpoint files' bytes, as they take space on the disk: the
  // tensors plus each file's header, manifest, alignment and trailer.
  int64_t file_bytes() const { return file_bytes_; }

  // Whether the caller is in Finish(), waiting for the recorder.
  bool trainer_waiting() const { return trainer_waiting_.load(); }
  // For tests: called on the recorder's thread before each group of
  // tensors is hashed, with the group's number (from 0 in each checkpoint)
  // and the threads it will use. Set before the first Record().
  void set_hash_group_observer(std::function<void(size_t group, int threads)> observer) {
    hash_group_observer_ = std::move(observer);
  }

 private:
  struct Pending {
    TensorMap state;
    std::string path;
    nlohmann::json meta;
  };
  void Work();
  Status Write(const Pending& p);
  // The tensor hashes of `sorted`, a group at a time (see above).
  std::vector<Digest> HashInGroups(const std::vector<const TensorData*>& sorted);
  // The update norm from the last checkpoint to `state`; `state` becomes the last.
  Status NoteUpdate(const TensorMap& state);

  const std::string dir_;
  const int hash_threads_;
  Env* const env_;
  TensorMap last_;
  bool has_last_ = false;
  std::vector<double> norms_;
  double norm_seconds_ = 0;
  double wait_seconds_ = 0;
  std::atomic<bool> trainer_waiting_{false};
  std::function<void(size_t, int)> hash_group_observer_;

  std::mutex mu_;
  std::condition_variable changed_;
  std::deque<Pending> queue_;  // guarded by mu_
  bool busy_ = false;          // the thread is writing one; guarded by mu_
  int64_t recorded_ = 0;       // checkpoints queued by Record(); guarded by mu_
  int64_t committable_ = 0;    // of those, hashed and their space reserved; guarded by mu_
  bool stop_ = false;          // guarded by mu_
  Status error_;               // the first write error; guarded by mu_
  // Written by the thread, guarded by mu_ (read after Finish()).
  std::vector<std::string> files_;
  std::vector<Digest> hashes_;
  double hash_seconds_ = 0;
  double write_seconds_ = 0;
  int64_t checkpoint_bytes_ = 0;
  int64_t file_bytes_ = 0;
  std::thread thread_;
};

// The file name of checkpoint `index` in a task's folder ("/ckpt-000003.vtc").
std::string CheckpointFileName(int64_t index);

// l2 norm of (b - a) over the parameter tensors ("param/...") both have.
double UpdateNorm(const TensorMap& a, const TensorMap& b);

}  // namespace veritrain
