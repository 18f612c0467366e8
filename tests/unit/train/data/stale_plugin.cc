// A plug-in that claims to be built against another veritrain version, for
// the test that LoadPlugin refuses it. Its entry point is written out by
// hand instead of with VERITRAIN_PLUGIN, so that it can lie.
#include "core/train/plugin.h"

namespace {
void RegisterNothing(veritrain::PluginRegistry&) {}
}  // namespace

extern "C" __attribute__((visibility("default"))) const veritrain::PluginInfo*
VERITRAIN_PLUGIN_ENTRY() {
  static const veritrain::PluginInfo info = {
      VERITRAIN_PLUGIN_ABI, "0.0.0-stale", TORCH_VERSION,
      VERITRAIN_PLUGIN_CXX_ABI, &RegisterNothing};
  return &info;
}
