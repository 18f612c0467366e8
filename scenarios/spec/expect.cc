// Evaluation of scenario expectations against summary.json.
#include "scenarios/spec/expect.h"

#include <cmath>
#include <exception>
#include <optional>
#include <utility>
#include <vector>

#include "scenarios/spec/real_value.h"

namespace veritrain {
namespace {

using nlohmann::json;

// A number of the summary as a comparison reads it: a JSON number, or a
// non-finite one written as "inf", "-inf" or "nan" (real_value.h), so that
// an infinite distance is above any minimum rather than "not a number".
// long double holds every int64/uint64 exactly on the platforms built for,
// so large token amounts compare exactly.
std::optional<long double> Number(const json& j) {
  if (j.is_number()) return j.get<long double>();
  const std::optional<double> real = RealValue(j);
  if (!real) return std::nullopt;
  return static_cast<long double>(*real);
}

// The comparison written out, e.g. "0.1 <= /a/b <= 0.9".
std::string DefaultDescription(const std::string& path, const json& e) {
  if (e.contains("equals")) return path + " == " + e["equals"].dump();
  if (e.contains("not_equals")) return path + " != " + e["not_equals"].dump();
  if (e.contains("min") && e.contains("max")) {
    return e["min"].dump() + " <= " + path + " <= " + e["max"].dump();
  }
  if (e.contains("greater_than")) return path + " > " + e["greater_than"].get<std::string>();
  if (e.contains("less_than")) return path + " < " + e["less_than"].get<std::string>();
  if (e.contains("min")) return path + " >= " + e["min"].dump();
  if (e.contains("max")) return path + " <= " + e["max"].dump();
  return path;
}

// Why `pointer` names nothing in `summary`: the deepest part that exists
// and what it holds, e.g. "no value at /tasks/0/outcom: /tasks/0 has no
// field \"outcom\" (it has: challenged, detected, …)".
std::string Missing(const json& summary, const json::json_pointer& pointer) {
  std::vector<std::string> tokens;
  for (json::json_pointer p = pointer; !p.empty(); p = p.parent_pointer()) {
    tokens.insert(tokens.begin(), p.back());
  }
  const json* node = &summary;
  std::string at;
  for (const auto& t : tokens) {
    const std::string where = at.empty() ? "summary.json" : at;
    if (node->is_object()) {
      auto it = node->find(t);
      if (it == node->end()) {
        std::string keys;
        size_t n = 0;
        for (auto k = node->begin(); k != node->end() && n < 24; ++k, ++n) {
          keys += (keys.empty() ? "" : ", ") + k.key();
        }
        if (node->size() > n) keys += ", …";
        return where + " has no field \"" + t + "\"" +
               (keys.empty() ? " (it is empty)" : " (it has: " + keys + ")");
      }
      node = &*it;
    } else if (node->is_array()) {
      const bool digits = !t.empty() && t.find_first_not_of("0123456789") == std::string::npos;
      const size_t index = digits && t.size() < 10 ? std::stoul(t) : node->size();
      if (index >= node->size()) {
        return where + " has " + std::to_string(node->size()) + " element(s); \"" + t +
               "\" is not one of them";
      }
      node = &(*node)[index];
    } else {
      return where + " is " + node->dump() + ", which has no field \"" + t + "\"";
    }
    at += "/" + t;
  }
  return "";
}

// The value at `path` in `summary`, or nullopt with *why set.
std::optional<json> Lookup(const json& summary, const std::string& path,
                           std::string* why) {
  try {
    json::json_pointer pointer(path);
    if (!summary.contains(pointer)) {
      const std::string missing = Missing(summary, pointer);
      *why = "no value at " + path + (missing.empty() ? "" : ": " + missing);
      return std::nullopt;
    }
    return summary.at(pointer);
  } catch (const json::parse_error& e) {
    *why = "invalid JSON pointer \"" + path + "\"";
  } catch (const std::exception&) {
    *why = "no value at " + path;
  }
  return std::nullopt;
}

ExpectationResult EvaluateOne(const json& e, const json& summary) {
  ExpectationResult r;
  if (!e.is_object() || !e.contains("path") || !e["path"].is_string()) {
    r.description = e.dump();
    r.detail = "malformed expectation: needs a string \"path\"";
    return r;
  }
  const std::string path = e["path"].get<std::string>();
  // A blank description would print a bare "ok": the comparison written
  // out says what was checked instead.
  const std::string given = e.contains("description") && e["description"].is_string()
                                ? e["description"].get<std::string>()
                                : std::string();
  r.description = given.find_first_not_of(" \t\n") != std::string::npos
                      ? given
                      : DefaultDescription(path, e);
  const bool has_min = e.contains("min");
  const bool has_max = e.contains("max");
  const char* relation = e.contains("greater_than") ? "greater_than"
                         : e.contains("less_than")  ? "less_than"
                                                    : nullptr;
  if (relation != nullptr && !e[relation].is_string()) {
    r.detail = std::string("malformed expectation: ") + relation + " must be a JSON pointer";
    return r;
  }
  if (!e.contains("equals") && !e.contains("not_equals") && !has_min &&
      !has_max && relation == nullptr) {
    r.detail =
        "malformed expectation: no comparison (equals, not_equals, "
        "min, max)";
    return r;
  }
  std::optional<json> actual = Lookup(summary, path, &r.detail);
  if (!actual) return r;
  r.actual = *actual;
  const std::string got = "got " + actual->dump();

  if (e.contains("equals")) {
    // nlohmann compares integers and floats numerically, also inside
    // arrays and objects.
    r.passed = *actual == e["equals"];
    r.detail = r.passed ? got : got + ", expected " + e["equals"].dump();
    return r;
  }
  if (e.contains("not_equals")) {
    r.passed = *actual != e["not_equals"];
    r.detail = r.passed ? got : got + ", expected anything but that";
    return r;
  }
  if (relation != nullptr) {
    const std::string other_path = e[relation].get<std::string>();
    std::string why;
    std::optional<json> other = Lookup(summary, other_path, &why);
    if (!other) {
      r.detail = got + "; " + why;
      return r;
    }
    const std::optional<long double> a = Number(*actual), b = Number(*other);
    if (!a || !b) {
      r.detail = got + " and " + other->dump() + " at " + other_path + ": both must be numbers";
      return r;
    }
    const bool greater = std::string(relation) == "greater_than";
    r.passed = greater ? *a > *b : *a < *b;  // false with a NaN on either side
    r.detail = got + ", " + other_path + " is " + other->dump();
    if (std::isnan(*a) || std::isnan(*b)) r.detail += ": nan is not ordered";
    return r;
  }
  if ((has_min && !e["min"].is_number()) ||
      (has_max && !e["max"].is_number())) {
    r.detail = "malformed expectation: min and max must be numbers";
    return r;
  }
  const std::optional<long double> number = Number(*actual);
  if (!number) {
    r.detail = got + ", which is not a number (min/max need one)";
    return r;
  }
  const long double value = *number;
  if (std::isnan(value)) {
    r.detail = got + ", which no bound holds (nan is not ordered)";
    return r;
  }
  if (has_min && value < e["min"].get<long double>()) {
    r.detail = got + ", below the minimum " + e["min"].dump();
    return r;
  }
  if (has_max && value > e["max"].get<long double>()) {
    r.detail = got + ", above the maximum " + e["max"].dump();
    return r;
  }
  r.passed = true;
  r.detail = got;
  return r;
}

}  // namespace

std::vector<ExpectationResult> EvaluateExpectations(const json& expect,
                                                    const json& summary) {
  std::vector<ExpectationResult> results;
  if (!expect.is_array()) {
    ExpectationResult r;
    r.description = "expect";
    r.detail = "malformed expectations: not an array";
    results.push_back(std::move(r));
    return results;
  }
  for (const json& e : expect) results.push_back(EvaluateOne(e, summary));
  return results;
}

}  // namespace veritrain
