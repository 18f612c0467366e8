#include "core/util/freed_pages.h"

#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>

namespace veritrain {
namespace {

std::atomic<int> open_scopes{0};

}  // namespace

ReturnFreedFramesScope::ReturnFreedFramesScope() { open_scopes.fetch_add(1); }
ReturnFreedFramesScope::~ReturnFreedFramesScope() { open_scopes.fetch_sub(1); }

bool ReturningFreedFrames() { return open_scopes.load() > 0; }

void ReturnPages(void* data, size_t size) {
  const long page_size = sysconf(_SC_PAGESIZE);
  if (page_size <= 0 || data == nullptr) return;
  const auto page = static_cast<uintptr_t>(page_size);
  const auto begin = reinterpret_cast<uintptr_t>(data);
  const uintptr_t first = (begin + page - 1) / page * page;
  const uintptr_t last = (begin + size) / page * page;
  if (last <= first) return;
  // Advice only: a failure leaves the memory as it was.
  (void)madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);
}

void ReturnFramePagesIfAsked(void* data, size_t size) {
  if (size >= kReturnedFrameMinBytes && ReturningFreedFrames()) ReturnPages(data, size);
}

}  // namespace veritrain
