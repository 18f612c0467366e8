#include "scenarios/sweep/sweep_inputs.h"

#include <filesystem>
#include <fstream>
#include <set>

#include "core/util/build_info.h"
#include "scenarios/runner/role_executables.h"

namespace veritrain {
namespace {

using nlohmann::json;

// Whether some parameter of `spec` sets a field of the job or the plug-ins.
bool SweepChangesJobFiles(const SweepSpec& spec) {
  for (const SweepParameter& p : spec.parameters) {
    for (const char* prefix : {"/job", "/plugins"}) {
      const std::string pre = prefix;
      if (p.pointer == pre || p.pointer.rfind(pre + "/", 0) == 0) return true;
    }
  }
  return false;
}

std::string ShortInputSha256(const std::optional<Digest>& d) {
  return d ? "sha256 " + d->Hex().substr(0, 12) + "…" : "unreadable";
}

std::string SweepBuildName(const SweepInputs& in) {
  return in.version + " (commit " + in.commit +
         (in.executable ? ", executable sha256 " + in.executable->Hex().substr(0, 12) + "…"
                        : std::string()) +
         ")";
}

bool IsDirtyCommit(const std::string& commit) {
  const std::string dirty = "-dirty";
  return commit.size() >= dirty.size() &&
         commit.compare(commit.size() - dirty.size(), dirty.size(), dirty) == 0;
}

// "veritrain-arbiter sha256 ab12…, … (in /bin)", or this build's own roles.
std::string RolesName(const std::vector<SweepInputFile>& roles) {
  if (roles.empty()) return "this veritrain's own roles (no --bin-dir)";
  std::string out;
  for (const SweepInputFile& r : roles) {
    out += (out.empty() ? "" : ", ") + std::filesystem::path(r.path).filename().string() + " " +
           ShortInputSha256(r.sha256);
  }
  return out + " (in " + std::filesystem::path(roles.front().path).parent_path().string() + ")";
}

// The same executables: names and contents, wherever they were.
bool SameRoles(const std::vector<SweepInputFile>& a, const std::vector<SweepInputFile>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::filesystem::path(a[i].path).filename() !=
            std::filesystem::path(b[i].path).filename() ||
        a[i].sha256 != b[i].sha256) {
      return false;
    }
  }
  return true;
}

}  // namespace

json SweepInputs::ToJson() const {
  json files_json = json::array();
  for (const SweepInputFile& f : files) files_json.push_back(InputFileJson(f));
  json build = {{"veritrain", version}, {"commit", commit}};
  if (executable) build["executable"] = executable->Hex();
  if (!roles.empty()) {
    build["roles"] = json::array();
    for (const SweepInputFile& r : roles) build["roles"].push_back(InputFileJson(r));
  }
  return {{"build", build}, {"files", files_json}};
}

Result<SweepInputs> SweepInputs::FromJson(const json& j) {
  SweepInputs in;
  if (!j.is_object()) return Status::InvalidArgument("inputs is not an object");
  if (!j.contains("build"))
    return Status::InvalidArgument("inputs.build is missing");
  VT_RETURN_IF_ERROR(
      GetInputString(j["build"], "veritrain", "inputs.build", &in.version));
  VT_RETURN_IF_ERROR(
      GetInputString(j["build"], "commit", "inputs.build", &in.commit));
  if (j["build"].contains("executable")) {
    const json& e = j["build"]["executable"];
    in.executable = e.is_string() ? Digest::FromHex(e.get<std::string>()) : std::nullopt;
    if (!in.executable) {
      return Status::InvalidArgument("inputs.build.executable: not 64 hex digits");
    }
  }
  if (!j.contains("files") || !j["files"].is_array()) {
    return Status::InvalidArgument("inputs.files is missing or not an array");
  }
  for (size_t i = 0; i < j["files"].size(); ++i) {
    SweepInputFile file;
    VT_RETURN_IF_ERROR(InputFileFromJson(
        j["files"][i], "inputs.files[" + std::to_string(i) + "]", &file));
    in.files.push_back(std::move(file));
  }
  // Absent: this build's own roles (and every sweep.json written before
  // roles were recorded).
  if (j["build"].contains("roles")) {
    const json& roles = j["build"]["roles"];
    if (!roles.is_array()) return Status::InvalidArgument("inputs.build.roles is not an array");
    for (size_t i = 0; i < roles.size(); ++i) {
      SweepInputFile role;
      VT_RETURN_IF_ERROR(InputFileFromJson(
          roles[i], "inputs.build.roles[" + std::to_string(i) + "]", &role));
      in.roles.push_back(std::move(role));
    }
  }
  return in;
}

SweepInputs SweepInputsOf(const Scenario& base, const SweepSpec& spec,
                          const std::string& bin_dir) {
  SweepInputs in;
  in.version = VeritrainVersion();
  in.commit = VeritrainCommit();
  if (IsDirtyCommit(in.commit)) in.executable = Sha256OfInputFile("/proc/self/exe");
  if (!bin_dir.empty()) {
    for (const std::string& name : RoleExecutableNames()) {
      const std::string path =
          std::filesystem::absolute(bin_dir + "/" + name).lexically_normal().string();
      in.roles.push_back({"role executable", "--bin-dir", path, Sha256OfInputFile(path)});
    }
  }
  AddScenarioInputFiles(base, &in.files);
  if (SweepChangesJobFiles(spec)) {
    SweepSpec one = spec;  // a point's repetitions share its files
    one.repetitions = 1;
    for (const SweepRun& run : SweepRuns(one, base.seed)) {
      auto sc = SweepRunScenario(base, spec, run);
      if (sc.ok())
        AddScenarioInputFiles(*sc, &in.files);  // else: the run fails
    }
  }
  for (SweepInputFile& f : in.files) f.sha256 = Sha256OfInputFile(f.path);
  return in;
}

std::optional<SweepInputChange> RunInputChange(const SweepInputs& sweep,
                                               const json& run_manifest) {
  if (!run_manifest.is_object()) return std::nullopt;
  const json read = run_manifest.value("inputs", json());
  if (!read.is_array()) return std::nullopt;
  for (size_t i = 0; i < read.size(); ++i) {
    InputFile file;
    if (!InputFileFromJson(read[i], "inputs[" + std::to_string(i) + "]", &file).ok()) {
      return SweepInputChange{"the run's record of what it read (manifest.json inputs[" +
                                  std::to_string(i) + "])",
                              "a file entry", read[i].dump().substr(0, 120)};
    }
    for (const SweepInputFile& f : sweep.files) {
      if (f.path == file.path && f.sha256 != file.sha256) {
        return SweepInputChange{InputFileName(file), ShortInputSha256(f.sha256),
                                ShortInputSha256(file.sha256)};
      }
    }
  }
  return std::nullopt;
}

std::optional<SweepInputChange> RunFolderInputChange(const SweepInputs& sweep,
                                                     const std::string& run_dir) {
  std::ifstream in(run_dir + "/manifest.json");
  const json manifest = json::parse(in, nullptr, false);
  if (manifest.is_discarded()) return std::nullopt;
  return RunInputChange(sweep, manifest);
}

std::string ReadOtherContents(const SweepInputChange& change) {
  return "read " + change.thing + " as " + change.after + ", not the " + change.before;
}

std::optional<SweepInputChange> CompareSweepInputs(const SweepInputs& before,
                                                   const SweepInputs& after) {
  if (before.version != after.version || before.commit != after.commit ||
      (before.executable && after.executable && *before.executable != *after.executable)) {
    return SweepInputChange{"the veritrain build", SweepBuildName(before),
                            SweepBuildName(after)};
  }
  if (!SameRoles(before.roles, after.roles)) {
    return SweepInputChange{"the role executables (--bin-dir)", RolesName(before.roles),
                            RolesName(after.roles)};
  }
  for (const SweepInputFile& b : before.files) {
    const SweepInputFile* a = nullptr;
    for (const SweepInputFile& f : after.files) {
      if (f.path == b.path) a = &f;
    }
    if (a == nullptr) {
      return SweepInputChange{InputFileName(b), ShortInputSha256(b.sha256),
                              "not read"};
    }
    if (a->sha256 != b.sha256) {
      return SweepInputChange{InputFileName(b), ShortInputSha256(b.sha256),
                              ShortInputSha256(a->sha256)};
    }
  }
  for (const SweepInputFile& a : after.files) {
    bool read_before = false;
    for (const SweepInputFile& b : before.files) {
      read_before = read_before || b.path == a.path;
    }
    if (!read_before) {
      return SweepInputChange{InputFileName(a), "not read",
                              ShortInputSha256(a.sha256)};
    }
  }
  return std::nullopt;
}

Result<SweepInputs> RecordedSweepInputs(const json& manifest,
                                        const std::string& path) {
  if (!manifest.is_object() || !manifest.contains("inputs")) {
    return Status::InvalidArgument(
        path +
        " records no inputs (the build and the SHA-256 of the files its jobs "
        "read): it was written by a veritrain from before sweeps recorded "
        "them, so whether its runs used the same build, model and data "
        "cannot be told");
  }
  auto in = SweepInputs::FromJson(manifest["inputs"]);
  if (!in.ok()) return in.status().WithContext(path);
  return in;
}

}  // namespace veritrain
