#include "core/train/idx.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace veritrain {

namespace {

// Largest element count accepted: 2^40 bytes of data is far beyond any
// dataset this reader is meant for and keeps size arithmetic exact.
constexpr int64_t kMaxBytes = int64_t{1} << 40;

struct GzCloser {
  void operator()(gzFile_s* f) const { gzclose(f); }
};
using GzFile = std::unique_ptr<gzFile_s, GzCloser>;

// Reads up to `size` bytes; returns how many were read, or -1 on error.
int64_t ReadFully(gzFile f, char* out, int64_t size) {
  int64_t done = 0;
  while (done < size) {
    const int64_t chunk = std::min<int64_t>(size - done, 1 << 30);
    const int n = gzread(f, out + done, static_cast<unsigned>(chunk));
    if (n < 0) {
      // A gzip stream cut short reads as a short count plus Z_BUF_ERROR
      // ("unexpected end of file"): report it as the end of the data.
      int code = Z_OK;
      gzerror(f, &code);
      if (code == Z_BUF_ERROR) break;
      return -1;
    }
    if (n == 0) break;
    done += n;
  }
  return done;
}

std::string HexByte(uint8_t v) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "0x%02X", v);
  return buf;
}

std::string GzErrorText(gzFile f) {
  int code = 0;
  const char* msg = gzerror(f, &code);
  if (code == Z_ERRNO) return std::strerror(errno);
  return msg != nullptr ? msg : "unknown zlib error";
}

}  // namespace

int64_t IdxArray::numel() const {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

size_t IdxTypeSize(uint8_t type) {
  switch (type) {
    case 0x08:
      return 1;
    case 0x09:
      return 1;
    case 0x0B:
      return 2;
    case 0x0C:
      return 4;
    case 0x0D:
      return 4;
    case 0x0E:
      return 8;
    default:
      return 0;
  }
}

Result<IdxArray> ReadIdx(const std::string& path, int64_t max_items) {
  errno = 0;
  GzFile f(gzopen(path.c_str(), "rb"));
  if (!f) {
    return Status::IOError(path + ": cannot open: " +
                           (errno != 0 ? std::strerror(errno) : "zlib error"));
  }
  gzbuffer(f.get(), 1 << 20);
  const std::string where = path + ": ";
  auto cut_short = [&](int64_t got, int64_t expected) {
    return Status::Corruption(where + "file ends after " + std::to_string(got) +
                              " bytes, expected " + std::to_string(expected));
  };

  unsigned char header[4];
  int64_t n = ReadFully(f.get(), reinterpret_cast<char*>(header), 4);
  if (n < 0) return Status::IOError(where + GzErrorText(f.get()));
  if (n < 4) return cut_short(n, 4);
  if (header[0] != 0 || header[1] != 0) {
    return Status::Corruption(where + "bad magic number (first two bytes " +
                              std::to_string(header[0]) + ", " +
                              std::to_string(header[1]) + "; expected 0, 0)");
  }
  IdxArray out;
  out.type = header[2];
  const size_t elem = IdxTypeSize(out.type);
  if (elem == 0) {
    return Status::Corruption(where + "unsupported element type " +
                              HexByte(out.type));
  }
  const int ndims = header[3];
  if (ndims == 0) {
    return Status::Corruption(where + "zero dimensions");
  }
  std::string dim_bytes(static_cast<size_t>(4 * ndims), '\0');
  n = ReadFully(f.get(), dim_bytes.data(), 4 * ndims);
  if (n < 0) return Status::IOError(where + GzErrorText(f.get()));
  const int64_t header_size = 4 + 4 * ndims;
  if (n < 4 * ndims) return cut_short(4 + n, header_size);

  int64_t bytes = static_cast<int64_t>(elem);
  int64_t file_bytes = static_cast<int64_t>(elem);
  for (int i = 0; i < ndims; ++i) {
    const auto* p =
        reinterpret_cast<const unsigned char*>(dim_bytes.data()) + 4 * i;
    const int64_t d = (int64_t{p[0]} << 24) | (int64_t{p[1]} << 16) |
                      (int64_t{p[2]} << 8) | int64_t{p[3]};
    int64_t kept = d;
    if (i == 0) out.file_items = d;
    if (i == 0 && max_items > 0 && max_items < d) kept = max_items;
    if (d != 0 && file_bytes > kMaxBytes / d) {
      return Status::Corruption(where + "dimensions are too large (dimension " +
                                std::to_string(i) + " is " + std::to_string(d) +
                                ")");
    }
    file_bytes *= d;
    bytes *= kept;
    out.dims.push_back(kept);
  }

  out.data.resize(static_cast<size_t>(bytes));
  n = ReadFully(f.get(), out.data.data(), bytes);
  if (n < 0) return Status::IOError(where + GzErrorText(f.get()));
  if (n < bytes) return cut_short(header_size + n, header_size + file_bytes);
  if (bytes == file_bytes) {
    char extra;
    n = ReadFully(f.get(), &extra, 1);
    if (n < 0) return Status::IOError(where + GzErrorText(f.get()));
    if (n > 0) {
      return Status::Corruption(where + "unexpected bytes after the " +
                                std::to_string(header_size + file_bytes) +
                                " bytes of header and data");
    }
    // Every byte is there, but a gzip file cut inside its trailer (the
    // CRC-32 and length that check them) reads as an early end: without
    // this, a damaged file skipped its only integrity check.
    int code = Z_OK;
    gzerror(f.get(), &code);
    if (code == Z_BUF_ERROR) {
      return Status::Corruption(where + "the gzip stream is cut short: its trailer (the CRC-32 "
                                        "that checks the data) is missing");
    }
  }
  return out;
}

}  // namespace veritrain
