#include "core/train/dataset_cache.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <torch/torch.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <system_error>
#include <utility>

#include "core/crypto/merkle.h"
#include "core/state/atomic_file.h"
#include "core/train/dataset_cache_file.h"
#include "core/train/dataset_files.h"

namespace veritrain {

namespace {

namespace fs = std::filesystem;

constexpr const char* kSubdir = "/datasets";
constexpr const char* kSuffix = ".vtds";

std::atomic<int64_t> hits{0}, decodes{0}, rejected{0}, store_failures{0};

std::string EnvVar(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? std::string() : std::string(v);
}

// A whole file mapped copy-on-write; unmapped with the last reference.
class Mapping {
 public:
  Mapping(void* addr, size_t size) : addr_(addr), size_(size) {}
  ~Mapping() {
    if (addr_ != nullptr) ::munmap(addr_, size_);
  }
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  char* data() const { return static_cast<char*>(addr_); }
  std::string_view view() const { return {data(), size_}; }

 private:
  void* addr_;
  size_t size_;
};

std::string ErrnoText(int e) { return std::generic_category().message(e); }

// NotFound when `path` does not exist.
Result<std::shared_ptr<Mapping>> MapFile(const std::string& path) {
  // Non-blocking: a FIFO in its place is refused below, not waited on.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    const int e = errno;
    // No entry: nothing there, or no directory to hold one.
    if (e == ENOENT || e == ENOTDIR) return Status::NotFound(path + ": no such file");
    return Status::IOError(path + ": cannot open: " + ErrnoText(e));
  }
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::IOError(path + ": not a regular file");
  }
  const auto size = static_cast<size_t>(st.st_size);
  if (size == 0) {
    ::close(fd);
    return std::make_shared<Mapping>(nullptr, 0);
  }
  // Private and writable: reading maps the page cache's pages, shared with
  // every process that maps the entry; a user writing into a tensor gets a
  // private copy of that page, and the file never changes. (No
  // MAP_POPULATE: on a writable private mapping it copies every page.)
  void* addr = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  if (addr != MAP_FAILED) ::madvise(addr, size, MADV_WILLNEED);
  const int e = errno;
  ::close(fd);
  if (addr == MAP_FAILED) return Status::IOError(path + ": cannot map: " + ErrnoText(e));
  return std::make_shared<Mapping>(addr, size);
}

const char* DTypeText(torch::ScalarType t) { return t == torch::kFloat64 ? "float64" : "float32"; }

// The key as stored in the entry's header: sources by content.
Result<nlohmann::json> KeyJson(const DatasetCacheKey& key) {
  nlohmann::json sources = nlohmann::json::array();
  for (const auto& path : key.sources) {
    VT_ASSIGN_OR_RETURN(Bytes bytes, ReadFileBytes(path));
    sources.push_back({{"sha256", Sha256Of(bytes.data(), bytes.size()).Hex()},
                       {"bytes", static_cast<int64_t>(bytes.size())}});
  }
  return nlohmann::json{{"decoder", key.decoder},
                        {"params", key.params},
                        {"dtype", DTypeText(key.dtype)},
                        {"sources", sources}};
}

std::string EntryPath(const std::string& dir, const nlohmann::json& key) {
  return dir + kSubdir + "/" + Sha256Of(key.dump()).Hex().substr(0, 32) + kSuffix;
}

// The entry at `path`, verified; NotFound when there is none.
Result<Dataset> ReadEntry(const std::string& path, const nlohmann::json& key,
                          torch::ScalarType dtype) {
  VT_ASSIGN_OR_RETURN(std::shared_ptr<Mapping> map, MapFile(path));
  VT_ASSIGN_OR_RETURN(CacheFileLayout l, VerifyCacheFile(map->view(), key, path));
  if (l.dtype != dtype) return Status::Corruption(path + ": x has another dtype than its key");
  std::vector<Digest> leaves(static_cast<size_t>(l.samples));
  if (l.leaves_bytes > 0) std::memcpy(leaves.data(), map->data() + l.leaves_offset, l.leaves_bytes);
  try {
    auto keep = [map](void*) {};  // the tensors hold the mapping
    torch::Tensor x = torch::from_blob(map->data() + l.x_offset, {l.samples, l.features}, keep,
                                       torch::TensorOptions().dtype(dtype));
    torch::Tensor y = torch::from_blob(map->data() + l.y_offset, {l.samples}, keep,
                                       torch::TensorOptions().dtype(torch::kInt64));
    Dataset d = DatasetFromLeaves(std::move(x), std::move(y), std::move(leaves));
    if (d.root != l.root) {
      return Status::Corruption(path + ": the Merkle root of its leaves is not the root it "
                                       "records: the file is corrupt");
    }
    return d;
  } catch (const std::exception& e) {
    return Status::Internal(path + ": making tensors: " + e.what());
  }
}

// Why `d` cannot be stored under a key of `dtype`; "" when it can.
std::string Unstorable(const Dataset& d, torch::ScalarType dtype) {
  if (!d.x.defined() || !d.y.defined() || d.tree == nullptr) return "incomplete dataset";
  if (d.x.dim() != 2 || d.x.scalar_type() != dtype || !d.x.is_contiguous() ||
      !d.x.device().is_cpu()) {
    return "x is not a contiguous 2-D CPU tensor of the key's dtype";
  }
  if (d.y.dim() != 1 || d.y.scalar_type() != torch::kInt64 || !d.y.is_contiguous() ||
      !d.y.device().is_cpu()) {
    return "y is not a contiguous 1-D CPU int64 tensor";
  }
  if (d.x.size(0) != d.y.size(0) || static_cast<int64_t>(d.tree->size()) != d.y.size(0)) {
    return "x, y and the leaves disagree on the number of samples";
  }
  return "";
}

Status WriteEntry(const std::string& path, const nlohmann::json& key, const Dataset& d,
                  Env* env) {
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  if (ec) {
    return Status::IOError("cannot create " + fs::path(path).parent_path().string() + ": " +
                           ec.message());
  }
  const int64_t n = d.x.size(0);
  const int64_t f = d.x.size(1);
  std::string leaves;
  leaves.reserve(static_cast<size_t>(n) * 32);
  for (size_t i = 0; i < d.tree->size(); ++i) leaves += d.tree->leaf(i).view();
  const std::string_view x(static_cast<const char*>(d.x.data_ptr()), d.x.nbytes());
  const std::string_view y(static_cast<const char*>(d.y.data_ptr()), d.y.nbytes());
  // The head's size does not depend on the digests' values, so the padding
  // after x and y (which depends on offsets) is the same as below.
  CacheFileLayout layout;
  (void)EncodeCacheFileHead(key, n, f, d.x.scalar_type(), d.root, Checksum128(), &layout);
  const std::string_view pad_x = CachePadding(layout.x_offset + x.size());
  const std::string_view pad_y = CachePadding(layout.y_offset + y.size());
  ChecksumStream payload;
  payload.Update(x).Update(pad_x).Update(y).Update(pad_y).Update(leaves);
  const std::string head =
      EncodeCacheFileHead(key, n, f, d.x.scalar_type(), d.root, payload.Finish(), &layout);
  return WriteFileAtomically(path, {head, x, pad_x, y, pad_y, leaves}, 0644, env);
}

bool IsTemporary(const std::string& name) {
  const size_t at = name.find(std::string(kSuffix) + ".tmp.");
  return at != std::string::npos;
}

bool IsEntry(const std::string& name) {
  return name.size() > std::strlen(kSuffix) &&
         name.compare(name.size() - std::strlen(kSuffix), std::string::npos, kSuffix) == 0;
}

}  // namespace

std::string DatasetCacheDir() {
  const std::string set = EnvVar("VERITRAIN_CACHE_DIR");
  if (set == "off") return "";
  if (!set.empty()) return set;
  const std::string xdg = EnvVar("XDG_CACHE_HOME");
  if (!xdg.empty()) return xdg + "/veritrain";
  const std::string home = EnvVar("HOME");
  if (!home.empty()) return home + "/.cache/veritrain";
  return "";
}

Result<std::string> DatasetCachePath(const std::string& dir, const DatasetCacheKey& key) {
  VT_ASSIGN_OR_RETURN(nlohmann::json k, KeyJson(key));
  return EntryPath(dir, k);
}

Result<Dataset> LoadThroughCache(const std::string& dir, const DatasetCacheKey& key,
                                 const std::function<Result<Dataset>()>& decode, Env* env) {
  auto decode_counted = [&] {
    decodes.fetch_add(1);
    return decode();
  };
  if (dir.empty()) return decode_counted();
  auto k = KeyJson(key);
  if (!k.ok()) return decode_counted();  // it names the file it cannot read
  const std::string path = EntryPath(dir, *k);
  Result<Dataset> cached = ReadEntry(path, *k, key.dtype);
  if (cached.ok()) {
    hits.fetch_add(1);
    spdlog::info("dataset cache: using {} ({}, {} samples)", path, key.decoder, cached->size());
    return cached;
  }
  if (cached.status().code() != Status::Code::kNotFound) {
    rejected.fetch_add(1);
    spdlog::warn("dataset cache: {}; not used, decoding {} again and rebuilding it",
                 cached.status().message(), key.decoder);
  }
  VT_ASSIGN_OR_RETURN(Dataset d, decode_counted());
  if (const std::string why = Unstorable(d, key.dtype); !why.empty()) {
    spdlog::warn("dataset cache: {} not stored: {}", key.decoder, why);
    return d;
  }
  if (Status s = WriteEntry(path, *k, d, env); !s.ok()) {
    store_failures.fetch_add(1);
    spdlog::warn("dataset cache: cannot store {}: {}", key.decoder, s.message());
  } else {
    spdlog::info("dataset cache: decoded {} ({} samples), stored as {}", key.decoder, d.size(),
                 path);
  }
  return d;
}

DatasetCacheCounters GetDatasetCacheCounters() {
  return {hits.load(), decodes.load(), rejected.load(), store_failures.load()};
}

Result<std::vector<DatasetCacheFile>> ListDatasetCache(const std::string& dir) {
  std::vector<DatasetCacheFile> out;
  std::error_code ec;
  const fs::path where = dir + kSubdir;
  // A cache directory that is a file is a mistyped one, not an empty cache.
  for (const fs::path& p : {fs::path(dir), where}) {
    std::error_code type_ec;
    const fs::file_status st = fs::status(p, type_ec);
    if (fs::exists(st) && !fs::is_directory(st)) {
      return Status::InvalidArgument(p.string() + " is not a directory");
    }
  }
  if (!fs::exists(where, ec)) return out;
  for (fs::directory_iterator it(where, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    const bool temporary = IsTemporary(name);
    if (!temporary && !IsEntry(name)) continue;
    // Only files are entries: a FIFO or a folder of that name is not.
    std::error_code type_ec;
    if (!fs::is_regular_file(it->symlink_status(type_ec))) continue;
    std::error_code size_ec;
    const auto bytes = fs::file_size(it->path(), size_ec);
    out.push_back({it->path().string(), size_ec ? 0 : static_cast<int64_t>(bytes), temporary});
  }
  if (ec) return Status::IOError("cannot list " + where.string() + ": " + ec.message());
  std::sort(out.begin(), out.end(),
            [](const DatasetCacheFile& a, const DatasetCacheFile& b) { return a.path < b.path; });
  return out;
}

Result<std::vector<DatasetCacheFile>> ClearDatasetCache(const std::string& dir) {
  VT_ASSIGN_OR_RETURN(std::vector<DatasetCacheFile> files, ListDatasetCache(dir));
  std::vector<DatasetCacheFile> removed;
  for (const auto& f : files) {
    std::error_code ec;
    if (fs::remove(f.path, ec)) {
      removed.push_back(f);
    } else if (ec) {
      return Status::IOError("cannot remove " + f.path + ": " + ec.message());
    }
  }
  return removed;
}

}  // namespace veritrain
