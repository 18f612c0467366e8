#include "core/state/disk_full_env.h"

#include <algorithm>
#include <cerrno>
#include <system_error>

namespace veritrain {

class DiskFullFile : public WritableFile {
 public:
  DiskFullFile(DiskFullEnv* env, std::unique_ptr<WritableFile> file)
      : env_(env), file_(std::move(file)) {}

  Status Append(std::string_view data) override {
    // Reserved bytes first: they are the file's already.
    const int64_t want = static_cast<int64_t>(data.size());
    const int64_t from_reserve = std::clamp<int64_t>(reserved_ - written_, 0, want);
    const int64_t got = from_reserve + env_->Take(want - from_reserve);
    written_ += got;
    VT_RETURN_IF_ERROR(file_->Append(data.substr(0, static_cast<size_t>(got))));
    if (got < want) return Status::IOError(std::generic_category().message(ENOSPC));
    return Status::Ok();
  }
  Status Sync() override { return file_->Sync(); }
  // As fallocate: all of it, or nothing and ENOSPC.
  Status Reserve(uint64_t bytes) override {
    const int64_t more = static_cast<int64_t>(bytes) - std::max(reserved_, written_);
    if (more <= 0) return Status::Ok();
    const int64_t got = env_->Take(more);
    if (got < more) {
      env_->free_ += got;
      return Status::IOError(std::generic_category().message(ENOSPC));
    }
    reserved_ = static_cast<int64_t>(bytes);
    return Status::Ok();
  }
  Status Close() override { return file_->Close(); }

 private:
  DiskFullEnv* env_;
  std::unique_ptr<WritableFile> file_;
  int64_t reserved_ = 0;  // the file's first bytes, taken from the budget by Reserve
  int64_t written_ = 0;   // bytes appended
};

Result<std::unique_ptr<WritableFile>> DiskFullEnv::NewWritableFile(const std::string& path,
                                                                   unsigned mode) {
  VT_ASSIGN_OR_RETURN(auto file, base_->NewWritableFile(path, mode));
  return std::unique_ptr<WritableFile>(new DiskFullFile(this, std::move(file)));
}

int64_t DiskFullEnv::Take(int64_t want) {
  int64_t have = free_.load();
  while (true) {
    const int64_t got = std::min(want, std::max<int64_t>(have, 0));
    if (free_.compare_exchange_weak(have, have - got)) return got;
  }
}

}  // namespace veritrain
