// MarketSpec: the "market" block of a scenario (docs/market.md) — a pool of
// solvers and verifiers given by counts, over a stream of tasks.
//
// A market scenario has no "participants": ExpandMarket generates them from
// the pool (entry "honest" with count 12 gives "honest-01" … "honest-12"),
// so that everything that works on participants (keys, role configs, the
// behaviour checks, in-process admission) works on a market unchanged. The
// checks here are the ones only a market has; ExpandMarket reports each
// with the path of the field at fault and why.
//
// Thread-safety: plain values; the free functions are thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace veritrain {

struct ScenarioError;

// An adaptive strategy: switch between the entry's behaviour and `to`.
struct MarketAdapt {
  std::string to;
  nlohmann::json params = nlohmann::json::object();
  int64_t window = 10;
  int64_t margin = 0;
};

// The litepaper's whistleblower: out of the market until fewer than
// `join_below` other active verifiers are honest; leaves once it has made
// `leave_above` tokens of profit since joining.
struct MarketWhistleblower {
  int64_t join_below = 1;
  int64_t leave_above = 1;
};

// One kind of participant of the pool.
struct MarketEntry {
  std::string name;  // prefix of the generated names
  std::string role;  // "solver" | "verifier"
  int64_t count = 1;
  std::string behaviour = "honest";
  nlohmann::json params = nlohmann::json::object();
  int64_t funds = 0;  // at genesis (economics.participant_funds when not given)
  std::optional<MarketAdapt> adapt;
  std::optional<MarketWhistleblower> whistleblower;

  // The generated participant names, in order.
  std::vector<std::string> Names() const;
};

// A variant of the scenario's job in the task stream.
struct MarketJob {
  int64_t weight = 1;
  int64_t steps = 0;
  int64_t reward = 0;
  // Market time it occupies its solver and drawn verifiers (the mean when
  // the service is exponential); only read with an arrival rate.
  double service_time = 1;
};

// The market clock (docs/market.md, "The market clock"): tasks arrive in a
// Poisson process of `rate` tasks per unit of market time, each occupying
// its solver and drawn verifiers for its job's service time.
struct MarketArrivals {
  double rate = 1;
  std::string service = "fixed";  // "fixed" | "exponential"
  // A task that has waited this long without starting is lost; none: it
  // waits until it can start.
  std::optional<double> max_wait;
};

struct MarketSpec {
  std::vector<MarketEntry> entries;  // solvers first, then verifiers, in file order
  std::string assignment = "random";  // "random" | "stake" | "reputation"
  // Never empty once parsed: without "jobs", one variant of weight 1 with
  // the scenario's steps and economics.reward.
  std::vector<MarketJob> jobs;
  // Without "arrival_rate": none, and tasks run one at a time.
  std::optional<MarketArrivals> arrivals;

  // REQUIRES: `resolved` passed ExpandMarket without errors.
  static MarketSpec FromResolved(const nlohmann::json& resolved);
};

// Replaces a resolved scenario's (defaults filled in) "market" pool by
// generated "participants" (each with the entry's behaviour, params and
// profile) and "genesis_funds" {participant: funds}, and checks what the
// schema cannot: no "participants", "crashes" or "disk_faults" beside a
// market; known behaviours and a different one to adapt to; whistleblowers
// only among verifiers; unique valid names; verifiers_per_task between 1
// and the verifier pool; one hardware profile for all solvers (the arbiter
// rules in it); funds that cover the entry's stake; job variants whose steps
// are multiples of checkpoint_interval; money that fits the ledger and
// submitter funds that pay every task; an arrival rate, service times and
// max_wait that are finite and positive (max_wait: not negative), and none
// of service, service_time or max_wait without an arrival rate. Returns every error found (empty:
// the document is expanded). A document without "market" is left as is.
// When expanded and `origins` is given, it receives the path of the entry
// that generated each participant ("/market/verifiers/0"), in order: the
// place to name in an error about a generated participant.
std::vector<ScenarioError> ExpandMarket(nlohmann::json* resolved,
                                        std::vector<std::string>* origins = nullptr);

}  // namespace veritrain
