// Plug-in jobs: training jobs compiled into a shared library that every
// veritrain process loads at start-up, so a team can add its own job
// without forking veritrain.
//
// A plug-in is a shared library (CMake: add_library(x MODULE ...) linked
// with veritrain_train; see examples/plugin_job/) whose source defines,
// once, the function that adds its jobs:
//
//   #include "core/train/plugin.h"
//
//   VERITRAIN_PLUGIN(registry) {
//     registry.AddJob("my-job", MakeMyJob);  // a JobFactory, see job.h
//   }
//
// The macro defines the versioned entry point, extern "C"
// veritrain_plugin_v<ABI> (veritrain_plugin_v3 for plug-in ABI 3), which
// returns a PluginInfo: the plug-in ABI version, the veritrain and LibTorch
// versions and the C++ ABI the library was built with, and the
// registration function. LoadPlugin dlopens the library, refuses it unless
// those equal the host's (of the C++ ABI, libstdc++'s std::string ABI: the
// compiler may differ), and calls the
// registration function, which adds the jobs to the host's registry
// (job.h). From then on MakeJob makes them like the built-ins.
//
// The veritrain executables export their symbols (CMake ENABLE_EXPORTS), so
// a plug-in's calls into veritrain resolve to the host's copy of the code
// and its process-wide state (the job file directory, job_files.h).
//
// A scenario names plug-ins in its "plugins" field, or `veritrain run
// --plugin PATH`; the runner passes them to every role process in
// RoleConfig::plugins, since solver, verifiers and arbiter must all be able
// to build the job.
//
// Thread-safety: LoadPlugin and LoadedPlugins are thread-safe. Libraries
// are never unloaded (jobs made by them may live until exit).
#pragma once

#include <torch/version.h>

#include <string>
#include <vector>

#include "core/train/job.h"
#include "core/util/status.h"

// Compiled into the host and into each plug-in; they must agree.
#ifndef VERITRAIN_PLUGIN_API_VERSION
#error "VERITRAIN_PLUGIN_API_VERSION is defined by veritrain_train's CMake target"
#endif

// The plug-in ABI: raised whenever a type a plug-in implements changes its
// layout (2: TrainingJob::StateNames; 3: TrainingJob::StateLayout). A
// plug-in built for an older ABI is refused by name, never loaded.
#define VERITRAIN_PLUGIN_ABI 3
#define VERITRAIN_PLUGIN_STR2(x) #x
#define VERITRAIN_PLUGIN_STR(x) VERITRAIN_PLUGIN_STR2(x)
#define VERITRAIN_PLUGIN_CAT2(a, b) a##b
#define VERITRAIN_PLUGIN_CAT(a, b) VERITRAIN_PLUGIN_CAT2(a, b)
// The entry point's name: veritrain_plugin_v<ABI>.
#define VERITRAIN_PLUGIN_ENTRY \
  VERITRAIN_PLUGIN_CAT(veritrain_plugin_v, VERITRAIN_PLUGIN_ABI)
// The C++ ABI of this compilation: GCC's ABI version and libstdc++'s
// std::string ABI.
#define VERITRAIN_PLUGIN_CXX_ABI                           \
  "gxx-abi-" VERITRAIN_PLUGIN_STR(__GXX_ABI_VERSION) "/" \
  "cxx11-abi-" VERITRAIN_PLUGIN_STR(_GLIBCXX_USE_CXX11_ABI)

namespace veritrain {

inline constexpr int kPluginAbiVersion = VERITRAIN_PLUGIN_ABI;

// What a plug-in's registration function adds jobs to. Implemented by the
// host.
class PluginRegistry {
 public:
  virtual ~PluginRegistry() = default;
  // Adds a job kind. A name that is empty, repeated, or already registered
  // makes LoadPlugin fail (nothing of the plug-in is registered then).
  virtual void AddJob(const std::string& name, JobFactory factory) = 0;
};

struct PluginInfo {
  int abi_version;                 // kPluginAbiVersion
  const char* veritrain_version;   // VERITRAIN_PLUGIN_API_VERSION
  const char* torch_version;       // TORCH_VERSION
  const char* cxx_abi;             // VERITRAIN_PLUGIN_CXX_ABI
  void (*register_jobs)(PluginRegistry& registry);
};

// Loads the plug-in at `path` and registers its jobs. Loading the same file
// again (by canonical path) does nothing. InvalidArgument naming the path
// and the problem: the file cannot be loaded (dlerror's text: missing file,
// not a shared library, an undefined symbol), it has no
// veritrain_plugin_v<ABI> entry point, its versions differ from the host's,
// its registration throws, or a job name is empty or taken.
Status LoadPlugin(const std::string& path);

// LoadPlugin for each path in order; stops at the first error.
Status LoadPlugins(const std::vector<std::string>& paths);

// Canonical paths of the plug-ins loaded, in load order.
std::vector<std::string> LoadedPlugins();

// The plug-in (its canonical path) that registered job `job`; "" for a
// built-in job or one this process's own code registered (RegisterJob).
std::string PluginOfJob(const std::string& job);

// The file a plug-in entry of a scenario names. An entry holding a '/' is a
// path, a relative one resolved against `base_dir` ("" for the working
// directory). A bare name N is looked up as libN.so, N.so, then N in each
// of `search_dirs` in order. The result is absolute. NotFound naming the
// entry and every place looked at.
Result<std::string> FindPlugin(const std::string& entry,
                               const std::string& base_dir,
                               const std::vector<std::string>& search_dirs);

// Where bare plug-in names are looked up by a host whose executable is in
// `bin_dir`: the directories of $VERITRAIN_PLUGIN_PATH (colon-separated),
// then bin_dir/../plugins (a build tree) and bin_dir/../lib/veritrain/plugins
// (an installation).
std::vector<std::string> DefaultPluginDirs(const std::string& bin_dir);

// The host's PluginInfo values (the registration function is null), for
// messages and tests.
PluginInfo HostPluginInfo();

}  // namespace veritrain

// Defines the plug-in's entry point and the body of its registration
// function, which receives `registry` (a veritrain::PluginRegistry&).
// Use once per shared library.
#define VERITRAIN_PLUGIN(registry)                                           \
  static void VeritrainPluginRegisterJobs(::veritrain::PluginRegistry&);     \
  extern "C" __attribute__((visibility("default"))) const                    \
      ::veritrain::PluginInfo* VERITRAIN_PLUGIN_ENTRY() {                    \
    static const ::veritrain::PluginInfo info = {                            \
        VERITRAIN_PLUGIN_ABI, VERITRAIN_PLUGIN_API_VERSION, TORCH_VERSION,   \
        VERITRAIN_PLUGIN_CXX_ABI, &VeritrainPluginRegisterJobs};             \
    return &info;                                                            \
  }                                                                          \
  static void VeritrainPluginRegisterJobs(::veritrain::PluginRegistry& registry)
