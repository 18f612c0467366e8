// ZapHandler: the ZeroMQ authentication (ZAP, RFC 27) handler of one
// zmq::context_t, admitting a CURVE client only when its public key is on
// an allow-list (the run's participants).
//
// A CURVE server socket (curve.h, MakeCurveServer) asks the handler bound at
// inproc://zeromq.zap.01 on its own context about every client that
// completes the CURVE hello: a request carries the ZAP domain, the peer's
// address, the mechanism and the client's 32-byte public key. The handler
// answers "200" with the participant's name as user id when the key is
// listed, and "400" otherwise — also for any mechanism other than CURVE and
// for a malformed request. Every refusal is counted and logged (spdlog,
// warning) with the peer's address and key. Without a handler libzmq would
// admit any key, so every CURVE server also enforces the ZAP domain: with no
// handler bound it admits nobody.
//
// The handler runs on its own thread, which owns the REP socket and ends
// when the ZapHandler is destroyed (a message on an inproc PAIR wakes it; no
// timeouts, no sleeps).
//
// REQUIRES: at most one handler per context (the second cannot bind); the
// handler is started before the context's CURVE server sockets bind and
// destroyed after they are closed, and before the context is closed.
// Thread-safety: the counters may be read from any thread.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include <zmq.hpp>

#include "core/transport/log_limiter.h"

#include "core/util/status.h"

namespace veritrain {

// The address every ZAP handler binds (RFC 27).
inline constexpr const char* kZapEndpoint = "inproc://zeromq.zap.01";

class ZapHandler {
 public:
  // Binds the handler on `ctx` and starts its thread. `allowed` maps each
  // admitted CURVE public key (40 Z85 characters) to the participant's
  // name. InvalidArgument naming the participant for a malformed key;
  // Unavailable when a handler is already bound on `ctx`.
  static Result<std::unique_ptr<ZapHandler>> Start(
      zmq::context_t& ctx, const std::map<std::string, std::string>& allowed);

  // Stops the thread and waits for it to end.
  ~ZapHandler();
  ZapHandler(const ZapHandler&) = delete;
  ZapHandler& operator=(const ZapHandler&) = delete;

  // Connections refused / admitted so far.
  int64_t denials() const { return denials_.load(); }
  int64_t admissions() const { return admissions_.load(); }

 private:
  ZapHandler(zmq::context_t& ctx, std::map<std::string, std::string> allowed);
  void Loop();
  // The reply frames to one request (RFC 27: version, request id, status
  // code, status text, user id, metadata).
  std::vector<zmq::message_t> Answer(const std::vector<zmq::message_t>& request);

  // Raw 32-byte public key -> participant name.
  std::map<std::string, std::string> allowed_;
  LogLimiter log_limiter_;  // what refusals write to the log; used by the thread
  zmq::socket_t requests_;  // REP at kZapEndpoint; used by the thread
  zmq::socket_t stop_rx_;   // PAIR; used by the thread
  zmq::socket_t stop_tx_;   // PAIR; used by the destructor
  std::atomic<int64_t> denials_{0};
  std::atomic<int64_t> admissions_{0};
  std::thread thread_;
};

}  // namespace veritrain
