#include "scenarios/runner/thread_log.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/sink.h>
#include <spdlog/spdlog.h>

#include <mutex>
#include <vector>

namespace veritrain {
namespace {

thread_local std::shared_ptr<spdlog::sinks::sink> t_target;

// Sends each message to the calling thread's target, or to the sinks the
// default logger had before.
class RoutingSink : public spdlog::sinks::sink {
 public:
  explicit RoutingSink(std::vector<spdlog::sink_ptr> fallback) : fallback_(std::move(fallback)) {}

  void log(const spdlog::details::log_msg& msg) override {
    if (t_target) {
      t_target->log(msg);
      return;
    }
    for (auto& s : fallback_) {
      if (s->should_log(msg.level)) s->log(msg);
    }
  }
  void flush() override {
    if (t_target) t_target->flush();
    for (auto& s : fallback_) s->flush();
  }
  void set_pattern(const std::string& pattern) override {
    for (auto& s : fallback_) s->set_pattern(pattern);
  }
  void set_formatter(std::unique_ptr<spdlog::formatter> formatter) override {
    for (auto& s : fallback_) s->set_formatter(formatter->clone());
  }

 private:
  std::vector<spdlog::sink_ptr> fallback_;
};

// A file sink whose messages can be switched off from another thread.
class MutableSink : public spdlog::sinks::sink {
 public:
  MutableSink(std::shared_ptr<spdlog::sinks::sink> inner, std::shared_ptr<std::atomic<bool>> muted)
      : inner_(std::move(inner)), muted_(std::move(muted)) {}
  void log(const spdlog::details::log_msg& msg) override {
    if (!muted_->load(std::memory_order_relaxed)) inner_->log(msg);
  }
  void flush() override { inner_->flush(); }
  void set_pattern(const std::string& pattern) override { inner_->set_pattern(pattern); }
  void set_formatter(std::unique_ptr<spdlog::formatter> f) override {
    inner_->set_formatter(std::move(f));
  }

 private:
  std::shared_ptr<spdlog::sinks::sink> inner_;
  std::shared_ptr<std::atomic<bool>> muted_;
};

}  // namespace

void InstallThreadLogRouting() {
  static std::once_flag once;
  std::call_once(once, [] {
    auto logger = spdlog::default_logger();
    auto routing = std::make_shared<RoutingSink>(logger->sinks());
    logger->sinks().assign(1, routing);
  });
}

ScopedThreadLog::ScopedThreadLog(const std::string& path, const std::string& label) {
  previous_ = t_target;
  try {
    auto sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(path, /*truncate=*/false);
    sink->set_pattern("%H:%M:%S.%e [" + label + "] %l %v");
    sink_ = std::make_shared<MutableSink>(std::move(sink), muted_);
    t_target = sink_;
  } catch (const std::exception&) {
    sink_.reset();
  }
}

ScopedThreadLog::~ScopedThreadLog() {
  // A flush that fails (the results folder's disk is full) throws; from a
  // destructor that would end the process. The log is then cut short, and
  // the run's own error says why.
  if (sink_) {
    try {
      sink_->flush();
    } catch (const std::exception&) {
    }
  }
  t_target = previous_;
}

}  // namespace veritrain
