#include "core/wire/body_fields.h"

#include <cmath>
#include <limits>

namespace veritrain {
namespace {

Status Missing(const char* field, const char* want) {
  return Status::InvalidArgument(std::string("body field '") + field +
                                 "' must be " + want);
}

const nlohmann::json* Find(const nlohmann::json& body, const char* field) {
  if (!body.is_object()) return nullptr;
  auto it = body.find(field);
  return it == body.end() ? nullptr : &*it;
}

}  // namespace

Result<std::string> BodyString(const nlohmann::json& body, const char* field) {
  const auto* v = Find(body, field);
  if (v == nullptr || !v->is_string()) return Missing(field, "a string");
  return v->get<std::string>();
}

Result<int64_t> BodyInt(const nlohmann::json& body, const char* field) {
  const auto* v = Find(body, field);
  if (v == nullptr || !v->is_number_integer())
    return Missing(field, "an integer");
  return v->get<int64_t>();
}

Result<double> BodyNumber(const nlohmann::json& body, const char* field) {
  const auto* v = Find(body, field);
  if (v == nullptr || !v->is_number()) return Missing(field, "a number");
  return v->get<double>();
}

Result<bool> BodyBool(const nlohmann::json& body, const char* field) {
  const auto* v = Find(body, field);
  if (v == nullptr || !v->is_boolean()) return Missing(field, "a boolean");
  return v->get<bool>();
}

Result<Digest> BodyDigest(const nlohmann::json& body, const char* field) {
  const auto* v = Find(body, field);
  if (v == nullptr || !v->is_string())
    return Missing(field, "a 64-hex-digit digest");
  auto d = Digest::FromHex(v->get<std::string>());
  if (!d) return Missing(field, "a 64-hex-digit digest");
  return *d;
}

Result<nlohmann::json> BodyObject(const nlohmann::json& body,
                                  const char* field) {
  const auto* v = Find(body, field);
  if (v == nullptr || !v->is_object()) return Missing(field, "an object");
  return *v;
}

Result<std::vector<std::string>> BodyStrings(const nlohmann::json& body,
                                             const char* field) {
  const auto* v = Find(body, field);
  if (v == nullptr || !v->is_array())
    return Missing(field, "an array of strings");
  std::vector<std::string> out;
  for (const auto& e : *v) {
    if (!e.is_string()) return Missing(field, "an array of strings");
    out.push_back(e.get<std::string>());
  }
  return out;
}

Result<std::vector<double>> BodyNumbers(const nlohmann::json& body,
                                        const char* field) {
  const auto* v = Find(body, field);
  if (v == nullptr || !v->is_array())
    return Missing(field, "an array of numbers");
  std::vector<double> out;
  for (const auto& e : *v) {
    if (!e.is_number()) return Missing(field, "an array of numbers");
    out.push_back(e.get<double>());
  }
  return out;
}

nlohmann::json RealToBody(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  return value;
}

nlohmann::json RealsToBody(const std::vector<double>& values) {
  nlohmann::json out = nlohmann::json::array();
  for (double v : values) out.push_back(RealToBody(v));
  return out;
}

Result<std::vector<double>> BodyReals(const nlohmann::json& body, const char* field) {
  const auto* v = Find(body, field);
  const char* expected = "an array of numbers (\"nan\", \"inf\" or \"-inf\" for non-finite ones)";
  if (v == nullptr || !v->is_array()) return Missing(field, expected);
  std::vector<double> out;
  out.reserve(v->size());
  for (const auto& e : *v) {
    if (e.is_number()) {
      out.push_back(e.get<double>());
    } else if (e == "nan") {
      out.push_back(std::numeric_limits<double>::quiet_NaN());
    } else if (e == "inf") {
      out.push_back(std::numeric_limits<double>::infinity());
    } else if (e == "-inf") {
      out.push_back(-std::numeric_limits<double>::infinity());
    } else {
      return Missing(field, expected);
    }
  }
  return out;
}

nlohmann::json ProofToJson(const InclusionProof& p) {
  nlohmann::json path = nlohmann::json::array();
  for (const auto& d : p.path) path.push_back(d.Hex());
  return {{"index", p.index}, {"tree_size", p.tree_size}, {"path", path}};
}

Result<InclusionProof> ProofFromJson(const nlohmann::json& j,
                                     const char* field) {
  auto bad = [&] {
    return Missing(field, "an inclusion proof {index, tree_size, path}");
  };
  if (!j.is_object()) return bad();
  auto index = j.find("index");
  auto size = j.find("tree_size");
  auto path = j.find("path");
  if (index == j.end() || size == j.end() || path == j.end() ||
      !index->is_number_integer() || !size->is_number_integer() ||
      index->get<int64_t>() < 0 || size->get<int64_t>() < 0 ||
      !path->is_array() || path->size() > 64) {
    return bad();
  }
  InclusionProof p;
  p.index = index->get<size_t>();
  p.tree_size = size->get<size_t>();
  for (const auto& e : *path) {
    if (!e.is_string()) return bad();
    auto d = Digest::FromHex(e.get<std::string>());
    if (!d) return bad();
    p.path.push_back(*d);
  }
  return p;
}

}  // namespace veritrain
