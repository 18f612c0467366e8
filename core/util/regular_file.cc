#include "core/util/regular_file.h"

#include <sys/stat.h>

namespace veritrain {

Status NotARegularFile(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || S_ISREG(st.st_mode)) return Status::Ok();
  const char* what = S_ISDIR(st.st_mode)    ? "a directory"
                     : S_ISFIFO(st.st_mode) ? "a FIFO (named pipe)"
                     : S_ISSOCK(st.st_mode) ? "a socket"
                                            : "a device";
  return Status::IOError(path + " is " + what + ", not a file");
}

}  // namespace veritrain
