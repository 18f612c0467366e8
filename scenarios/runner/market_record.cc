#include "scenarios/runner/market_record.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>

#include "core/protocol/events.h"
#include "core/util/json_depth.h"
#include "scenarios/runner/money.h"

namespace veritrain {

Result<std::vector<Event>> EventTail::ReadNew() {
  const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IOError("cannot open " + path_ + ": " + std::strerror(errno));
  std::string text;
  char buf[1 << 16];
  off_t at = static_cast<off_t>(offset_);
  while (true) {
    const ssize_t n = ::pread(fd, buf, sizeof(buf), at);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return Status::IOError("cannot read " + path_ + ": " + std::strerror(err));
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
    at += n;
  }
  ::close(fd);
  std::vector<Event> out;
  size_t start = 0;
  for (size_t nl = text.find('\n'); nl != std::string::npos; nl = text.find('\n', start)) {
    ++line_;
    if (JsonDeeperThan(std::string_view(text).substr(start, nl - start), kMaxJsonFileDepth)) {
      return Status::Corruption(path_ + ": line " + std::to_string(line_) +
                                ": JSON nested deeper than " +
                                std::to_string(kMaxJsonFileDepth) + " levels");
    }
    const nlohmann::json j = nlohmann::json::parse(text.begin() + static_cast<ptrdiff_t>(start),
                                                   text.begin() + static_cast<ptrdiff_t>(nl),
                                                   nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("type") || !j["type"].is_string() ||
        !j.contains("task") || !j["task"].is_string() || !j.contains("data") ||
        !j["data"].is_object()) {
      return Status::Corruption(path_ + ": line " + std::to_string(line_) +
                                " is not an event");
    }
    Event e;
    e.type = j["type"].get<std::string>();
    e.task = j["task"].get<std::string>();
    e.data = j["data"];
    out.push_back(std::move(e));
    start = nl + 1;
  }
  offset_ += start;  // a partial last line is read again next time
  return out;
}

int64_t MarketTaskRecord::Profit(const std::string& participant) const {
  const auto f = flows.find(participant);
  const auto c = cost.find(participant);
  const int64_t flow = f == flows.end() ? 0 : f->second;
  const int64_t spent = c == cost.end() ? 0 : c->second;
  return SaturatingSub(flow, spent);
}

Result<MarketTaskRecord> MarketTaskFromEvents(const std::vector<Event>& events,
                                              const std::string& task) {
  MarketTaskRecord r;
  r.task = task;
  bool posted = false, settled = false, has_settlement = false;
  int64_t cost_per_step = 0, steps = 0;
  try {
    for (const Event& e : events) {
      if (e.task != task) continue;
      const nlohmann::json& d = e.data;
      if (e.type == TaskPostedEvent::kType) {
        posted = true;
        const nlohmann::json& spec = d.at("spec");
        r.solver = spec.at("solver").get<std::string>();
        steps = spec.at("steps").get<int64_t>();
        const nlohmann::json econ = spec.value("economics", nlohmann::json::object());
        cost_per_step = econ.value("compute_cost_per_step", int64_t{0});
        r.whistleblower_reward = econ.value("whistleblower_reward", int64_t{0});
      } else if (e.type == TraceCommittedEvent::kType) {
        const nlohmann::json training =
            d.at("body").value("training", nlohmann::json::object());
        r.solver_behaviour = training.value("behaviour", std::string());
        r.solver_steps = training.value("steps_computed", steps);
      } else if (e.type == RandomnessRevealedEvent::kType) {
        r.secret = Digest::FromHex(d.at("secret").get<std::string>());
      } else if (e.type == VerifiersSelectedEvent::kType) {
        // After a forced error the real trace draws its verifiers again:
        // every verifier of either trace took part.
        for (const auto& v : d.at("verifiers").get<std::vector<std::string>>()) {
          if (std::find(r.selected.begin(), r.selected.end(), v) == r.selected.end()) {
            r.selected.push_back(v);
          }
        }
      } else if (e.type == VerdictEvent::kType) {
        const nlohmann::json& body = d.at("body");
        // The verdict on a forced error's real trace adds its compute to
        // the one on the posted trace.
        MarketVerdict& v = r.verdicts[d.at("verifier").get<std::string>()];
        v.accept = body.value("accept", false);
        v.abstain = v.abstain || body.value("abstain", false);
        v.steps_reexecuted = SaturatingAdd(v.steps_reexecuted,
                                                 body.value("steps_reexecuted", int64_t{0}));
      } else if (e.type == TransferEvent::kType) {
        const std::string from = d.at("from").get<std::string>();
        const std::string to = d.at("to").get<std::string>();
        const int64_t amount = d.at("amount").get<int64_t>();
        if (!IsSystemAccount(from)) r.flows[from] -= amount;
        if (!IsSystemAccount(to)) r.flows[to] += amount;
        if (d.value("reason", std::string()) == "verifier fee") r.fees_paid += amount;
      } else if (e.type == ForcedErrorSettlementEvent::kType) {
        // The verifiers' part of a forced error, settled at its reveal.
        r.forced_round = true;
        r.forced_round_unjudged = !ForcedRoundJudged(d);
        r.caught = d.value("caught", std::vector<std::string>());
        r.lazy = d.value("lazy", std::vector<std::string>());
        r.whistleblower_paid = d.value("whistleblower_paid", int64_t{0});
      } else if (e.type == SettlementEvent::kType) {
        has_settlement = true;
        r.forced_error = d.value("forced_error", false);
        for (const auto& v : d.value("caught", std::vector<std::string>())) r.caught.push_back(v);
        for (const auto& v : d.value("lazy", std::vector<std::string>())) r.lazy.push_back(v);
        r.tax = d.value("tax", int64_t{0});
        r.whistleblower_paid += d.value("whistleblower_paid", int64_t{0});
        r.fees_unpaid = d.value("fees_unpaid", int64_t{0});
        r.jackpot = d.at("jackpot").get<int64_t>();
      } else if (e.type == TaskSettledEvent::kType) {
        settled = true;
        r.outcome = d.at("outcome").get<std::string>();
        for (const auto& [name, amount] : d.at("balances").items()) {
          r.balances[name] = amount.get<int64_t>();
        }
      }
    }
  } catch (const nlohmann::json::exception& e) {
    return Status::InvalidArgument("the events of " + task + " lack a field: " + e.what());
  }
  if (!posted) return Status::InvalidArgument("no task_posted event for " + task);
  if (!settled || !has_settlement) {
    return Status::InvalidArgument(task + " has not settled in the events read");
  }
  r.cost[r.solver] = SaturatingMul(r.solver_steps, cost_per_step);
  for (const auto& [name, v] : r.verdicts) {
    int64_t& c = r.cost[name];
    c = SaturatingAdd(c, SaturatingMul(v.steps_reexecuted, cost_per_step));
  }
  return r;
}

}  // namespace veritrain
