// The integrity of a zip archive's entries, by the CRC-32 each carries.
//
// A TorchScript model is a zip archive, and LibTorch's reader does not
// check its entries' CRCs: bytes damaged on disk load as other weights,
// and a task trains them without a word. Without model_sha256 in the
// scenario, these CRCs are the only guard against such damage.
//
// Reads the end-of-central-directory record (and its zip64 form), then
// every central directory entry, and checks each entry's stored bytes
// (method 0, as torch.jit.save writes them) against its CRC-32; a
// deflated entry (method 8) is inflated with zlib and checked the same
// way.
//
// Thread-safety: a pure function of its input.
#pragma once

#include <string>
#include <string_view>

#include "core/util/status.h"

namespace veritrain {

// OK when every entry of the zip archive `bytes` holds the bytes its CRC-32
// says. InvalidArgument otherwise, "<what>: not a zip archive (...)" or
// "<what>: a damaged zip archive: <the entry or the structure>: ...".
Status CheckZipIntegrity(std::string_view bytes, const std::string& what);

}  // namespace veritrain
