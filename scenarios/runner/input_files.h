// The files a run's results depend on besides the resolved scenario: the
// plug-in libraries it loads and every file its job reads (a TorchScript
// model, a dataset's files), each with its SHA-256. A run's manifest.json
// records them ("inputs"), so that a run names the exact code and data it
// trained on, not only their paths; a sweep's sweep.json records those of
// its whole grid (sweep/sweep_inputs.h).
//
//   {"what": "plug-in library", "field": "plugins",
//    "path": "/abs/libjob.so", "sha256": "ab12…" | null}
//
// "sha256" is null for a file that could not be read whole (a run that
// needs it fails on its own). A plug-in entry that names no file is
// recorded as written, with a null hash.
//
// Thread-safety: plain values; the functions that hash read files.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/crypto/sha256.h"
#include "core/util/status.h"
#include "scenarios/spec/scenario.h"

namespace veritrain {

struct InputFile {
  std::string what;   // "model file", "dataset file", "plug-in library"
  std::string field;  // "job.model", "job.dataset.train", "plugins"…
  std::string path;   // absolute
  std::optional<Digest> sha256;  // none: unreadable

  bool operator==(const InputFile& o) const;
};

// SHA-256 of the file's bytes, read in chunks (not mapped: a file someone
// truncates while it is read must not kill the process); none when it
// cannot be read whole.
std::optional<Digest> Sha256OfInputFile(const std::string& path);

// The plug-in libraries of `sc`, then the files its job reads, appended
// without hashes to `out` unless a file of the same path is there. Relative
// paths resolve against sc.source_dir, as in a run.
void AddScenarioInputFiles(const Scenario& sc, std::vector<InputFile>* out);

// AddScenarioInputFiles of `sc` into an empty list, each file hashed.
std::vector<InputFile> ScenarioInputFiles(const Scenario& sc);

// "the model file /x/model.pt (job.model)"
std::string InputFileName(const InputFile& f);

// The string `key` of the object `j`, or InvalidArgument naming
// `where`.`key` as missing or not a string.
Status GetInputString(const nlohmann::json& j, const char* key, const std::string& where,
                      std::string* out);

// One entry's JSON, and back: every field is required; InvalidArgument
// naming `where` ("inputs.files[2].sha256: not 64 hex digits or null").
nlohmann::json InputFileJson(const InputFile& f);
Status InputFileFromJson(const nlohmann::json& j, const std::string& where, InputFile* file);

}  // namespace veritrain
