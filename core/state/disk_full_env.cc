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
    const int64_t got = env_->Take(static_cast<int64_t>(data.size()));
    VT_RETURN_IF_ERROR(file_->Append(data.substr(0, static_cast<size_t>(got))));
    if (got < static_cast<int64_t>(data.size())) {
      return Status::IOError(std::generic_category().message(ENOSPC));
    }
    return Status::Ok();
  }
  Status Sync() override { return file_->Sync(); }
  Status Close() override { return file_->Close(); }

 private:
  DiskFullEnv* env_;
  std::unique_ptr<WritableFile> file_;
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
