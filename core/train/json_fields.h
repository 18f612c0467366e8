// Reading typed, range-checked fields out of a JSON object, with errors that
// name the field by its full path ("job.optimizer.lr must be > 0").
//
// Used by the configuration parsers of this component (jobs, optimizers,
// hardware profiles). Each getter leaves `*out` unchanged when the field is
// absent, so callers initialise it with the default.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/util/status.h"

namespace veritrain {

// InvalidArgument "<path> must be an object" unless j is an object.
Status RequireObject(const nlohmann::json& j, const std::string& path);

// InvalidArgument naming the first key of `j` not in `known`:
// "<path>.<key>: unknown field (known: a, b, c)".
Status RejectUnknownFields(const nlohmann::json& j, const std::string& path,
                           std::initializer_list<const char*> known);

// REQUIRES: j is an object. `path` is the object's path ("job").
Status GetString(const nlohmann::json& j, const char* key,
                 const std::string& path, std::string* out);
Status GetBool(const nlohmann::json& j, const char* key,
               const std::string& path, bool* out);
// An integer in [min, max].
Status GetInt(const nlohmann::json& j, const char* key, const std::string& path,
              int64_t min, int64_t max, int64_t* out);
// A non-negative integer up to 2^64 - 1.
Status GetUint64(const nlohmann::json& j, const char* key,
                 const std::string& path, uint64_t* out);
// A finite number; `min_exclusive` selects "> min" rather than ">= min".
Status GetDouble(const nlohmann::json& j, const char* key,
                 const std::string& path, double min, bool min_exclusive,
                 double max, double* out);
// An array of integers each >= min.
Status GetIntList(const nlohmann::json& j, const char* key,
                  const std::string& path, int64_t min,
                  std::vector<int64_t>* out);

}  // namespace veritrain
