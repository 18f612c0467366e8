// Crash-safe whole-file writes and zero-copy whole-file reads (POSIX).
//
// WriteFileAtomically gives readers either the old file or the complete new
// one, never a torn mix, even across a crash or power loss: the bytes go to
// a temporary file in the same directory ("<path>.tmp.<pid>.<counter>"),
// which is fsync'ed, renamed over `path`, and then the directory is fsync'ed
// so that the rename itself is durable. The data is given as pieces so that
// a writer can stream many buffers (tensor bytes) without concatenating them.
//
// ReadFileBytes maps the file read-only (mmap, PROT_READ, MAP_PRIVATE); the
// returned Bytes keeps the mapping alive and unmaps it when its last copy is
// released, so views into it (checkpoint tensors) cost no copy.
//
// Thread-safety: both functions are thread-safe. Concurrent writers of the
// same path each produce a complete file; the last rename wins.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/state/env.h"
#include "core/util/bytes.h"
#include "core/util/status.h"

namespace veritrain {

// Writes the concatenation of `pieces` to `path`, replacing any existing
// file whole. On any error the temporary file is removed and an IOError
// naming the path and the OS error text is returned; `path` is then either
// untouched or (if only the final directory fsync failed) already replaced.
// The file is created with `mode` less the umask (0600 for a secret: it is
// never readable by others, not even as the temporary file).
// File operations go through `env` (env.h; null: Env::Default()), so that a
// test can make them fail.
Status WriteFileAtomically(const std::string& path,
                           const std::vector<std::string_view>& pieces,
                           unsigned mode = 0666, Env* env = nullptr);

// The whole contents of `path`. NotFound if it does not exist, IOError for
// any other OS failure or if it is not a regular file.
// REQUIRES: nobody truncates the file in place while the result (or a view
// into it) lives; files replaced by WriteFileAtomically never are (the old
// inode stays intact).
Result<Bytes> ReadFileBytes(const std::string& path);

}  // namespace veritrain
