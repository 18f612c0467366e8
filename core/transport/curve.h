// CURVE keys: ZeroMQ's CurveZMQ encryption and authentication of a
// connection (RFC 26), the key pair each participant holds for it, the file
// that stores one, and the socket options that make a socket a CURVE server
// or client.
//
// A CURVE key is 32 bytes, written as 40 characters of Z85 (ZeroMQ's
// base-85 text). These keys are not the Ed25519 identities that sign
// messages (core/crypto/identity.h): CURVE protects a connection (encrypts
// every frame; the server learns the client's public key and, with a ZAP
// handler, admits only known ones), signatures protect a message end to end.
//
// Key pair file (JSON, mode 0600), e.g. keys/solver-1.curve:
//   {"public_key": "<40 Z85>", "secret_key": "<40 Z85>"}
//
// Thread-safety: CurveKeyPair is a value; the free functions may be called
// concurrently (each socket function on a socket only its caller uses).
#pragma once

#include <string>

#include <zmq.hpp>

#include "core/util/status.h"

namespace veritrain {

// The ZAP domain CURVE servers put in their ZAP requests (zap_handler.h).
inline constexpr const char* kCurveZapDomain = "veritrain";

struct CurveKeyPair {
  std::string public_key;  // 40 Z85 characters
  std::string secret_key;  // 40 Z85 characters

  // A fresh key pair from libzmq (libsodium's CSPRNG). FailedPrecondition
  // when this libzmq was built without CURVE.
  static Result<CurveKeyPair> Generate();
  // The pair of a secret key: its public key derived by libzmq.
  // InvalidArgument unless `secret_key` is 40 characters of valid Z85.
  static Result<CurveKeyPair> FromSecret(const std::string& secret_key);
};

// True when `key` is 40 characters of valid Z85 (a 32-byte CURVE key).
bool IsCurveKey(const std::string& key);

// Whether this libzmq supports CURVE (zmq_has("curve")).
bool CurveAvailable();

// Writes the key pair file at `path` crash-safely with mode 0600. IOError
// names the file.
Status SaveCurveKeyFile(const std::string& path, const CurveKeyPair& keys);

// Reads a key pair file. NotFound naming the file when it does not exist;
// Corruption naming the file and the field when it is not the JSON above, a
// key is not 40 characters of Z85, or public_key is not secret_key's.
Result<CurveKeyPair> LoadCurveKeyFile(const std::string& path);

// Makes `socket` a CURVE server with `own`'s secret key, asking the ZAP
// handler of its context (domain kCurveZapDomain) about every client, and
// refusing every client when no handler is bound (ZMQ_ZAP_ENFORCE_DOMAIN).
// REQUIRES: called before the socket binds.
Status MakeCurveServer(zmq::socket_t& socket, const CurveKeyPair& own);

// Makes `socket` a CURVE client with key pair `own`, accepting only a
// server whose public key is `server_public_key`.
// REQUIRES: called before the socket connects.
Status MakeCurveClient(zmq::socket_t& socket, const CurveKeyPair& own,
                       const std::string& server_public_key);

}  // namespace veritrain
