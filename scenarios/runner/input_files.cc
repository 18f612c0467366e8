#include "scenarios/runner/input_files.h"

#include <fstream>

#include "core/train/job_environment.h"
#include "core/train/job_input_files.h"

namespace veritrain {

using nlohmann::json;

Status GetInputString(const json& j, const char* key, const std::string& where,
                      std::string* out) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_string()) {
    return Status::InvalidArgument(where + "." + key + " is missing or not a string");
  }
  *out = j[key].get<std::string>();
  return Status::Ok();
}

bool InputFile::operator==(const InputFile& o) const {
  return what == o.what && field == o.field && path == o.path && sha256 == o.sha256;
}

std::optional<Digest> Sha256OfInputFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  Sha256 hasher;
  std::vector<char> buf(1 << 20);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    hasher.Update(buf.data(), static_cast<size_t>(in.gcount()));
  }
  if (in.bad()) return std::nullopt;
  return hasher.Finish();
}

void AddScenarioInputFiles(const Scenario& sc, std::vector<InputFile>* out) {
  std::vector<JobInputFile> files;
  for (const std::string& entry : sc.plugins) {
    // A bare name is looked for as a run looks for it (job_environment.h).
    auto env = ResolveJobEnvironment({entry}, sc.source_dir);
    files.push_back({"plug-in library", "plugins",
                     env.ok() && !env->plugins.empty() ? env->plugins.front() : entry});
  }
  const json params = sc.job.value("params", json::object());
  for (JobInputFile& f :
       JobInputFiles(sc.job.value("name", std::string()), params, sc.source_dir)) {
    files.push_back(std::move(f));
  }
  for (JobInputFile& f : files) {
    bool seen = false;
    for (const InputFile& s : *out) seen = seen || s.path == f.path;
    if (!seen) out->push_back({f.what, f.field, f.path, std::nullopt});
  }
}

std::vector<InputFile> ScenarioInputFiles(const Scenario& sc) {
  std::vector<InputFile> files;
  AddScenarioInputFiles(sc, &files);
  for (InputFile& f : files) f.sha256 = Sha256OfInputFile(f.path);
  return files;
}

std::string InputFileName(const InputFile& f) {
  return "the " + f.what + " " + f.path + " (" + f.field + ")";
}

json InputFileJson(const InputFile& f) {
  return {{"what", f.what},
          {"field", f.field},
          {"path", f.path},
          {"sha256", f.sha256 ? json(f.sha256->Hex()) : json()}};
}

Status InputFileFromJson(const json& j, const std::string& where, InputFile* file) {
  VT_RETURN_IF_ERROR(GetInputString(j, "what", where, &file->what));
  VT_RETURN_IF_ERROR(GetInputString(j, "field", where, &file->field));
  VT_RETURN_IF_ERROR(GetInputString(j, "path", where, &file->path));
  if (!j.contains("sha256")) return Status::InvalidArgument(where + ".sha256 is missing");
  file->sha256.reset();
  if (!j["sha256"].is_null()) {
    const auto d = j["sha256"].is_string() ? Digest::FromHex(j["sha256"].get<std::string>())
                                           : std::nullopt;
    if (!d) return Status::InvalidArgument(where + ".sha256: not 64 hex digits or null");
    file->sha256 = *d;
  }
  return Status::Ok();
}

}  // namespace veritrain
