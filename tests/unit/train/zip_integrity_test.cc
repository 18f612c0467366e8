// A zip archive's entries against their CRC-32s: LibTorch's reader does
// not check them, so a TorchScript model damaged on disk loaded as other
// weights.
#include "core/train/zip_integrity.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdint>
#include <string>
#include <vector>

namespace veritrain {
namespace {

using ::testing::HasSubstr;

void Put(std::string* out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// Raw deflate of `data` (method 8).
std::string Deflate(const std::string& data) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 9, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&z, data.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(out.size() - z.avail_out);
  deflateEnd(&z);
  return out;
}

struct Entry {
  std::string name, data;
  int method = 0;
};

// A zip archive of `entries`, as a zip writer lays it out.
std::string Zip(const std::vector<Entry>& entries) {
  std::string out, directory;
  for (const Entry& e : entries) {
    const std::string stored = e.method == 8 ? Deflate(e.data) : e.data;
    const uint32_t crc = static_cast<uint32_t>(
        crc32(0, reinterpret_cast<const Bytef*>(e.data.data()), static_cast<uInt>(e.data.size())));
    const size_t local = out.size();
    Put(&out, 0x04034b50, 4);
    Put(&out, 20, 2);
    Put(&out, 0, 2);
    Put(&out, e.method, 2);
    Put(&out, 0, 4);
    Put(&out, crc, 4);
    Put(&out, stored.size(), 4);
    Put(&out, e.data.size(), 4);
    Put(&out, e.name.size(), 2);
    Put(&out, 0, 2);
    out += e.name + stored;
    Put(&directory, 0x02014b50, 4);
    Put(&directory, 20, 2);
    Put(&directory, 20, 2);
    Put(&directory, 0, 2);
    Put(&directory, e.method, 2);
    Put(&directory, 0, 4);
    Put(&directory, crc, 4);
    Put(&directory, stored.size(), 4);
    Put(&directory, e.data.size(), 4);
    Put(&directory, e.name.size(), 2);
    Put(&directory, 0, 2 + 2 + 2 + 2);
    Put(&directory, 0, 4);
    Put(&directory, local, 4);
    directory += e.name;
  }
  const size_t at = out.size();
  out += directory;
  Put(&out, 0x06054b50, 4);
  Put(&out, 0, 4);
  Put(&out, entries.size(), 2);
  Put(&out, entries.size(), 2);
  Put(&out, directory.size(), 4);
  Put(&out, at, 4);
  Put(&out, 0, 2);
  return out;
}

const std::vector<Entry> kEntries = {
    {"model/data.pkl", "a pickle of the module", 0},
    {"model/data/0", std::string(4096, '\x3f') + "weights", 0},
    {"model/code/model.py", std::string(2000, 'x') + "def forward(self, x):", 8}};

TEST(ZipIntegrityTest, AnArchiveWhoseEntriesMatchTheirCrcsPasses) {
  EXPECT_TRUE(CheckZipIntegrity(Zip(kEntries), "m.pt").ok())
      << CheckZipIntegrity(Zip(kEntries), "m.pt").ToString();
}

TEST(ZipIntegrityTest, ADamagedEntryIsNamed) {
  std::string zip = Zip(kEntries);
  const size_t at = zip.find("weights");
  ASSERT_NE(at, std::string::npos);
  zip[at] ^= 0x01;
  const Status s = CheckZipIntegrity(zip, "m.pt");
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("m.pt: a damaged zip archive: entry model/data/0: its bytes "
                                     "have CRC-32 "));
  // In a deflated entry, too.
  zip = Zip(kEntries);
  const size_t code = zip.find("model/code/model.py") + std::string("model/code/model.py").size();
  zip[code + 3] ^= 0x10;
  EXPECT_THAT(CheckZipIntegrity(zip, "m.pt").message(), HasSubstr("entry model/code/model.py"));
}

TEST(ZipIntegrityTest, ATruncatedOrForeignFileIsRefusedNotRead) {
  const std::string zip = Zip(kEntries);
  EXPECT_THAT(CheckZipIntegrity(zip.substr(0, zip.size() / 2), "m.pt").message(),
              HasSubstr("m.pt: not a zip archive"));
  std::string cut = zip;
  cut.erase(100, 3000);  // an entry's bytes gone, the directory intact
  EXPECT_THAT(CheckZipIntegrity(cut, "m.pt").message(), HasSubstr("m.pt: a damaged zip archive"));
  EXPECT_THAT(CheckZipIntegrity("not a zip archive at all, just text", "m.pt").message(),
              HasSubstr("m.pt: not a zip archive (no end-of-central-directory record)"));
  EXPECT_THAT(CheckZipIntegrity("PK", "m.pt").message(), HasSubstr("not a zip archive (2 bytes)"));
}

}  // namespace
}  // namespace veritrain
