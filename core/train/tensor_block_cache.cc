#include "core/train/tensor_block_cache.h"

#include <c10/core/Allocator.h>
#include <c10/core/CPUAllocator.h>
#include <c10/core/impl/alloc_cpu.h>
#include <c10/util/Exception.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace veritrain {
namespace {

struct Blocks {
  std::mutex mu;
  std::unordered_map<size_t, std::vector<void*>> kept;  // freed, by size
  std::unordered_map<void*, size_t> live;               // in use: their sizes
  size_t kept_bytes = 0;
};

// Never destroyed: tensors may be freed by static destructors after ours.
Blocks& TheBlocks() {
  static Blocks* blocks = new Blocks;
  return *blocks;
}

size_t RoundToPages(size_t n) {
  static const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  return (n + page - 1) / page * page;
}

void* TakeBlock(size_t bytes) {
  Blocks& b = TheBlocks();
  {
    std::lock_guard<std::mutex> lock(b.mu);
    auto it = b.kept.find(bytes);
    if (it != b.kept.end() && !it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
      b.kept_bytes -= bytes;
      b.live.emplace(p, bytes);
      return p;
    }
  }
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  TORCH_CHECK(p != MAP_FAILED, "cannot map ", bytes, " bytes for a tensor: ", std::strerror(errno));
  std::lock_guard<std::mutex> lock(b.mu);
  b.live.emplace(p, bytes);
  return p;
}

// Frees `p` when it is a block of ours (true), keeping it while the kept
// bytes stay within the cap.
bool GiveBackBlock(void* p) {
  Blocks& b = TheBlocks();
  size_t bytes = 0;
  {
    std::lock_guard<std::mutex> lock(b.mu);
    auto it = b.live.find(p);
    if (it == b.live.end()) return false;
    bytes = it->second;
    b.live.erase(it);
    if (b.kept_bytes + bytes <= kMaxCachedBytes) {
      b.kept[bytes].push_back(p);
      b.kept_bytes += bytes;
      return true;
    }
  }
  ::munmap(p, bytes);
  return true;
}

void FreeBlock(void* p) { GiveBackBlock(p); }

// The raw deleter: either kind of allocation.
void FreeAny(void* p) {
  if (!GiveBackBlock(p)) c10::free_cpu(p);
}

class BlockCacheAllocator final : public c10::Allocator {
 public:
  c10::DataPtr allocate(size_t n) const override {
    const c10::Device cpu(c10::DeviceType::CPU);
    if (n < kTensorBlockMinBytes) {
      void* p = c10::alloc_cpu(n);
      return {p, p, &c10::free_cpu, cpu};
    }
    void* p = TakeBlock(RoundToPages(n));
    return {p, p, &FreeBlock, cpu};
  }
  c10::DeleterFnPtr raw_deleter() const override { return &FreeAny; }
};

std::atomic<bool> g_installed{false};

}  // namespace

void InstallTensorBlockCache() {
  static std::once_flag once;
  std::call_once(once, [] {
    static BlockCacheAllocator* allocator = new BlockCacheAllocator;
    // Above the default allocator's priority (0), so that nothing set
    // later at that priority replaces it.
    c10::SetCPUAllocator(allocator, /*priority=*/1);
    g_installed.store(c10::GetCPUAllocator() == allocator);
  });
}

bool TensorBlockCacheInstalled() { return g_installed.load(); }

int64_t CachedTensorBlockBytes() {
  Blocks& b = TheBlocks();
  std::lock_guard<std::mutex> lock(b.mu);
  return static_cast<int64_t>(b.kept_bytes);
}

void ReleaseTensorBlocks() {
  std::unordered_map<size_t, std::vector<void*>> kept;
  {
    Blocks& b = TheBlocks();
    std::lock_guard<std::mutex> lock(b.mu);
    kept.swap(b.kept);
    b.kept_bytes = 0;
  }
  for (const auto& [bytes, blocks] : kept) {
    for (void* p : blocks) ::munmap(p, bytes);
  }
}

}  // namespace veritrain
