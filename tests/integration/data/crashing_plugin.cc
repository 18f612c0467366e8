// A plug-in whose static initialiser crashes, for the test that the command
// names the plug-in it was loading (core/util/exit_guard.h).
#include <signal.h>

namespace {
const int kCrashes = [] {
  ::raise(SIGSEGV);
  return 0;
}();
}  // namespace
