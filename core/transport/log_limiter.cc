#include "core/transport/log_limiter.h"

namespace veritrain {

LogLimiter::Decision LogLimiter::Note(const std::string& kind, int64_t now_ms) {
  Kind& k = kinds_[kind];
  ++k.count;
  Decision d;
  if (k.count <= burst_) {
    d.log = true;
    if (k.count == burst_) k.last_summary_ms = now_ms;  // the period starts now
    return d;
  }
  ++k.unlogged;
  if (now_ms - k.last_summary_ms >= period_ms_) {
    d.unlogged = k.unlogged;
    k.unlogged = 0;
    k.last_summary_ms = now_ms;
  }
  return d;
}

int64_t LogLimiter::count(const std::string& kind) const {
  auto it = kinds_.find(kind);
  return it == kinds_.end() ? 0 : it->second.count;
}

}  // namespace veritrain
