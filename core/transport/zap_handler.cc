#include "core/transport/zap_handler.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include <array>
#include <cstdio>
#include <zmq_addon.hpp>

#include "core/transport/curve.h"

namespace veritrain {
namespace {

constexpr const char* kZapVersion = "1.0";
constexpr size_t kCurveKeyBytes = 32;

std::string Text(const zmq::message_t& m) { return m.to_string(); }

// A raw 32-byte key as Z85, for the log; anything else as its length.
std::string KeyText(const std::string& raw) {
  if (raw.empty()) return "(none)";
  if (raw.size() != kCurveKeyBytes) return "(" + std::to_string(raw.size()) + " bytes)";
  std::array<char, 41> z85{};
  zmq_z85_encode(z85.data(), reinterpret_cast<const uint8_t*>(raw.data()), raw.size());
  return z85.data();
}

}  // namespace

Result<std::unique_ptr<ZapHandler>> ZapHandler::Start(
    zmq::context_t& ctx, const std::map<std::string, std::string>& allowed) {
  std::map<std::string, std::string> raw;
  for (const auto& [key, name] : allowed) {
    std::array<uint8_t, kCurveKeyBytes> bytes{};
    if (!IsCurveKey(key) || zmq_z85_decode(bytes.data(), key.c_str()) == nullptr) {
      return Status::InvalidArgument("the CURVE public key of '" + name +
                                     "' is not 40 characters of Z85");
    }
    raw[std::string(bytes.begin(), bytes.end())] = name;
  }
  std::unique_ptr<ZapHandler> h(new ZapHandler(ctx, std::move(raw)));
  try {
    h->requests_.bind(kZapEndpoint);
    char stop[64];
    std::snprintf(stop, sizeof(stop), "inproc://veritrain-zap-stop-%p",
                  static_cast<void*>(h.get()));
    h->stop_rx_.bind(stop);
    h->stop_tx_.connect(stop);
  } catch (const zmq::error_t& e) {
    return Status::Unavailable(std::string("cannot bind the ZAP handler at ") + kZapEndpoint +
                               " (is another one bound on this context?): " + e.what());
  }
  // The sockets pass to the thread here; thread creation orders the
  // memory, as ZeroMQ requires for a socket that changes threads.
  h->thread_ = std::thread([p = h.get()] { p->Loop(); });
  return h;
}

ZapHandler::ZapHandler(zmq::context_t& ctx, std::map<std::string, std::string> allowed)
    : allowed_(std::move(allowed)),
      requests_(ctx, zmq::socket_type::rep),
      stop_rx_(ctx, zmq::socket_type::pair),
      stop_tx_(ctx, zmq::socket_type::pair) {
  requests_.set(zmq::sockopt::linger, 0);
  stop_rx_.set(zmq::sockopt::linger, 0);
  stop_tx_.set(zmq::sockopt::linger, 0);
}

ZapHandler::~ZapHandler() {
  if (!thread_.joinable()) return;
  try {
    stop_tx_.send(zmq::str_buffer("stop"), zmq::send_flags::none);
  } catch (const zmq::error_t&) {
    // Only a terminated context fails here, and that has already ended
    // the thread's poll.
  }
  thread_.join();
}

void ZapHandler::Loop() {
  while (true) {
    try {
      zmq::pollitem_t items[] = {{requests_.handle(), 0, ZMQ_POLLIN, 0},
                                 {stop_rx_.handle(), 0, ZMQ_POLLIN, 0}};
      zmq::poll(items, 2, std::chrono::milliseconds(-1));
      if (items[1].revents & ZMQ_POLLIN) break;
      if (!(items[0].revents & ZMQ_POLLIN)) continue;
      std::vector<zmq::message_t> request;
      if (!zmq::recv_multipart(requests_, std::back_inserter(request),
                               zmq::recv_flags::dontwait)) {
        continue;
      }
      zmq::send_multipart(requests_, Answer(request));
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR) continue;  // a signal; nothing was lost
      // ETERM: the context is closing, so nobody is left to ask.
      if (e.num() != ETERM) spdlog::error("ZAP handler stopped: {}", e.what());
      break;
    }
  }
  requests_.close();
  stop_rx_.close();
}

std::vector<zmq::message_t> ZapHandler::Answer(const std::vector<zmq::message_t>& request) {
  // RFC 27 request: version, request id, domain, address, identity,
  // mechanism, then the mechanism's credentials (CURVE: the client's key).
  const std::string request_id = request.size() > 1 ? Text(request[1]) : "";
  const std::string address = request.size() > 3 ? Text(request[3]) : "";
  const std::string mechanism = request.size() > 5 ? Text(request[5]) : "";
  const std::string key = request.size() > 6 ? Text(request[6]) : "";
  std::string refusal;
  std::string user;
  if (request.size() < 6 || Text(request[0]) != kZapVersion) {
    refusal = "malformed ZAP request";
  } else if (mechanism != "CURVE") {
    refusal = "mechanism " + mechanism + " is not admitted (CURVE only)";
  } else if (request.size() != 7 || key.size() != kCurveKeyBytes) {
    refusal = "malformed CURVE credentials";
  } else if (auto it = allowed_.find(key); it == allowed_.end()) {
    refusal = "key not in the roster";
  } else {
    user = it->second;
  }
  std::vector<zmq::message_t> reply;
  reply.emplace_back(std::string(kZapVersion));
  reply.emplace_back(request_id);
  if (refusal.empty()) {
    admissions_.fetch_add(1);
    reply.emplace_back(std::string("200"));
    reply.emplace_back(std::string("OK"));
  } else {
    // Counted before the reply goes out: once the client learns of its
    // refusal, the count includes it.
    const int64_t denied = denials_.fetch_add(1) + 1;
    // A refused client retries every 100 ms: the first refusals of a key
    // are logged in full, then one count per period.
    const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::steady_clock::now().time_since_epoch())
                               .count();
    const LogLimiter::Decision d = log_limiter_.Note(KeyText(key), now_ms);
    if (d.log) {
      spdlog::warn("ZAP: refused a connection from {}, key {}: {}",
                   address.empty() ? std::string("(no address)") : address, KeyText(key),
                   refusal);
    } else if (d.unlogged > 0) {
      spdlog::warn("ZAP: refused {} more connections of key {} without logging each ({} "
                   "denials in all)",
                   d.unlogged, KeyText(key), denied);
    }
    reply.emplace_back(std::string("400"));
    reply.emplace_back(refusal);
  }
  reply.emplace_back(user);
  reply.emplace_back();  // no metadata
  return reply;
}

}  // namespace veritrain
