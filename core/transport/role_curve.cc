#include "core/transport/role_curve.h"

namespace veritrain {

Result<RoleCurve> RoleCurve::FromKeys(const std::string& name, const std::string& key_file,
                                      const std::map<std::string, std::string>& public_keys,
                                      const std::string& arbiter) {
  RoleCurve c;
  VT_ASSIGN_OR_RETURN(c.own_, LoadCurveKeyFile(key_file));
  for (const auto& [participant, key] : public_keys) {
    if (!IsCurveKey(key)) {
      return Status::InvalidArgument("role config: the CURVE public key of '" + participant +
                                     "' is not 40 characters of Z85");
    }
  }
  auto listed = public_keys.find(name);
  if (listed == public_keys.end() || listed->second != c.own_.public_key) {
    return Status::InvalidArgument("role config: CURVE key file '" + key_file +
                                   "' is not the key the roster lists for '" + name + "'");
  }
  c.public_keys_ = public_keys;
  c.arbiter_ = arbiter;
  return c;
}

Result<std::unique_ptr<ZapHandler>> RoleCurve::StartZapHandler(zmq::context_t& ctx) const {
  std::map<std::string, std::string> allowed;
  for (const auto& [name, key] : public_keys_) allowed[key] = name;
  return ZapHandler::Start(ctx, allowed);
}

Status RoleCurve::SecureServer(zmq::socket_t& socket) const {
  return MakeCurveServer(socket, own_);
}

Status RoleCurve::SecureClientOf(zmq::socket_t& socket, const std::string& server) const {
  auto it = public_keys_.find(server);
  if (it == public_keys_.end()) {
    return Status::NotFound("no CURVE public key for '" + server + "' in the roster");
  }
  return MakeCurveClient(socket, own_, it->second);
}

}  // namespace veritrain
