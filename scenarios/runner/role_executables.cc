#include "scenarios/runner/role_executables.h"

#include <sys/stat.h>
#include <unistd.h>

namespace veritrain {

const std::vector<std::string>& RoleExecutableNames() {
  static const std::vector<std::string> kNames = {"veritrain-arbiter", "veritrain-solver",
                                                  "veritrain-verifier"};
  return kNames;
}

Status CheckRoleExecutableDir(const std::string& dir) {
  if (dir.empty()) {
    return Status::InvalidArgument(
        "--bin-dir is empty (leave the flag out to run this veritrain's own roles)");
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return Status::InvalidArgument("--bin-dir " + dir + ": no such directory");
  }
  for (const std::string& name : RoleExecutableNames()) {
    const std::string path = dir + "/" + name;
    struct stat file {};
    if (::stat(path.c_str(), &file) != 0 || !S_ISREG(file.st_mode) ||
        ::access(path.c_str(), X_OK) != 0) {
      return Status::InvalidArgument("--bin-dir " + dir + ": " + path +
                                     " is missing or not executable");
    }
  }
  return Status::Ok();
}

}  // namespace veritrain
