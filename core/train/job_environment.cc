#include "core/train/job_environment.h"

#include <limits.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "core/train/job.h"
#include "core/train/job_files.h"
#include "core/train/plugin.h"

namespace veritrain {

namespace {

std::string ExecutableDir() {
  char buf[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return "";
  buf[n] = 0;
  return std::filesystem::path(buf).parent_path().string();
}

}  // namespace

Result<JobEnvironment> ResolveJobEnvironment(
    const std::vector<std::string>& plugin_entries,
    const std::string& scenario_dir) {
  JobEnvironment env;
  env.job_dir = scenario_dir;
  const std::vector<std::string> dirs = DefaultPluginDirs(ExecutableDir());
  // A bare name is satisfied by a library given by path among the entries
  // (--plugin /x/libmine.so for "plugins": ["mine"]) before the search
  // directories are looked in.
  std::map<std::string, std::string> by_file;  // file name -> resolved path
  for (const auto& entry : plugin_entries) {
    if (entry.find('/') == std::string::npos) continue;
    VT_ASSIGN_OR_RETURN(std::string path, FindPlugin(entry, scenario_dir, dirs));
    by_file.emplace(std::filesystem::path(path).filename().string(), path);
  }
  for (const auto& entry : plugin_entries) {
    std::string path;
    if (entry.find('/') == std::string::npos) {
      for (const std::string& file : {"lib" + entry + ".so", entry + ".so", entry}) {
        auto it = by_file.find(file);
        if (it != by_file.end() && path.empty()) path = it->second;
      }
    }
    if (path.empty()) {
      VT_ASSIGN_OR_RETURN(path, FindPlugin(entry, scenario_dir, dirs));
    }
    if (std::find(env.plugins.begin(), env.plugins.end(), path) == env.plugins.end()) {
      env.plugins.push_back(path);
    }
  }
  return env;
}

Status ApplyJobEnvironment(const JobEnvironment& env) {
  SetJobFileDir(env.job_dir);
  return LoadPlugins(env.plugins);
}

Status RequireKnownJob(const std::string& name) {
  const std::vector<std::string> known = KnownJobs();
  if (std::find(known.begin(), known.end(), name) != known.end()) {
    return Status::Ok();
  }
  std::string list;
  for (const auto& n : known) list += (list.empty() ? "" : ", ") + n;
  return Status::InvalidArgument(
      "job.name: unknown job '" + name + "' (known: " + list +
      "); a plug-in job needs its library in the scenario's \"plugins\" or "
      "--plugin PATH");
}

}  // namespace veritrain
