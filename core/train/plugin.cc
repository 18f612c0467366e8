#include "core/train/plugin.h"

#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <utility>

#include "core/util/exit_guard.h"

namespace veritrain {

namespace {

std::mutex& Mu() {
  static auto* mu = new std::mutex;
  return *mu;
}

std::vector<std::string>& Loaded() {  // guarded by Mu()
  static auto* loaded = new std::vector<std::string>;
  return *loaded;
}

// The plug-in (canonical path) that registered each of its jobs.
std::map<std::string, std::string>& JobPlugins() {
  static auto* jobs = new std::map<std::string, std::string>;
  return *jobs;
}

// Collects a plug-in's jobs so that they can be checked before any is
// registered.
class CollectingRegistry : public PluginRegistry {
 public:
  void AddJob(const std::string& name, JobFactory factory) override {
    jobs_.emplace_back(name, std::move(factory));
  }
  std::vector<std::pair<std::string, JobFactory>>& jobs() { return jobs_; }

 private:
  std::vector<std::pair<std::string, JobFactory>> jobs_;
};

// The N of "cxx11-abi-N" in a VERITRAIN_PLUGIN_CXX_ABI string; "" when
// it has none.
std::string StringAbi(const std::string& cxx_abi) {
  const std::string key = "cxx11-abi-";
  const size_t at = cxx_abi.find(key);
  if (at == std::string::npos) return "";
  return cxx_abi.substr(at + key.size());
}

Status CheckVersions(const PluginInfo& info, const std::string& where) {
  const PluginInfo host = HostPluginInfo();
  auto differs = [](const char* a, const char* b) {
    return a == nullptr || std::strcmp(a, b) != 0;
  };
  auto text = [](const char* s) { return std::string(s ? s : "(none)"); };
  if (info.abi_version != host.abi_version) {
    return Status::InvalidArgument(
        where + "built for plug-in ABI " + std::to_string(info.abi_version) +
        ", this veritrain loads ABI " + std::to_string(host.abi_version));
  }
  if (differs(info.veritrain_version, host.veritrain_version)) {
    return Status::InvalidArgument(where + "built against veritrain " +
                                   text(info.veritrain_version) +
                                   ", this is veritrain " +
                                   host.veritrain_version + "; rebuild it");
  }
  if (differs(info.torch_version, host.torch_version)) {
    return Status::InvalidArgument(where + "built against LibTorch " +
                                   text(info.torch_version) +
                                   ", this veritrain uses LibTorch " +
                                   host.torch_version + "; rebuild it");
  }
  // libstdc++'s std::string ABI decides the layout of every string and
  // list the plug-in shares with veritrain: it must match. The compiler's
  // own ABI version (__GXX_ABI_VERSION: 1002 for clang++, 1017 for g++ 12)
  // changes the mangling of rare constructs only; a plug-in that mangles a
  // symbol otherwise fails to load (RTLD_NOW) with the symbol named, so a
  // plug-in built by g++ loads into a veritrain built by clang++.
  if (info.cxx_abi == nullptr || StringAbi(info.cxx_abi) != StringAbi(host.cxx_abi)) {
    return Status::InvalidArgument(
        where + "built with C++ ABI " + text(info.cxx_abi) + ", this veritrain has " +
        host.cxx_abi + ": libstdc++'s std::string ABI (cxx11-abi) differs; rebuild it with " +
        "-D_GLIBCXX_USE_CXX11_ABI=" + StringAbi(host.cxx_abi) +
        " (examples/plugin_job/CMakeLists.txt builds one as veritrain is built)");
  }
  if (info.register_jobs == nullptr) {
    return Status::InvalidArgument(where + "has no registration function");
  }
  return Status::Ok();
}

}  // namespace

PluginInfo HostPluginInfo() {
  return {VERITRAIN_PLUGIN_ABI, VERITRAIN_PLUGIN_API_VERSION, TORCH_VERSION,
          VERITRAIN_PLUGIN_CXX_ABI, nullptr};
}

Status LoadPlugin(const std::string& path) {
  const std::string where = "plug-in " + path + ": ";
  std::error_code ec;
  const std::string canonical = std::filesystem::canonical(path, ec).string();
  if (ec) {
    return Status::InvalidArgument(where + "cannot load: " + ec.message());
  }
  std::lock_guard<std::mutex> lock(Mu());
  for (const auto& p : Loaded()) {
    if (p == canonical) return Status::Ok();
  }
  // RTLD_LOCAL: the plug-in's own symbols stay private to it; its
  // references to veritrain resolve to the host's exported copy first.
  // Its static initialisers run in dlopen and its registration below: a
  // crash or an exit() there names it (core/util/exit_guard.h).
  PluginLoadScope loading(canonical);
  void* handle = ::dlopen(canonical.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* err = ::dlerror();
    return Status::InvalidArgument(where + "cannot load: " +
                                   (err ? err : "unknown dlopen error"));
  }
  // From here on the library stays loaded even on error: unloading a
  // library whose static constructors ran is not worth the risk.
  const char* entry = VERITRAIN_PLUGIN_STR(VERITRAIN_PLUGIN_ENTRY);
  ::dlerror();
  void* symbol = ::dlsym(handle, entry);
  if (symbol == nullptr) {
    for (int abi = VERITRAIN_PLUGIN_ABI - 1; abi >= 1; --abi) {
      const std::string older = "veritrain_plugin_v" + std::to_string(abi);
      if (::dlsym(handle, older.c_str()) != nullptr) {
        return Status::InvalidArgument(
            where + "built for plug-in ABI " + std::to_string(abi) +
            " (entry point " + older + "), this veritrain loads ABI " +
            std::to_string(VERITRAIN_PLUGIN_ABI) +
            ": rebuild it against this veritrain");
      }
    }
    return Status::InvalidArgument(
        where + "not a veritrain plug-in: it has no " + entry +
        " entry point (define one with VERITRAIN_PLUGIN, core/train/plugin.h)");
  }
  using EntryFn = const PluginInfo* (*)();
  const PluginInfo* info = reinterpret_cast<EntryFn>(symbol)();
  if (info == nullptr) {
    return Status::InvalidArgument(where + std::string(entry) +
                                   " returned nothing");
  }
  VT_RETURN_IF_ERROR(CheckVersions(*info, where));
  CollectingRegistry registry;
  try {
    info->register_jobs(registry);
  } catch (const std::exception& e) {
    return Status::InvalidArgument(where + "registering its jobs threw: " +
                                   e.what());
  } catch (...) {
    return Status::InvalidArgument(where + "registering its jobs threw");
  }
  if (registry.jobs().empty()) {
    return Status::InvalidArgument(where + "registers no jobs");
  }
  const std::vector<std::string> known = KnownJobs();
  std::set<std::string> names;
  for (const auto& [name, factory] : registry.jobs()) {
    if (name.empty()) return Status::InvalidArgument(where + "a job name is empty");
    if (!factory) {
      return Status::InvalidArgument(where + "job '" + name + "' has no factory");
    }
    if (!names.insert(name).second ||
        std::find(known.begin(), known.end(), name) != known.end()) {
      return Status::InvalidArgument(where + "job '" + name +
                                     "' is already registered");
    }
  }
  for (auto& [name, factory] : registry.jobs()) {
    VT_RETURN_IF_ERROR(RegisterJob(name, std::move(factory)).WithContext(
        "plug-in " + path));
    JobPlugins()[name] = canonical;
  }
  Loaded().push_back(canonical);
  return Status::Ok();
}

Status LoadPlugins(const std::vector<std::string>& paths) {
  for (const auto& p : paths) VT_RETURN_IF_ERROR(LoadPlugin(p));
  return Status::Ok();
}

Result<std::string> FindPlugin(const std::string& entry,
                               const std::string& base_dir,
                               const std::vector<std::string>& search_dirs) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (entry.empty()) return Status::NotFound("plug-in entry is empty");
  if (entry.find('/') != std::string::npos) {
    fs::path p(entry);
    if (p.is_relative() && !base_dir.empty()) p = fs::path(base_dir) / p;
    p = fs::absolute(p, ec).lexically_normal();
    if (std::error_code dir; fs::is_directory(p, dir)) {
      return Status::NotFound("plug-in " + entry + ": a directory, not a shared library (" +
                              p.string() + ")");
    }
    if (ec || !fs::is_regular_file(p, ec)) {
      return Status::NotFound("plug-in " + entry + ": no such file (" +
                              p.string() + ")");
    }
    return p.string();
  }
  std::string looked;
  for (const auto& dir : search_dirs) {
    for (const std::string& file : {"lib" + entry + ".so", entry + ".so", entry}) {
      fs::path p = fs::absolute(fs::path(dir) / file, ec).lexically_normal();
      if (!ec && fs::is_regular_file(p, ec)) return p.string();
      looked += (looked.empty() ? "" : ", ") + p.string();
    }
  }
  return Status::NotFound("plug-in '" + entry + "' not found (looked for " +
                          (looked.empty() ? std::string("nothing: no search "
                                                        "directories")
                                          : looked) +
                          "; set VERITRAIN_PLUGIN_PATH or give a path)");
}

std::vector<std::string> DefaultPluginDirs(const std::string& bin_dir) {
  std::vector<std::string> dirs;
  if (const char* env = std::getenv("VERITRAIN_PLUGIN_PATH")) {
    std::string list = env;
    size_t start = 0;
    while (start <= list.size()) {
      size_t colon = list.find(':', start);
      if (colon == std::string::npos) colon = list.size();
      if (colon > start) dirs.push_back(list.substr(start, colon - start));
      start = colon + 1;
    }
  }
  if (!bin_dir.empty()) {
    dirs.push_back(bin_dir + "/../plugins");
    dirs.push_back(bin_dir + "/../lib/veritrain/plugins");
  }
  return dirs;
}

std::string PluginOfJob(const std::string& job) {
  std::lock_guard<std::mutex> lock(Mu());
  auto it = JobPlugins().find(job);
  return it == JobPlugins().end() ? std::string() : it->second;
}

std::vector<std::string> LoadedPlugins() {
  std::lock_guard<std::mutex> lock(Mu());
  return Loaded();
}

}  // namespace veritrain
