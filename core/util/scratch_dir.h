// A private temporary directory for one piece of work: created as
// "$TMPDIR/<prefix>XXXXXX" (/tmp when TMPDIR is unset or empty), removed
// with everything in it when the object is destroyed.
//
// Thread-safety: an object is used by one thread; any number may exist.
#pragma once

#include <string>

#include "core/util/status.h"

namespace veritrain {

class ScratchDirectory {
 public:
  // IOError naming the pattern when the directory cannot be created.
  static Result<ScratchDirectory> Make(const std::string& prefix);
  ScratchDirectory(ScratchDirectory&& other) noexcept;
  ScratchDirectory& operator=(ScratchDirectory&& other) noexcept;
  ScratchDirectory(const ScratchDirectory&) = delete;
  ScratchDirectory& operator=(const ScratchDirectory&) = delete;
  ~ScratchDirectory();

  const std::string& path() const { return path_; }

 private:
  ScratchDirectory() = default;
  std::string path_;
};

}  // namespace veritrain
