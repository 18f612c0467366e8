#include "core/train/zip_integrity.h"

#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <vector>

namespace veritrain {
namespace {

constexpr uint32_t kEndOfDirectory = 0x06054b50;
constexpr uint32_t kZip64Locator = 0x07064b50;
constexpr uint32_t kZip64End = 0x06064b50;
constexpr uint32_t kDirectoryEntry = 0x02014b50;
constexpr uint32_t kLocalHeader = 0x04034b50;
constexpr size_t kEndSize = 22;
constexpr size_t kEntrySize = 46;
constexpr size_t kLocalSize = 30;

// Little-endian fields of `b` at `at`; the caller has checked the range.
uint64_t Le(std::string_view b, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) {
    v = (v << 8) | static_cast<unsigned char>(b[at + static_cast<size_t>(i)]);
  }
  return v;
}

// Whether [at, at + n) lies within `b`, without overflow.
bool Within(std::string_view b, uint64_t at, uint64_t n) {
  return at <= b.size() && n <= b.size() - at;
}

// The CRC-32 of an entry's data as it is stored (method 0) or deflated
// (method 8), checked against its uncompressed size.
Status EntryCrc(std::string_view data, int method, uint64_t size, uint32_t* crc,
                const std::string& where) {
  uLong c = crc32(0L, Z_NULL, 0);
  if (method == 0) {
    if (data.size() != size) {
      return Status::InvalidArgument(where + ": stored with " + std::to_string(data.size()) +
                                     " bytes, but its size is " + std::to_string(size));
    }
    for (size_t at = 0; at < data.size();) {
      const uInt n = static_cast<uInt>(std::min<size_t>(data.size() - at, 1u << 30));
      c = crc32(c, reinterpret_cast<const Bytef*>(data.data() + at), n);
      at += n;
    }
    *crc = static_cast<uint32_t>(c);
    return Status::Ok();
  }
  if (method != 8) {
    return Status::InvalidArgument(where + ": compression method " + std::to_string(method) +
                                   " (a TorchScript archive stores or deflates its entries)");
  }
  z_stream z{};
  if (inflateInit2(&z, -MAX_WBITS) != Z_OK) return Status::Internal("zlib: inflateInit2 failed");
  std::vector<unsigned char> out(1 << 16);
  uint64_t produced = 0;
  size_t fed = 0;
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    if (z.avail_in == 0 && fed < data.size()) {
      const size_t n = std::min<size_t>(data.size() - fed, 1u << 30);
      z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data() + fed));
      z.avail_in = static_cast<uInt>(n);
      fed += n;
    }
    z.next_out = out.data();
    z.avail_out = static_cast<uInt>(out.size());
    rc = inflate(&z, Z_NO_FLUSH);
    const size_t got = out.size() - z.avail_out;
    c = crc32(c, out.data(), static_cast<uInt>(got));
    produced += got;
    if (rc == Z_STREAM_END) break;
    if (rc != Z_OK || (got == 0 && z.avail_in == 0 && fed == data.size())) {
      inflateEnd(&z);
      return Status::InvalidArgument(where + ": its deflated data is damaged or cut short");
    }
  }
  inflateEnd(&z);
  if (produced != size) {
    return Status::InvalidArgument(where + ": inflates to " + std::to_string(produced) +
                                   " bytes, but its size is " + std::to_string(size));
  }
  *crc = static_cast<uint32_t>(c);
  return Status::Ok();
}

}  // namespace

Status CheckZipIntegrity(std::string_view b, const std::string& what) {
  const std::string bad = what + ": a damaged zip archive: ";
  if (b.size() < kEndSize) {
    return Status::InvalidArgument(what + ": not a zip archive (" + std::to_string(b.size()) +
                                   " bytes)");
  }
  // The end record, at most a 64 KiB comment before the end.
  size_t end = std::string_view::npos;
  const size_t lowest = b.size() > kEndSize + 0xffff ? b.size() - kEndSize - 0xffff : 0;
  for (size_t at = b.size() - kEndSize + 1; at-- > lowest;) {
    if (Le(b, at, 4) == kEndOfDirectory) {
      end = at;
      break;
    }
  }
  if (end == std::string_view::npos) {
    return Status::InvalidArgument(what + ": not a zip archive (no end-of-central-directory "
                                   "record)");
  }
  uint64_t entries = Le(b, end + 10, 2);
  uint64_t directory_size = Le(b, end + 12, 4);
  uint64_t directory = Le(b, end + 16, 4);
  if (end >= 20 && Le(b, end - 20, 4) == kZip64Locator) {
    const uint64_t at = Le(b, end - 20 + 8, 8);
    if (!Within(b, at, 56) || Le(b, at, 4) != kZip64End) {
      return Status::InvalidArgument(bad + "its zip64 end record is not where its locator says");
    }
    entries = Le(b, at + 32, 8);
    directory_size = Le(b, at + 40, 8);
    directory = Le(b, at + 48, 8);
  }
  if (!Within(b, directory, directory_size)) {
    return Status::InvalidArgument(bad + "its central directory lies past the end of the file");
  }
  uint64_t at = directory;
  for (uint64_t i = 0; i < entries; ++i) {
    if (!Within(b, at, kEntrySize) || Le(b, at, 4) != kDirectoryEntry) {
      return Status::InvalidArgument(bad + "central directory entry " + std::to_string(i) +
                                     " is damaged");
    }
    const int method = static_cast<int>(Le(b, at + 10, 2));
    const uint32_t crc = static_cast<uint32_t>(Le(b, at + 16, 4));
    uint64_t compressed = Le(b, at + 20, 4);
    uint64_t size = Le(b, at + 24, 4);
    const uint64_t name_len = Le(b, at + 28, 2);
    const uint64_t extra_len = Le(b, at + 30, 2);
    const uint64_t comment_len = Le(b, at + 32, 2);
    uint64_t local = Le(b, at + 42, 4);
    if (!Within(b, at + kEntrySize, name_len + extra_len + comment_len)) {
      return Status::InvalidArgument(bad + "central directory entry " + std::to_string(i) +
                                     " runs past the end of the file");
    }
    const std::string name(b.substr(at + kEntrySize, name_len));
    const std::string where = bad + "entry " + name;
    // Sizes and offset of 0xffffffff are in the zip64 extra field, in
    // that order.
    for (uint64_t x = at + kEntrySize + name_len; x + 4 <= at + kEntrySize + name_len + extra_len;) {
      const uint64_t id = Le(b, x, 2), len = Le(b, x + 2, 2);
      if (x + 4 + len > at + kEntrySize + name_len + extra_len) break;
      if (id == 0x0001) {
        uint64_t f = x + 4;
        auto take = [&](uint64_t* v) {
          if (*v == 0xffffffffu && f + 8 <= x + 4 + len) {
            *v = Le(b, f, 8);
            f += 8;
          }
        };
        take(&size);
        take(&compressed);
        take(&local);
      }
      x += 4 + len;
    }
    if (!Within(b, local, kLocalSize) || Le(b, local, 4) != kLocalHeader) {
      return Status::InvalidArgument(where + ": its local header is damaged");
    }
    const uint64_t data = local + kLocalSize + Le(b, local + 26, 2) + Le(b, local + 28, 2);
    if (!Within(b, data, compressed)) {
      return Status::InvalidArgument(where + ": its data runs past the end of the file");
    }
    uint32_t actual = 0;
    VT_RETURN_IF_ERROR(EntryCrc(b.substr(data, compressed), method, size, &actual, where));
    if (actual != crc) {
      char text[80];
      std::snprintf(text, sizeof text, ": its bytes have CRC-32 %08x, the archive records %08x",
                    actual, crc);
      return Status::InvalidArgument(where + text);
    }
    at += kEntrySize + name_len + extra_len + comment_len;
  }
  return Status::Ok();
}

}  // namespace veritrain
