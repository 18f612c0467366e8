// RoleCurve: what a role needs to encrypt its connections with CURVE
// (curve.h) — its own key pair (read from its key file) and every
// participant's public key, from its role config (RoleCurveOf in
// core/role/role_config.h) — and the three things
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
#include "core/transport/zap_handler.h"
#include "core/util/status.h"

namespace veritrain {

class RoleCurve {
 public:
  // Role `name`'s keys: its key pair from `key_file`, every participant's
  // public key (Z85) and the arbiter's name. Errors name the key file
  // (missing or malformed), a participant whose public key is not Z85, or a
  // key file whose public key is not the one `public_keys` lists for `name`.
  static Result<RoleCurve> FromKeys(const std::string& name, const std::string& key_file,
                                    const std::map<std::string, std::string>& public_keys,
                                    const std::string& arbiter);

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
