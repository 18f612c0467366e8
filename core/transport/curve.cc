#include "core/transport/curve.h"

#include <array>
#include <cerrno>
#include <cstring>

#include <nlohmann/json.hpp>

#include "core/state/atomic_file.h"
#include "core/util/json_depth.h"

namespace veritrain {
namespace {

constexpr size_t kZ85KeyChars = 40;
// A key pair file is about 110 bytes; anything much larger is not one.
constexpr size_t kMaxKeyFileBytes = 4096;
// ZMQ_ZAP_ENFORCE_DOMAIN: zmq.h 4.3.4 lists it among the draft options, but
// the library accepts it; without it a CURVE server whose context has no
// ZAP handler admits every client key.
constexpr int kZapEnforceDomain = 93;

std::string ZmqErrorText() { return zmq_strerror(zmq_errno()); }

}  // namespace

bool IsCurveKey(const std::string& key) {
  if (key.size() != kZ85KeyChars) return false;
  std::array<uint8_t, 32> bytes{};
  return zmq_z85_decode(bytes.data(), key.c_str()) != nullptr;
}

bool CurveAvailable() { return zmq_has("curve") != 0; }

Result<CurveKeyPair> CurveKeyPair::Generate() {
  char pub[kZ85KeyChars + 1] = {};
  char sec[kZ85KeyChars + 1] = {};
  if (zmq_curve_keypair(pub, sec) != 0) {
    return Status::FailedPrecondition("cannot make a CURVE key pair: " + ZmqErrorText() +
                                      " (is libzmq built with CURVE?)");
  }
  return CurveKeyPair{pub, sec};
}

Result<CurveKeyPair> CurveKeyPair::FromSecret(const std::string& secret_key) {
  if (!IsCurveKey(secret_key)) {
    return Status::InvalidArgument("a CURVE secret key must be 40 characters of Z85");
  }
  char pub[kZ85KeyChars + 1] = {};
  if (zmq_curve_public(pub, secret_key.c_str()) != 0) {
    return Status::InvalidArgument("cannot derive the CURVE public key: " + ZmqErrorText());
  }
  return CurveKeyPair{pub, secret_key};
}

Status SaveCurveKeyFile(const std::string& path, const CurveKeyPair& keys) {
  nlohmann::json j = {{"public_key", keys.public_key}, {"secret_key", keys.secret_key}};
  Status s = WriteFileAtomically(path, {j.dump(2) + "\n"}, /*mode=*/0600);
  if (!s.ok()) return s.WithContext("CURVE key file '" + path + "'");
  return s;
}

Result<CurveKeyPair> LoadCurveKeyFile(const std::string& path) {
  auto corrupt = [&](const std::string& what) {
    return Status::Corruption("CURVE key file '" + path + "': " + what);
  };
  auto text = ReadFileBytes(path);
  if (!text.ok()) {
    if (text.status().code() == Status::Code::kNotFound) {
      return Status::NotFound("CURVE key file '" + path + "' does not exist");
    }
    return text.status().WithContext("CURVE key file '" + path + "'");
  }
  if (text->size() > kMaxKeyFileBytes) {
    return corrupt("larger than " + std::to_string(kMaxKeyFileBytes) +
                   " bytes; not a key pair file");
  }
  if (JsonDeeperThan(text->view(), kMaxJsonFileDepth)) return corrupt("JSON nested too deep");
  nlohmann::json j = nlohmann::json::parse(text->view(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return corrupt("not valid JSON");
  if (!j.is_object()) return corrupt("expected a JSON object");
  for (const char* field : {"public_key", "secret_key"}) {
    auto it = j.find(field);
    if (it == j.end()) return corrupt(std::string("missing field '") + field + "'");
    if (!it->is_string() || !IsCurveKey(it->get<std::string>())) {
      return corrupt(std::string("field '") + field + "' must be 40 characters of Z85");
    }
  }
  auto pair = CurveKeyPair::FromSecret(j["secret_key"].get<std::string>());
  if (!pair.ok()) return corrupt("secret_key: " + pair.status().message());
  if (pair->public_key != j["public_key"].get<std::string>()) {
    return corrupt("public_key is not the public key of secret_key");
  }
  return pair;
}

Status MakeCurveServer(zmq::socket_t& socket, const CurveKeyPair& own) {
  try {
    socket.set(zmq::sockopt::curve_server, true);
    socket.set(zmq::sockopt::curve_secretkey, own.secret_key);
    socket.set(zmq::sockopt::zap_domain, kCurveZapDomain);
  } catch (const zmq::error_t& e) {
    return Status::InvalidArgument(std::string("making a CURVE server socket: ") + e.what());
  }
  const int on = 1;
  if (zmq_setsockopt(socket.handle(), kZapEnforceDomain, &on, sizeof on) != 0) {
    return Status::FailedPrecondition(
        "this libzmq cannot enforce a ZAP domain (ZMQ_ZAP_ENFORCE_DOMAIN): " + ZmqErrorText());
  }
  return Status::Ok();
}

Status MakeCurveClient(zmq::socket_t& socket, const CurveKeyPair& own,
                       const std::string& server_public_key) {
  if (!IsCurveKey(server_public_key)) {
    return Status::InvalidArgument("the server's CURVE public key is not 40 characters of Z85");
  }
  try {
    socket.set(zmq::sockopt::curve_serverkey, server_public_key);
    socket.set(zmq::sockopt::curve_publickey, own.public_key);
    socket.set(zmq::sockopt::curve_secretkey, own.secret_key);
  } catch (const zmq::error_t& e) {
    return Status::InvalidArgument(std::string("making a CURVE client socket: ") + e.what());
  }
  return Status::Ok();
}

}  // namespace veritrain
