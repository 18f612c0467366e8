// Refusing what is not a regular file before reading a results file.
//
// A run writes regular files. In their place a directory opens as a
// stream that reads nothing (passing for an empty file), and a FIFO blocks
// the reader until a writer comes, for ever: `report` or `audit` on a
// folder where one stands hung. Each is said as what it is.
//
// Thread-safety: thread-safe.
#pragma once

#include <string>

#include "core/util/status.h"

namespace veritrain {

// Ok when `path` is a regular file (after symbolic links) or does not
// exist (the caller says what is missing); IOError naming `path` and what
// it is otherwise ("is a directory", "is a FIFO", "is a socket", "is a
// device").
Status NotARegularFile(const std::string& path);

}  // namespace veritrain
