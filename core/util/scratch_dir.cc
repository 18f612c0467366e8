#include "core/util/scratch_dir.h"

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <vector>

namespace veritrain {

Result<ScratchDirectory> ScratchDirectory::Make(const std::string& prefix) {
  const char* tmp = std::getenv("TMPDIR");
  const std::string pattern = std::string(tmp != nullptr && *tmp ? tmp : "/tmp") + "/" + prefix +
                              "XXXXXX";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back(0);
  if (::mkdtemp(buf.data()) == nullptr) {
    return Status::IOError("cannot create a temp dir from " + pattern);
  }
  ScratchDirectory dir;
  dir.path_ = buf.data();
  return Result<ScratchDirectory>(std::move(dir));
}

ScratchDirectory::ScratchDirectory(ScratchDirectory&& other) noexcept
    : path_(std::move(other.path_)) {
  other.path_.clear();
}

ScratchDirectory& ScratchDirectory::operator=(ScratchDirectory&& other) noexcept {
  if (this != &other) {
    ScratchDirectory old(std::move(*this));
    path_ = std::move(other.path_);
    other.path_.clear();
  }
  return *this;
}

ScratchDirectory::~ScratchDirectory() {
  if (path_.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace veritrain
