#include "core/train/json_fields.h"

#include <cmath>
#include <limits>
#include <sstream>

namespace veritrain {

namespace {

std::string Join(const std::string& path, const char* key) {
  return path.empty() ? std::string(key) : path + "." + key;
}

// The shortest text that reads back as `v`: a bound of 0.999999999 must
// not print as "1" (a refused 1.0 would read "must be <= 1").
std::string FormatNumber(double v) {
  for (int digits = 6; digits < 17; ++digits) {
    std::ostringstream s;
    s.precision(digits);
    s << v;
    if (std::stod(s.str()) == v) return s.str();
  }
  std::ostringstream s;
  s.precision(17);
  s << v;
  return s.str();
}

}  // namespace

Status RequireObject(const nlohmann::json& j, const std::string& path) {
  if (!j.is_object()) {
    return Status::InvalidArgument(path + " must be an object");
  }
  return Status::Ok();
}

Status RejectUnknownFields(const nlohmann::json& j, const std::string& path,
                           std::initializer_list<const char*> known) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    bool found = false;
    for (const char* k : known) found = found || it.key() == k;
    if (found) continue;
    std::string list;
    for (const char* k : known)
      list += (list.empty() ? "" : ", ") + std::string(k);
    return Status::InvalidArgument(Join(path, it.key().c_str()) +
                                   ": unknown field (known: " + list + ")");
  }
  return Status::Ok();
}

Status GetString(const nlohmann::json& j, const char* key,
                 const std::string& path, std::string* out) {
  auto it = j.find(key);
  if (it == j.end()) return Status::Ok();
  if (!it->is_string()) {
    return Status::InvalidArgument(Join(path, key) + " must be a string");
  }
  *out = it->get<std::string>();
  return Status::Ok();
}

Status GetBool(const nlohmann::json& j, const char* key,
               const std::string& path, bool* out) {
  auto it = j.find(key);
  if (it == j.end()) return Status::Ok();
  if (!it->is_boolean()) {
    return Status::InvalidArgument(Join(path, key) + " must be true or false");
  }
  *out = it->get<bool>();
  return Status::Ok();
}

Status GetInt(const nlohmann::json& j, const char* key, const std::string& path,
              int64_t min, int64_t max, int64_t* out) {
  auto it = j.find(key);
  if (it == j.end()) return Status::Ok();
  const std::string name = Join(path, key);
  if (!it->is_number_integer()) {
    return Status::InvalidArgument(name + " must be an integer");
  }
  if (it->is_number_unsigned() &&
      it->get<uint64_t>() >
          static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return Status::InvalidArgument(name + " must be <= " + std::to_string(max));
  }
  const int64_t v = it->get<int64_t>();
  if (v < min) {
    return Status::InvalidArgument(name + " must be >= " + std::to_string(min));
  }
  if (v > max) {
    return Status::InvalidArgument(name + " must be <= " + std::to_string(max));
  }
  *out = v;
  return Status::Ok();
}

Status GetUint64(const nlohmann::json& j, const char* key,
                 const std::string& path, uint64_t* out) {
  auto it = j.find(key);
  if (it == j.end()) return Status::Ok();
  const std::string name = Join(path, key);
  if (!it->is_number_integer()) {
    return Status::InvalidArgument(name + " must be an integer");
  }
  if (!it->is_number_unsigned() && it->get<int64_t>() < 0) {
    return Status::InvalidArgument(name + " must be >= 0");
  }
  *out = it->get<uint64_t>();
  return Status::Ok();
}

Status GetDouble(const nlohmann::json& j, const char* key,
                 const std::string& path, double min, bool min_exclusive,
                 double max, double* out) {
  auto it = j.find(key);
  if (it == j.end()) return Status::Ok();
  const std::string name = Join(path, key);
  if (!it->is_number()) {
    return Status::InvalidArgument(name + " must be a number");
  }
  const double v = it->get<double>();
  if (!std::isfinite(v)) {
    return Status::InvalidArgument(name + " must be finite");
  }
  if (min_exclusive ? !(v > min) : !(v >= min)) {
    return Status::InvalidArgument(name + " must be " +
                                   (min_exclusive ? "> " : ">= ") +
                                   FormatNumber(min));
  }
  if (v > max) {
    return Status::InvalidArgument(name + " must be <= " + FormatNumber(max));
  }
  *out = v;
  return Status::Ok();
}

Status GetIntList(const nlohmann::json& j, const char* key,
                  const std::string& path, int64_t min,
                  std::vector<int64_t>* out) {
  auto it = j.find(key);
  if (it == j.end()) return Status::Ok();
  const std::string name = Join(path, key);
  if (!it->is_array()) {
    return Status::InvalidArgument(name + " must be an array of integers");
  }
  std::vector<int64_t> values;
  for (size_t i = 0; i < it->size(); ++i) {
    const auto& e = (*it)[i];
    const std::string ename = name + "[" + std::to_string(i) + "]";
    if (!e.is_number_integer()) {
      return Status::InvalidArgument(ename + " must be an integer");
    }
    if (e.is_number_unsigned() &&
        e.get<uint64_t>() >
            static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return Status::InvalidArgument(ename + " is too large");
    }
    if (e.get<int64_t>() < min) {
      return Status::InvalidArgument(ename +
                                     " must be >= " + std::to_string(min));
    }
    values.push_back(e.get<int64_t>());
  }
  *out = std::move(values);
  return Status::Ok();
}

}  // namespace veritrain
