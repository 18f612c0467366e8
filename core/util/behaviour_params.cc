#include "core/util/behaviour_params.h"

#include <cmath>
#include <cstdint>
#include <cstdio>

namespace veritrain {

Status BehaviourParams::Only(std::initializer_list<const char*> known) const {
  if (params_.is_null()) return Status::Ok();  // no params given
  if (!params_.is_object()) {
    return Status::InvalidArgument(behaviour_ + ": params must be an object");
  }
  for (const auto& [key, value] : params_.items()) {
    bool ok = false;
    std::string list;
    for (const char* k : known) {
      ok = ok || key == k;
      list += (list.empty() ? "" : ", ") + std::string(k);
    }
    if (!ok) {
      return Status::InvalidArgument(behaviour_ + "." + key +
                                     ": unknown parameter (known: " +
                                     (list.empty() ? "none" : list) + ")");
    }
  }
  return Status::Ok();
}

Result<double> BehaviourParams::Number(const char* key, double fallback,
                                       double min, double max,
                                       bool min_exclusive) const {
  auto it = params_.find(key);
  if (it == params_.end()) return fallback;
  if (!it->is_number() || !std::isfinite(it->get<double>())) {
    return Status::InvalidArgument(Name(key) + " must be a number");
  }
  const double v = it->get<double>();
  if (v < min || (min_exclusive && v == min) || v > max) {
    // %g: "1e+30", not std::to_string's 31 digits of "%f".
    auto real = [](double x) {
      char buf[32];
      std::snprintf(buf, sizeof(buf), "%.6g", x);
      return std::string(buf);
    };
    return Status::InvalidArgument(Name(key) + " must be in " + (min_exclusive ? "(" : "[") +
                                   real(min) + ", " + real(max) + "], not " + real(v));
  }
  return v;
}

Result<int64_t> BehaviourParams::Int(const char* key, int64_t fallback,
                                     int64_t min, int64_t max) const {
  auto it = params_.find(key);
  if (it == params_.end()) return fallback;
  if (!it->is_number_integer())
    return Status::InvalidArgument(Name(key) + " must be an integer");
  // An unsigned value above INT64_MAX would wrap round to a negative one:
  // it is out of every range, and is named as written (dump()).
  const bool too_large = it->is_number_unsigned() &&
                         it->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX);
  const int64_t v = too_large ? 0 : it->get<int64_t>();
  if (too_large || v < min || v > max) {
    return Status::InvalidArgument(
        Name(key) + " must be in [" + std::to_string(min) + ", " +
        std::to_string(max) + "], not " + it->dump());
  }
  return v;
}

Result<std::string> BehaviourParams::Choice(
    const char* key, const std::string& fallback,
    const std::vector<std::string>& allowed) const {
  auto it = params_.find(key);
  if (it == params_.end()) return fallback;
  std::string list;
  for (const auto& a : allowed)
    list += (list.empty() ? "\"" : ", \"") + a + "\"";
  if (!it->is_string())
    return Status::InvalidArgument(Name(key) + " must be one of " + list);
  const std::string v = it->get<std::string>();
  for (const auto& a : allowed) {
    if (v == a) return v;
  }
  return Status::InvalidArgument(Name(key) + " must be one of " + list +
                                 ", not \"" + v + "\"");
}

Result<uint64_t> BehaviourParams::Seed(const char* key,
                                       uint64_t fallback) const {
  auto it = params_.find(key);
  if (it == params_.end()) return fallback;
  if (!it->is_number_unsigned() &&
      !(it->is_number_integer() && it->get<int64_t>() >= 0)) {
    return Status::InvalidArgument(Name(key) +
                                   " must be a non-negative integer");
  }
  return it->get<uint64_t>();
}

}  // namespace veritrain
