#include "core/util/resident_memory.h"

#include <unistd.h>

#include <cstdio>

namespace veritrain {

int64_t ResidentBytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return -1;
  long long size = 0;
  long long resident = 0;
  const int read = std::fscanf(f, "%lld %lld", &size, &resident);
  std::fclose(f);
  const long page = ::sysconf(_SC_PAGESIZE);
  if (read != 2 || resident < 0 || page <= 0) return -1;
  return static_cast<int64_t>(resident) * page;
}

}  // namespace veritrain
