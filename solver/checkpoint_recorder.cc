#include "solver/checkpoint_recorder.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <string>
#include <utility>

#include "core/state/checkpoint_file.h"
#include "core/state/distance.h"
#include "core/state/state_hash.h"
#include "core/state/tensor_hashing.h"

namespace veritrain {
namespace {

double Since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
      .count();
}

}  // namespace

std::string CheckpointFileName(int64_t index) {
  char name[32];
  std::snprintf(name, sizeof(name), "/ckpt-%06lld.vtc", static_cast<long long>(index));
  return name;
}

double UpdateNorm(const TensorMap& a, const TensorMap& b) {
  double sum = 0;
  for (const auto& [name, t] : b) {
    if (name.rfind("param/", 0) != 0) continue;
    auto it = a.find(name);
    if (it == a.end()) continue;
    sum += (t.to(torch::kFloat64) - it->second.to(torch::kFloat64))
               .pow(2)
               .sum()
               .item<double>();
  }
  return std::sqrt(sum);
}

CheckpointRecorder::CheckpointRecorder(std::string dir, int hash_threads, Env* env)
    : dir_(std::move(dir)),
      hash_threads_(hash_threads < 1 ? 1 : hash_threads),
      env_(env != nullptr ? env : Env::Default()) {}

CheckpointRecorder::~CheckpointRecorder() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Status CheckpointRecorder::Record(const TensorMap& state, int64_t index,
                                  const nlohmann::json& meta) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!error_.ok()) return error_;
  }
  // Check the state now, so that a bad one is the caller's error at once.
  VT_RETURN_IF_ERROR(SortedTensors(ToState(state)).status());

  auto t0 = std::chrono::steady_clock::now();
  VT_RETURN_IF_ERROR(NoteUpdate(state));
  norm_seconds_ += Since(t0);

  auto t1 = std::chrono::steady_clock::now();
  std::unique_lock<std::mutex> lock(mu_);
  changed_.wait(lock, [&] { return (queue_.empty() && !busy_) || !error_.ok(); });
  wait_seconds_ += Since(t1);
  if (!error_.ok()) return error_;
  queue_.push_back({state, dir_ + CheckpointFileName(index), meta});
  ++recorded_;
  if (!thread_.joinable()) thread_ = std::thread([this] { Work(); });
  lock.unlock();
  changed_.notify_all();
  return Status::Ok();
}

Status CheckpointRecorder::NoteUpdate(const TensorMap& state) {
  if (has_last_) {
    // The verifier's own computation of the norm (core/state/distance.h):
    // one pass over the bytes, no float64 copies of the parameters.
    Result<double> norm = L2Distance(ToState(last_), ToState(state));
    if (!norm.ok()) return norm.status().WithContext("checkpoint update norm");
    norms_.push_back(*norm);
  }
  // Only the parameters: the norm reads nothing else, and holding the
  // whole state (the optimizer's moments too) would keep two thirds of a
  // checkpoint alive until the next one for nothing.
  last_.clear();
  for (const auto& [name, t] : state) {
    if (name.rfind("param/", 0) == 0) last_.emplace(name, t);
  }
  has_last_ = true;
  return Status::Ok();
}

Status CheckpointRecorder::Adopt(const TensorMap& state, const std::string& path,
                                 const Digest& hash) {
  VT_RETURN_IF_ERROR(NoteUpdate(state));
  std::lock_guard<std::mutex> lock(mu_);
  files_.push_back(path);
  hashes_.push_back(hash);
  return Status::Ok();
}

Status CheckpointRecorder::WaitUntilCommittable() {
  auto t0 = std::chrono::steady_clock::now();
  trainer_waiting_.store(true);  // the rest of the hashing on every core
  std::unique_lock<std::mutex> lock(mu_);
  changed_.wait(lock, [&] { return committable_ == recorded_ || !error_.ok(); });
  trainer_waiting_.store(false);
  wait_seconds_ += Since(t0);
  return error_;
}

Status CheckpointRecorder::Finish() {
  auto t0 = std::chrono::steady_clock::now();
  trainer_waiting_.store(true);  // the rest of the hashing on every core
  std::unique_lock<std::mutex> lock(mu_);
  changed_.wait(lock,
                [&] { return (queue_.empty() && !busy_) || !error_.ok(); });
  trainer_waiting_.store(false);
  wait_seconds_ += Since(t0);
  return error_;
}

void CheckpointRecorder::Work() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    changed_.wait(lock, [&] { return !queue_.empty() || stop_; });
    if (queue_.empty()) return;  // stopped, nothing left
    Pending p = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    const bool failed = !error_.ok();
    lock.unlock();
    changed_.notify_all();  // a slot is free
    Status s = Status::Ok();
    if (!failed) {
      try {
        s = Write(p);
      } catch (const std::exception& e) {  // LibTorch, allocation
        s = Status::Internal("write checkpoint " + p.path + ": " + e.what());
      }
    }
    lock.lock();
    busy_ = false;
    if (!s.ok() && error_.ok()) error_ = s;
    changed_.notify_all();
  }
}

std::vector<Digest> CheckpointRecorder::HashInGroups(
    const std::vector<const TensorData*>& sorted) {
  constexpr size_t kGroups = 8;
  size_t total = 0;
  for (const TensorData* t : sorted) total += t->bytes.size();
  const size_t group_bytes = std::max<size_t>(1, total / kGroups);
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::vector<Digest> out;
  out.reserve(sorted.size());
  size_t group = 0;
  for (size_t begin = 0; begin < sorted.size(); ++group) {
    // Training waits: everything left in one call, so that its biggest
    // tensors spread over the cores too.
    const bool waiting = trainer_waiting_.load();
    const int threads = waiting ? std::max(hash_threads_, cores) : hash_threads_;
    size_t end = begin, bytes = 0;
    while (end < sorted.size() && (waiting || end == begin || bytes < group_bytes)) {
      bytes += sorted[end++]->bytes.size();
    }
    if (hash_group_observer_) hash_group_observer_(group, threads);
    const std::vector<const TensorData*> part(sorted.begin() + static_cast<ptrdiff_t>(begin),
                                              sorted.begin() + static_cast<ptrdiff_t>(end));
    for (const Digest& d : HashTensors(part, threads)) out.push_back(d);
    begin = end;
  }
  return out;
}

Status CheckpointRecorder::Write(const Pending& p) {
  auto t0 = std::chrono::steady_clock::now();
  const State tensors = ToState(p.state);
  VT_ASSIGN_OR_RETURN(auto sorted, SortedTensors(tensors));
  const std::vector<Digest> tensor_hashes = HashInGroups(sorted);
  const Digest hash = StateHashFromTensorHashes(tensor_hashes);
  const double hashing = Since(t0);
  int64_t bytes = 0;
  for (const auto& t : tensors) bytes += static_cast<int64_t>(t.bytes.size());

  // Committable once hashed and its file's space is reserved: a full disk
  // would have said so. The trace can be committed from there while the
  // bytes are written; the fsyncs and the rename follow.
  auto t1 = std::chrono::steady_clock::now();
  auto reserved = [&](uint64_t file_bytes) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      files_.push_back(p.path);
      hashes_.push_back(hash);
      hash_seconds_ += hashing;
      checkpoint_bytes_ += bytes;
      file_bytes_ += static_cast<int64_t>(file_bytes);
      ++committable_;
    }
    changed_.notify_all();
  };
  VT_ASSIGN_OR_RETURN(StagedFile staged, StageCheckpointWithHashes(p.path, tensors, p.meta,
                                                                   tensor_hashes, env_, reserved));
  double writing = Since(t1);

  auto t2 = std::chrono::steady_clock::now();
  Status published = staged.Publish().WithContext("write checkpoint " + p.path);
  writing += Since(t2);
  std::lock_guard<std::mutex> lock(mu_);
  write_seconds_ += writing;
  return published;
}

}  // namespace veritrain
