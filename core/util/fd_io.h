// Whole reads and writes on a file descriptor: the loops around read(2) and
// write(2) that retry after a signal and go on after a short transfer.
//
// WriteAll sends on a socket with MSG_NOSIGNAL, so that a peer that has gone
// is an error (EPIPE) and not a SIGPIPE that kills the process; on a pipe or
// a file it writes.
//
// Thread-safety: as the descriptor's own calls; one reader and one writer
// at a time per descriptor.
#pragma once

#include <cstddef>

namespace veritrain {

// True once all `size` bytes are written; false on an error (errno says
// which) or when the descriptor takes no more.
bool WriteAll(int fd, const void* data, size_t size);

// True once all `size` bytes are read; false on an error (errno says which)
// or at end of file before `size` bytes.
bool ReadAll(int fd, void* data, size_t size);

}  // namespace veritrain
