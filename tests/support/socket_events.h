// Waiting for a ZeroMQ socket's connection events (zmq_socket_monitor) in
// tests: a CURVE handshake that succeeded, or failed for authentication,
// without sleeping — the monitor's PAIR socket is polled with a bound.
//
// SocketEvents attaches a monitor to a socket and reads its events in
// order. Attach it before the socket connects or binds, so that no event is
// missed. Header-only, for the unit and integration tests.
//
// Thread-safety: one thread uses the SocketEvents and its socket.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>

#include <zmq.hpp>

namespace veritrain::test_support {

class SocketEvents {
 public:
  // Monitors every event of `socket`.
  SocketEvents(zmq::context_t& ctx, zmq::socket_t& socket)
      : endpoint_("inproc://test-monitor-" +
                  std::to_string(reinterpret_cast<uintptr_t>(socket.handle()))),
        monitor_(ctx, zmq::socket_type::pair) {
    if (zmq_socket_monitor(socket.handle(), endpoint_.c_str(), ZMQ_EVENT_ALL) != 0) {
      throw zmq::error_t();
    }
    monitor_.set(zmq::sockopt::linger, 0);
    monitor_.connect(endpoint_);
  }

  // Reads events until one in the mask `wanted` arrives (returned) or
  // `timeout` passes (0). Events outside `wanted` are counted and skipped.
  int WaitFor(int wanted, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return 0;
      zmq::pollitem_t items[] = {{monitor_.handle(), 0, ZMQ_POLLIN, 0}};
      zmq::poll(items, 1, left);
      if (!(items[0].revents & ZMQ_POLLIN)) continue;
      // Frame 1: a 16-bit event and a 32-bit value; frame 2: the endpoint.
      zmq::message_t event, address;
      if (!monitor_.recv(event) || !monitor_.recv(address)) continue;
      uint16_t id = 0;
      std::memcpy(&id, event.data(), sizeof id);
      if (id & wanted) return id;
      ++skipped_;
    }
  }

  int skipped() const { return skipped_; }

 private:
  std::string endpoint_;
  zmq::socket_t monitor_;
  int skipped_ = 0;
};

}  // namespace veritrain::test_support
