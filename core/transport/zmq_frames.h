// Moving multipart messages between ZeroMQ sockets and veritrain's Bytes
// frames, without copying frame bytes: sent frames hand ZeroMQ a reference
// to the Bytes buffer; received frames keep the zmq::message_t alive inside
// the Bytes they return.
//
// Thread-safety: a zmq::socket_t must only be used by one thread.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "core/util/bytes.h"
#include "core/util/status.h"
#include "core/wire/message.h"

namespace veritrain {

// Sends `frames` as one multipart message. For a ROUTER socket pass the
// peer's routing id; it goes first. Never blocks: a full queue is
// Unavailable.
Status SendFrames(zmq::socket_t& socket, const std::vector<Bytes>& frames,
                  const std::string* routing_id = nullptr);

struct ReceivedFrames {
  std::string routing_id;  // ROUTER sockets only
  std::vector<Bytes> frames;
};

// Receives one whole multipart message; nullopt-like NotFound status when
// none is waiting (non-blocking). For ROUTER sockets the first frame is
// taken as the routing id. `max_frames` bounds how many parts are kept;
// extra parts are drained and the message reported as too large.
Result<ReceivedFrames> RecvFrames(zmq::socket_t& socket, bool router,
                                  size_t max_frames);

// Applies veritrain's socket defaults: linger 0, ZMQ_MAXMSGSIZE =
// limits.max_frame_bytes on every inbound frame (ZeroMQ drops the
// connection of a peer that sends a larger one), high water marks suited to
// checkpoint streaming, and for a ROUTER mandatory routing (a reply to a
// peer that is not connected, or whose queue is full, is a send error
// rather than a silent drop). Every socket a role opens goes through this.
void ConfigureSocket(zmq::socket_t& socket, const WireLimits& limits = WireLimits{});

// zmq::poll that treats an interrupted system call (a signal, e.g.
// SIGCHLD) as "nothing ready" instead of throwing. Returns the number of
// ready items (0 on timeout or interruption); other failures are errors.
Result<int> PollSockets(zmq::pollitem_t* items, size_t count,
                        std::chrono::milliseconds timeout);

// Binds and returns the actual endpoint (resolves tcp "*" ports).
Result<std::string> BindSocket(zmq::socket_t& socket, const std::string& endpoint);

}  // namespace veritrain
