// RoleCurve: what a role needs to encrypt its connections with CURVE
// (curve.h), taken from its RoleConfig — its own key pair (read from
// curve_key_file) and every participant's public key — and the three things
// a role does with it: start the ZAP handler that admits exactly those keys
// (zap_handler.h), make a socket it binds a CURVE server, and make a socket
// it connects to a named participant a CURVE client that accepts only that
// participant's key.
//
// Which sockets: the arbiter's request ROUTER and event PUB and the
// solver's checkpoint ROUTER are servers; ArbiterLink's DEALER and SUB, the
// verifier's DEALER to the solver and the runner's own DEALER and SUB are
// clients. The verifier binds nothing and so needs no ZAP handler.
//
// Thread-safety: a value; const methods may be called concurrently (each on
// a socket only its caller uses).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include <zmq.hpp>

#include "core/transport/curve.h"
#include "core/transport/role_config.h"
#include "core/transport/zap_handler.h"
#include "core/util/status.h"

namespace veritrain {

class RoleCurve {
 public:
  // nullopt when `config` has CURVE off. Errors name the key file (missing
  // or malformed), a participant whose public key is not Z85, or a key file
  // whose public key is not the one the roster lists for this role.
  static Result<std::optional<RoleCurve>> FromConfig(const RoleConfig& config);

  // Binds a ZAP handler on `ctx` admitting every participant's key.
  // REQUIRES: before any server socket of `ctx` binds; see zap_handler.h.
  Result<std::unique_ptr<ZapHandler>> StartZapHandler(zmq::context_t& ctx) const;

  // REQUIRES: before the socket binds.
  Status SecureServer(zmq::socket_t& socket) const;
  // Makes `socket` a client of participant `server`. NotFound when `server`
  // has no CURVE key in the roster.
  // REQUIRES: before the socket connects.
  Status SecureClientOf(zmq::socket_t& socket, const std::string& server) const;

  const std::string& arbiter() const { return arbiter_; }
  const CurveKeyPair& own() const { return own_; }

 private:
  CurveKeyPair own_;
  std::map<std::string, std::string> public_keys_;  // name -> Z85
  std::string arbiter_;
};

}  // namespace veritrain
