#include "core/train/job_files.h"

#include <filesystem>
#include <mutex>

namespace veritrain {

namespace {

std::mutex& Mu() {
  static auto* mu = new std::mutex;
  return *mu;
}

std::string& Dir() {  // guarded by Mu()
  static auto* dir = new std::string;
  return *dir;
}

}  // namespace

void SetJobFileDir(const std::string& dir) {
  std::lock_guard<std::mutex> lock(Mu());
  Dir() = dir;
}

std::string JobFileDir() {
  std::lock_guard<std::mutex> lock(Mu());
  return Dir();
}

std::string ResolveJobFile(const std::string& path) { return ResolveJobFileIn(JobFileDir(), path); }

std::string ResolveJobFileIn(const std::string& dir, const std::string& path) {
  if (dir.empty() || path.empty() || path.front() == '/') return path;
  return (std::filesystem::path(dir) / path).lexically_normal().string();
}

}  // namespace veritrain
