#include "core/protocol/event_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <utility>

#include "core/util/json_depth.h"

namespace veritrain {

namespace {

using json = nlohmann::json;

std::string ErrnoText() { return std::strerror(errno); }

// The line object without "hash".
json BodyObject(const Event& e) {
  return json{{"seq", e.seq},   {"time_ms", e.time_ms}, {"type", e.type},
              {"task", e.task}, {"data", e.data},       {"prev", e.prev.Hex()}};
}

// nlohmann throws on invalid UTF-8 when dumping; that becomes a value here.
Result<std::string> Dump(const json& j) {
  try {
    return j.dump();
  } catch (const json::exception& ex) {
    return Status::InvalidArgument(std::string("cannot encode JSON: ") +
                                   ex.what());
  }
}

// Finds a non-finite number in j; returns its JSON pointer or "".
std::string FindNonFinite(const json& j, const std::string& at) {
  if (j.is_number_float() && !std::isfinite(j.get<double>())) {
    return at.empty() ? "/" : at;
  }
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      std::string bad = FindNonFinite(it.value(), at + "/" + it.key());
      if (!bad.empty()) return bad;
    }
  } else if (j.is_array()) {
    for (size_t i = 0; i < j.size(); ++i) {
      std::string bad = FindNonFinite(j[i], at + "/" + std::to_string(i));
      if (!bad.empty()) return bad;
    }
  }
  return "";
}

Result<Digest> HashOf(const Event& e) {
  VT_ASSIGN_OR_RETURN(std::string body, Dump(BodyObject(e)));
  return Sha256Of(body);
}

// Decodes one parsed line into an Event and checks its own hash; linking to
// the previous line is the caller's job. Messages name the field.
Result<Event> DecodeLine(const json& j) {
  if (!j.is_object()) return Status::Corruption("not a JSON object");
  static const char* const kFields[] = {"seq",  "time_ms", "type", "task",
                                        "data", "prev",    "hash"};
  for (const char* f : kFields) {
    if (!j.contains(f)) {
      return Status::Corruption(std::string("missing field '") + f + "'");
    }
  }
  if (j.size() != std::size(kFields)) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      bool known = false;
      for (const char* f : kFields) known = known || it.key() == f;
      if (!known) {
        return Status::Corruption("unexpected field '" + it.key() + "'");
      }
    }
  }
  Event e;
  const json& seq = j["seq"];
  if (!seq.is_number_unsigned()) {
    return Status::Corruption("field 'seq' is not a non-negative integer");
  }
  e.seq = seq.get<uint64_t>();
  const json& t = j["time_ms"];
  if (!t.is_number_integer() ||
      (t.is_number_unsigned() &&
       t.get<uint64_t>() >
           static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))) {
    return Status::Corruption("field 'time_ms' is not an int64");
  }
  e.time_ms = t.get<int64_t>();
  if (!j["type"].is_string()) {
    return Status::Corruption("field 'type' is not a string");
  }
  e.type = j["type"].get<std::string>();
  if (!j["task"].is_string()) {
    return Status::Corruption("field 'task' is not a string");
  }
  e.task = j["task"].get<std::string>();
  if (!j["data"].is_object()) {
    return Status::Corruption("field 'data' is not an object");
  }
  e.data = j["data"];
  for (const char* f : {"prev", "hash"}) {
    const json& h = j[f];
    std::optional<Digest> d;
    if (h.is_string()) d = Digest::FromHex(h.get<std::string>());
    if (!d) {
      return Status::Corruption(std::string("field '") + f +
                                "' is not 64 hex characters");
    }
    (std::string(f) == "prev" ? e.prev : e.hash) = *d;
  }
  // Hash the object as read, minus "hash": the same canonical dump the
  // writer hashed.
  json body = j;
  body.erase("hash");
  VT_ASSIGN_OR_RETURN(std::string dumped, Dump(body));
  const Digest actual = Sha256Of(dumped);
  if (actual != e.hash) {
    return Status::Corruption("hash " + e.hash.Hex() +
                              " does not match the line's contents (" +
                              actual.Hex() + ")");
  }
  return e;
}

// Checks that e continues a chain of `count` events ending in `prev`.
Status CheckLink(const Event& e, uint64_t count, const Digest& prev) {
  if (e.seq != count) {
    return Status::Corruption("seq is " + std::to_string(e.seq) +
                              ", expected " + std::to_string(count));
  }
  if (e.prev != prev) {
    return Status::Corruption("prev " + e.prev.Hex() +
                              " does not match the previous hash " +
                              prev.Hex());
  }
  return Status::Ok();
}

Status WriteAll(int fd, const std::string& s) {
  size_t done = 0;
  while (done < s.size()) {
    const ssize_t n = ::write(fd, s.data() + done, s.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::IOError(ErrnoText());
    }
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

}  // namespace

EventLog::EventLog(std::string path, const Clock* clock, bool durable)
    : path_(std::move(path)), clock_(clock), durable_(durable) {}

EventLog::EventLog(EventLog&& other) noexcept
    : path_(std::move(other.path_)),
      clock_(other.clock_),
      durable_(other.durable_),
      fd_(std::exchange(other.fd_, -1)),
      failed_(std::move(other.failed_)),
      size_(other.size_),
      last_time_ms_(other.last_time_ms_),
      head_(other.head_),
      events_(std::move(other.events_)) {}

EventLog& EventLog::operator=(EventLog&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    path_ = std::move(other.path_);
    clock_ = other.clock_;
    durable_ = other.durable_;
    fd_ = std::exchange(other.fd_, -1);
    failed_ = std::move(other.failed_);
    size_ = other.size_;
    last_time_ms_ = other.last_time_ms_;
    head_ = other.head_;
    events_ = std::move(other.events_);
  }
  return *this;
}

EventLog::~EventLog() {
  if (fd_ >= 0) ::close(fd_);
}

Result<EventLog> EventLog::Open(const std::string& path, const Clock* clock,
                                bool durable) {
  if (clock == nullptr) {
    return Status::InvalidArgument("event log " + path + ": clock is null");
  }
  EventLog log(path, clock, durable);
  if (path.empty()) return log;

  auto existing = ReadEventLog(path);
  if (existing.ok()) {
    log.size_ = existing->size();
    if (!existing->empty()) log.head_ = existing->back().hash;
  } else if (existing.status().code() != Status::Code::kNotFound) {
    return existing.status().WithContext("cannot append to event log");
  }
  log.fd_ =
      ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (log.fd_ < 0) {
    return Status::IOError("cannot open event log " + path + ": " +
                           ErrnoText());
  }
  return log;
}

Result<Digest> EventLog::Append(const std::string& type,
                                const std::string& task,
                                const nlohmann::json& data) {
  const std::string where = "event log " + (path_.empty() ? "(memory)" : path_);
  if (!failed_.empty()) {
    return Status::FailedPrecondition(where + ": an earlier write failed (" +
                                      failed_ + ")");
  }
  if (type.empty()) {
    return Status::InvalidArgument(where + ": event type is empty");
  }
  if (!data.is_null() && !data.is_object()) {
    return Status::InvalidArgument(where + ": data of event '" + type +
                                   "' is not a JSON object");
  }
  const std::string bad = FindNonFinite(data, "");
  if (!bad.empty()) {
    return Status::InvalidArgument(where + ": data of event '" + type +
                                   "' has a non-finite number at " + bad);
  }
  Event e;
  e.seq = size_;
  e.time_ms = clock_->NowMs();
  e.type = type;
  e.task = task;
  e.data = data.is_null() ? json::object() : data;
  e.prev = head();
  auto hash = HashOf(e);
  if (!hash.ok()) {
    return hash.status().WithContext(where + ": event '" + type + "'");
  }
  e.hash = *hash;
  if (fd_ >= 0) {
    VT_ASSIGN_OR_RETURN(std::string line, EventToLine(e));
    line.push_back('\n');
    Status s = WriteAll(fd_, line);
    if (s.ok() && durable_ && ::fdatasync(fd_) != 0) {
      s = Status::IOError("fdatasync: " + ErrnoText());
    }
    if (!s.ok()) {
      failed_ = s.message();
      return s.WithContext(where);
    }
  }
  head_ = e.hash;
  last_time_ms_ = e.time_ms;
  ++size_;
  if (fd_ < 0) events_.push_back(std::move(e));
  return head_;
}

Result<std::string> EventToLine(const Event& e) {
  json j = BodyObject(e);
  j["hash"] = e.hash.Hex();
  return Dump(j);
}

Result<std::vector<Event>> ParseEventLog(std::string_view text,
                                         const std::string& name) {
  std::vector<Event> events;
  Digest prev{};
  size_t start = 0;
  uint64_t line_no = 0;
  while (start < text.size()) {
    ++line_no;
    const std::string where = name + " line " + std::to_string(line_no);
    const size_t end = text.find('\n', start);
    if (end == std::string_view::npos) {
      return Status::Corruption(where + ": truncated last line");
    }
    const std::string_view line = text.substr(start, end - start);
    start = end + 1;
    if (JsonDeeperThan(line, kMaxJsonFileDepth)) {
      return Status::Corruption(where + ": JSON nested deeper than " +
                                std::to_string(kMaxJsonFileDepth) + " levels");
    }
    json j = json::parse(line.begin(), line.end(), nullptr,
                         /*allow_exceptions=*/false);
    if (j.is_discarded()) {
      return Status::Corruption(where + ": not valid JSON");
    }
    auto e = DecodeLine(j);
    if (!e.ok()) return e.status().WithContext(where);
    // The writer only writes canonical dumps; anything else (spaces,
    // reordered or duplicated keys) was edited after the fact.
    VT_ASSIGN_OR_RETURN(std::string canonical, Dump(j));
    if (canonical != line) {
      return Status::Corruption(where + ": not in canonical form");
    }
    VT_RETURN_IF_ERROR(CheckLink(*e, events.size(), prev).WithContext(where));
    prev = e->hash;
    events.push_back(std::move(e).value());
  }
  return events;
}

Result<std::vector<Event>> ReadEventLog(const std::string& path) {
  struct stat st {};
  // A directory opens as a stream that reads nothing, which would pass for
  // an empty log.
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    return Status::IOError("event log " + path + " is a directory, not a file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (::access(path.c_str(), F_OK) != 0 && errno == ENOENT) {
      return Status::NotFound("event log " + path + " does not exist");
    }
    return Status::IOError("cannot open event log " + path + ": " +
                           ErrnoText());
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) {
    return Status::IOError("cannot read event log " + path);
  }
  return ParseEventLog(buf.str(), path);
}

Status VerifyEvents(const std::vector<Event>& events) {
  Digest prev{};
  for (size_t i = 0; i < events.size(); ++i) {
    const Event& e = events[i];
    const std::string where = "event seq " + std::to_string(e.seq);
    VT_RETURN_IF_ERROR(CheckLink(e, i, prev).WithContext(where));
    auto h = HashOf(e);
    if (!h.ok()) return Status::Corruption(where + ": " + h.status().message());
    if (*h != e.hash) {
      return Status::Corruption(where + ": hash " + e.hash.Hex() +
                                " does not match its contents (" + h->Hex() +
                                ")");
    }
    prev = e.hash;
  }
  return Status::Ok();
}

}  // namespace veritrain
