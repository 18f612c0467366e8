// Typed access to fields of a message body (a JSON object), with errors that
// name the field. Used by every message type's FromBody.
//
// Thread-safety: free functions over values.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/crypto/merkle.h"
#include "core/crypto/sha256.h"
#include "core/util/status.h"

namespace veritrain {

Result<std::string> BodyString(const nlohmann::json& body, const char* field);
Result<int64_t> BodyInt(const nlohmann::json& body, const char* field);
Result<double> BodyNumber(const nlohmann::json& body, const char* field);
Result<bool> BodyBool(const nlohmann::json& body, const char* field);
Result<Digest> BodyDigest(const nlohmann::json& body, const char* field);
Result<nlohmann::json> BodyObject(const nlohmann::json& body,
                                  const char* field);
Result<std::vector<std::string>> BodyStrings(const nlohmann::json& body,
                                             const char* field);
Result<std::vector<double>> BodyNumbers(const nlohmann::json& body,
                                        const char* field);

// Real numbers that may be NaN or infinite, as a diverged training run's
// update norms are. JSON has no such values (nlohmann writes them as null),
// so a body holds each non-finite one as a string: "nan", "inf" or "-inf";
// finite values stay JSON numbers. RealsToBody writes that form and
// BodyReals reads it back (anything else is an error naming the field).
nlohmann::json RealsToBody(const std::vector<double>& values);
nlohmann::json RealToBody(double value);
Result<std::vector<double>> BodyReals(const nlohmann::json& body, const char* field);

nlohmann::json ProofToJson(const InclusionProof& p);
Result<InclusionProof> ProofFromJson(const nlohmann::json& j,
                                     const char* field);

}  // namespace veritrain
