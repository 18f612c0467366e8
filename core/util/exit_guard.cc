#include "core/util/exit_guard.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>

namespace veritrain {
namespace {

std::atomic<bool> g_done{false};
std::atomic<pid_t> g_guarded{0};
// The plug-in being loaded, for handlers that may only read memory: a
// fixed buffer and a flag, never a std::string.
char g_plugin[1024];
std::atomic<bool> g_loading{false};

void Say(const char* text) {
  const size_t n = std::strlen(text);
  (void)!::write(STDERR_FILENO, text, n);
}

void SayPlugin() {
  if (!g_loading.load()) return;
  Say(" while loading plug-in ");
  Say(g_plugin);
}

void OnExit() {
  if (g_done.load() || ::getpid() != g_guarded.load()) return;
  Say("veritrain: the process was ended by a call to exit() before the command finished");
  SayPlugin();
  Say(" (code that is not veritrain's, such as a plug-in, ended it); exit status 70\n");
  ::_exit(kEndedEarlyExitStatus);
}

void OnCrash(int sig) {
  // SA_RESETHAND: the signal's default action is back; raising it again
  // ends the process as the crash would have.
  if (g_loading.load()) {
    char number[16];
    int n = sig, i = sizeof(number) - 1;
    number[i] = '\0';
    do {
      number[--i] = static_cast<char>('0' + n % 10);
      n /= 10;
    } while (n > 0 && i > 0);
    Say("veritrain: crashed (signal ");
    Say(number + i);
    Say(")");
    SayPlugin();
    Say("\n");
  }
  ::raise(sig);
}

}  // namespace

void GuardAgainstEarlyExit() {
  g_guarded.store(::getpid());
  std::atexit(OnExit);
  struct sigaction sa;
  std::memset(&sa, 0, sizeof(sa));
  sa.sa_handler = OnCrash;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESETHAND | SA_NODEFER;
  for (int sig : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT}) ::sigaction(sig, &sa, nullptr);
}

void MarkCommandDone() { g_done.store(true); }

PluginLoadScope::PluginLoadScope(const std::string& path) {
  const size_t n = std::min(path.size(), sizeof(g_plugin) - 1);
  std::memcpy(g_plugin, path.data(), n);
  g_plugin[n] = '\0';
  g_loading.store(true);
}

PluginLoadScope::~PluginLoadScope() { g_loading.store(false); }

}  // namespace veritrain
