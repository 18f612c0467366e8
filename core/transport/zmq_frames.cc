#include "core/transport/zmq_frames.h"

#include <cerrno>

#include "core/util/freed_pages.h"

namespace veritrain {
namespace {

void FreeBytes(void* /*data*/, void* hint) { delete static_cast<Bytes*>(hint); }

}  // namespace

Status SendFrames(zmq::socket_t& socket, const std::vector<Bytes>& frames,
                  const std::string* routing_id) {
  try {
    const size_t n = frames.size();
    if (routing_id != nullptr) {
      zmq::message_t id(routing_id->data(), routing_id->size());
      if (!socket.send(id, zmq::send_flags::sndmore | zmq::send_flags::dontwait)) {
        return Status::Unavailable("send queue full");
      }
    }
    for (size_t i = 0; i < n; ++i) {
      auto* keep = new Bytes(frames[i]);
      zmq::message_t msg(const_cast<uint8_t*>(keep->data()), keep->size(),
                         &FreeBytes, keep);
      auto flags = zmq::send_flags::dontwait;
      if (i + 1 < n) flags = flags | zmq::send_flags::sndmore;
      if (!socket.send(msg, flags)) return Status::Unavailable("send queue full");
    }
    return Status::Ok();
  } catch (const zmq::error_t& e) {
    if (e.num() == EHOSTUNREACH) {
      return Status::Unavailable("zmq send: the peer is not connected (" +
                                 std::string(e.what()) + ")");
    }
    return Status::Unavailable(std::string("zmq send: ") + e.what());
  }
}

Result<ReceivedFrames> RecvFrames(zmq::socket_t& socket, bool router,
                                  size_t max_frames) {
  ReceivedFrames out;
  try {
    bool first = true;
    bool too_many = false;
    while (true) {
      // A large frame freed while a computation needs the room gives its
      // pages back at once (core/util/freed_pages.h).
      std::shared_ptr<zmq::message_t> msg(new zmq::message_t(), [](zmq::message_t* m) {
        ReturnFramePagesIfAsked(m->data(), m->size());
        delete m;
      });
      auto got = socket.recv(*msg, first ? zmq::recv_flags::dontwait
                                         : zmq::recv_flags::none);
      if (!got) {
        if (first) return Status::NotFound("no message waiting");
        return Status::Corruption("multipart message ended early");
      }
      bool more = msg->more();
      if (first && router) {
        out.routing_id.assign(static_cast<const char*>(msg->data()), msg->size());
      } else if (out.frames.size() < max_frames) {
        const void* data = msg->data();
        size_t size = msg->size();
        out.frames.push_back(Bytes::Borrow(std::move(msg), data, size));
      } else {
        too_many = true;  // keep draining so the socket stays in sync
      }
      first = false;
      if (!more) break;
    }
    if (too_many) {
      return Status::InvalidArgument("too_many_frames: message has more than " +
                                     std::to_string(max_frames) + " frames");
    }
    return out;
  } catch (const zmq::error_t& e) {
    return Status::Unavailable(std::string("zmq recv: ") + e.what());
  }
}

void ConfigureSocket(zmq::socket_t& socket, const WireLimits& limits) {
  socket.set(zmq::sockopt::linger, 0);
  socket.set(zmq::sockopt::maxmsgsize, limits.max_frame_bytes);
  socket.set(zmq::sockopt::sndhwm, 100000);
  socket.set(zmq::sockopt::rcvhwm, 100000);
  // A ROUTER drops a message silently when the peer is not connected or
  // its queue is full; mandatory routing makes either a send error, which
  // the caller logs (a lost reply is retried by the peer, but a drop
  // should not go unseen).
  if (socket.get(zmq::sockopt::type) == ZMQ_ROUTER) {
    socket.set(zmq::sockopt::router_mandatory, true);
  }
}

Result<int> PollSockets(zmq::pollitem_t* items, size_t count,
                        std::chrono::milliseconds timeout) {
  try {
    return zmq::poll(items, count, timeout);
  } catch (const zmq::error_t& e) {
    if (e.num() == EINTR) return 0;
    return Status::Internal(std::string("zmq poll: ") + e.what());
  }
}

Result<std::string> BindSocket(zmq::socket_t& socket, const std::string& endpoint) {
  try {
    socket.bind(endpoint);
    return socket.get(zmq::sockopt::last_endpoint);
  } catch (const zmq::error_t& e) {
    return Status::Unavailable("cannot bind " + endpoint + ": " + e.what());
  }
}

}  // namespace veritrain
