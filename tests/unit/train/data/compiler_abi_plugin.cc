// A plug-in that says it was built with another compiler ABI version
// (g++ 12's __GXX_ABI_VERSION, 1017) and the host's std::string ABI, as a
// plug-in built by g++ for a veritrain built by clang++ does: it loads.
// With VERITRAIN_TEST_STRING_ABI set to 0 it says it was built with the
// other std::string ABI, and is refused. Its entry point is written out by
// hand instead of with VERITRAIN_PLUGIN, so that it can say so.
#include "core/train/plugin.h"

#ifndef VERITRAIN_TEST_STRING_ABI
#define VERITRAIN_TEST_STRING_ABI _GLIBCXX_USE_CXX11_ABI
#endif
#ifndef VERITRAIN_TEST_JOB
#define VERITRAIN_TEST_JOB "compiler-abi-job"
#endif

namespace {
void Register(veritrain::PluginRegistry& registry) {
  registry.AddJob(VERITRAIN_TEST_JOB, [](const veritrain::JobConfig& c) {
    veritrain::JobConfig synthetic = c;
    synthetic.name = "synthetic";
    return veritrain::MakeJob(synthetic);
  });
}
}  // namespace

extern "C" __attribute__((visibility("default"))) const veritrain::PluginInfo*
VERITRAIN_PLUGIN_ENTRY() {
  static const veritrain::PluginInfo info = {
      VERITRAIN_PLUGIN_ABI, VERITRAIN_PLUGIN_API_VERSION, TORCH_VERSION,
      "gxx-abi-1017/cxx11-abi-" VERITRAIN_PLUGIN_STR(VERITRAIN_TEST_STRING_ABI), &Register};
  return &info;
}
