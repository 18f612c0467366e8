// A plug-in whose static initialiser ends the process with exit(0), for the
// test that the command says so and does not exit 0 as if it had run
// (core/util/exit_guard.h).
#include <cstdlib>

namespace {
const int kEnds = [] {
  std::exit(0);
  return 0;
}();
}  // namespace
