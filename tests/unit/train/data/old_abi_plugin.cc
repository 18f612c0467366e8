// A plug-in built for plug-in ABI 1 (before TrainingJob::StateNames), for
// the test that LoadPlugin refuses it by name: it has only the old entry
// point, whose table it is never asked for.
#include "core/train/plugin.h"

extern "C" __attribute__((visibility("default"))) const veritrain::PluginInfo*
veritrain_plugin_v1() {
  return nullptr;
}
