// Guards a command-line process against ending without saying why when
// code it did not write ends it: a plug-in's static initialiser that calls
// exit(0) (the command would exit 0 having done nothing, and a scenario used
// as a CI test would pass), or one that crashes (the process would die with
// no word of which library it was loading).
//
//   - GuardAgainstEarlyExit(): from then on, an exit() before
//     MarkCommandDone() prints "veritrain: the process was ended by a call
//     to exit() before the command finished …" (naming the plug-in being
//     loaded, if one is) and ends the process with status 70 (EX_SOFTWARE)
//     instead of the status the caller gave. Only the process that called
//     it: a child forked afterwards exits as it likes.
//   - A PluginLoadScope marks the loading of one plug-in (its dlopen, its
//     static initialisers, its registration); while one is open, a crash
//     (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT) first prints "veritrain:
//     crashed (signal N) while loading plug-in <path>", then dies of the
//     signal as it would have.
//
// Thread-safety: GuardAgainstEarlyExit once, from main, before other
// threads start; MarkCommandDone and PluginLoadScope from any thread (one
// plug-in is loaded at a time: LoadPlugin holds its lock).
#pragma once

#include <string>

namespace veritrain {

// The exit status of a process ended early by exit() (EX_SOFTWARE).
inline constexpr int kEndedEarlyExitStatus = 70;

void GuardAgainstEarlyExit();

// The command finished: exit() with its status is expected from now on.
void MarkCommandDone();

class PluginLoadScope {
 public:
  explicit PluginLoadScope(const std::string& path);
  ~PluginLoadScope();
  PluginLoadScope(const PluginLoadScope&) = delete;
  PluginLoadScope& operator=(const PluginLoadScope&) = delete;
};

}  // namespace veritrain
