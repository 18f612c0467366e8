#include "scenarios/check/scenario_warnings.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <utility>

#include "core/protocol/amount.h"
#include "core/transport/fault_plan.h"
#include "core/transport/retry_policy.h"
#include "scenarios/check/clock_check.h"
#include "scenarios/check/job_check.h"
#include "scenarios/check/job_graph.h"
#include "scenarios/runner/run.h"
#include "scenarios/sweep/sweep.h"

namespace veritrain {
namespace {

// How `v` differs from `s` in what decides the bits of a re-execution,
// e.g. "threads 2 against 1, deterministic false against true"; "" when it
// does not.
std::string BitDifferences(const ProfileSpec& v, const ProfileSpec& s) {
  std::string out;
  auto add = [&out](const std::string& what) { out += (out.empty() ? "" : ", ") + what; };
  if (v.threads != s.threads) {
    add("threads " + std::to_string(v.threads) + " against " + std::to_string(s.threads));
  }
  // (A dtype that differs is refused in exact mode: ParseScenario.)
  if (v.device != s.device) add("device " + v.device + " against " + s.device);
  if (!v.deterministic || !s.deterministic) {
    add(std::string("deterministic ") + (v.deterministic ? "true" : "false") + " against " +
        (s.deterministic ? "true" : "false"));
  }
  return out;
}

// How often the arbiter republishes its latest events (arbiter.cc's
// default): a party whose game_update was dropped sees it again this much
// later.
constexpr int64_t kRepublishMs = 500;

// The fewest rounds of a dispute: the challenge and the step dissection
// (the graph's rounds come on top; they need the job built).
int64_t FewestRounds(const Scenario& sc) {
  int64_t rounds = 1;
  for (int64_t span = 1; span < sc.protocol.checkpoint_interval; span *= sc.protocol.arity) {
    ++rounds;
  }
  return rounds;
}

// What the network faults can add to a party's `moves` moves, in ms: the
// expected delays and holds of the game_update on its way in and of the
// move on its way out, the expected waits after drops (for the republished
// update, and for the move's resends with their backoff), and on top one
// run of drops as long as a 1% chance over the game allows.
double LikelyAddedMs(const FaultPlan& f, const RetryPolicy& retry, int64_t moves) {
  double per_move = 2.0 * f.delay * static_cast<double>(f.max_delay_ms) +
                    2.0 * f.reorder * static_cast<double>(f.reorder_hold_ms);
  double run = 0;
  if (f.drop > 0) {
    const double target = 0.01 / static_cast<double>(moves);
    double chance = 1;
    for (int i = 1; i <= 64 && chance > target * 1e-6; ++i) {
      chance *= f.drop;  // i drops in a row
      const double wait = static_cast<double>(kRepublishMs + retry.BackoffMs(i));
      per_move += chance * wait;
      if (chance > target) run += wait;
    }
  }
  return static_cast<double>(moves) * per_move + run;
}

// A probability as written, e.g. "0.25".
std::string Rate(double r) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", r);
  return buf;
}

// The participants' funds at genesis, in all.
int64_t ParticipantFundsAtGenesis(const Scenario& scenario) {
  int64_t total = 0;
  const nlohmann::json genesis = scenario.resolved.value("genesis_funds", nlohmann::json());
  if (genesis.is_object()) {  // a market's, per participant
    for (const auto& [name, funds] : genesis.items()) {
      if (funds.is_number_integer()) total += funds.get<int64_t>();  // each ≤ 2^53, ≤ 1000
    }
    return total;
  }
  return static_cast<int64_t>(scenario.participants.size()) * scenario.economics.participant_funds;
}

// The most `field` can be: a token amount, with the genesis supply
// (submitter_funds, the participants' funds and jackpot_initial, as
// ScenarioSemantics bounds it) within TaskEconomics::kMaxAmount.
int64_t MostFundsCanBe(const Scenario& scenario, const std::string& field) {
  const EconomicsSpec& e = scenario.economics;
  const int64_t max = TaskEconomics::kMaxAmount;
  if (field == "participant_funds") {
    const int64_t n = std::max<int64_t>(1, static_cast<int64_t>(scenario.participants.size()));
    return std::max<int64_t>(0, (max - e.submitter_funds - e.jackpot_initial) / n);
  }
  return std::max<int64_t>(0, max - e.submitter_funds - ParticipantFundsAtGenesis(scenario));
}

// The advice that ends a funds warning: "Give <whom> at least N." when N
// is an amount `field` can be (MostFundsCanBe), else that no amount can be
// given, why, and what to lower instead. `needs` is none past int64.
std::string GiveAtLeast(const Scenario& scenario, const std::string& whom,
                        const std::string& field, std::optional<int64_t> needs,
                        const std::string& lower) {
  const int64_t most = MostFundsCanBe(scenario, field);
  if (needs && *needs <= most) return " Give " + whom + " at least " + std::to_string(*needs) + ".";
  return " That is more than " + field + " can be (at most " + std::to_string(most) +
         ", so that the genesis supply — submitter_funds, the participants' funds and "
         "jackpot_initial — stays within 2^53 - 1, the limit of every token amount): lower " +
         lower + " instead.";
}

// The jackpot at genesis against what one forced error may ask of it:
// each selected verifier's whistleblower reward and its fee for verifying
// the real trace; "" when it covers them.
std::string ForcedErrorFunding(const Scenario& scenario) {
  const TaskEconomics& e = scenario.economics.task;
  if (e.forced_error_rate <= 0 ||
      (e.whistleblower_reward == 0 && e.verifier_fee == 0)) {
    return "";
  }
  const int64_t pool = static_cast<int64_t>(scenario.verifiers().size());
  const int64_t selected =
      e.verifiers_per_task > 0 ? std::min(e.verifiers_per_task, pool) : pool;
  if (selected == 0) return "";
  // Each amount is at most 2^53 and `selected` at most a market's pool: an
  // overflow means far more than any jackpot holds.
  Result<Amount> need =
      Amount::Add(Amount(e.whistleblower_reward), Amount(e.verifier_fee));
  if (need.ok()) need = Amount::Mul(*need, selected);
  const int64_t jackpot = scenario.economics.jackpot_initial;
  if (need.ok() && need->value() <= jackpot) return "";
  const std::string needs =
      need.ok() ? std::to_string(need->value()) : "more than 2^63 - 1";
  // What each selected verifier may be owed, naming only what is paid.
  std::string owed;
  if (e.whistleblower_reward > 0) {
    owed = "the whistleblower_reward (" +
           std::to_string(e.whistleblower_reward) + ") for catching it";
  }
  if (e.verifier_fee > 0) {
    owed += std::string(owed.empty() ? "" : " and ") + "the verifier_fee (" +
            std::to_string(e.verifier_fee) + ") for verifying the real trace";
  }
  return "/economics/jackpot_initial: " + std::to_string(jackpot) +
         " cannot pay for one forced error (forced_error_rate " +
         Rate(e.forced_error_rate) + "): each of its " +
         std::to_string(selected) + " selected verifier(s) may be owed " +
         owed + ", paid from the jackpot, " + needs +
         " in all. Until the jackpot tax and slashed stakes fill it, what it "
         "cannot pay is not paid (summary: settlement whistleblower_paid, "
         "fees_unpaid)." +
         GiveAtLeast(scenario, "the jackpot", "jackpot_initial",
                     need.ok() ? std::optional<int64_t>(need->value()) : std::nullopt,
                     "the whistleblower_reward, the verifier_fee or verifiers_per_task");
}

// A party that stops answering a game (a "stall" behaviour, or a crash at
// "dispute" without restart) is ruled against only once its game clock
// runs out: each game it plays waits out protocol.game.clock_s. When the
// games it can play may wait out timeout_s, the runner may stop the run
// unfinished, with no summary. A warning, not an error: a game is played
// only when a challenge comes.
// Values that are valid but cannot do anything in this scenario: a reader
// of the file (or of a sweep over them) would think they did.
// A sweep that sets one of `fields` (or an object holding one) gives them
// other values at its points, whose own warnings are given there.
std::vector<std::string> NoEffectWarnings(const Scenario& scenario) {
  std::vector<std::string> out;
  std::vector<std::string> swept;
  if (scenario.resolved.contains("sweep")) {
    if (auto spec = SweepSpecOf(scenario); spec.ok()) {
      for (const SweepParameter& p : spec->parameters) swept.push_back(p.pointer);
    }
  }
  const auto varies = [&](std::initializer_list<const char*> fields) {
    for (const std::string& p : swept) {
      for (const std::string f : fields) {
        if (p == f || f.rfind(p + "/", 0) == 0 || p.rfind(f + "/", 0) == 0) return true;
      }
    }
    return false;
  };
  const TaskEconomics& econ = scenario.economics.task;
  if (econ.whistleblower_reward > 0 && econ.forced_error_rate == 0 && !scenario.market &&
      !varies({"/economics/forced_error_rate", "/economics/whistleblower_reward"})) {
    out.push_back("/economics/whistleblower_reward: " +
                  std::to_string(econ.whistleblower_reward) +
                  " is paid only for catching a forced error, and forced_error_rate is 0: it "
                  "is never paid. Give forced_error_rate, or leave the reward out.");
  }
  if (scenario.network.transport != "tcp" && scenario.network.host != "127.0.0.1" &&
      !varies({"/network/transport", "/network/host"})) {
    out.push_back("/network/host: \"" + scenario.network.host + "\" names where tcp endpoints "
                  "bind, and the transport is " + scenario.network.transport +
                  ": it is not used. Set network.transport to \"tcp\", or leave host out.");
  }
  const nlohmann::json& faults = scenario.network.faults;
  const auto rate = [&](const char* k) { return faults.value(k, 0.0); };
  if (faults.value("max_delay_ms", int64_t{200}) != 200 && rate("delay") == 0 &&
      !varies({"/network/faults/delay", "/network/faults/max_delay_ms"})) {
    out.push_back("/network/faults/max_delay_ms: delays only delayed messages, and "
                  "network.faults.delay is 0: no message is delayed. Give delay, or leave "
                  "max_delay_ms out.");
  }
  if (faults.value("reorder_hold_ms", int64_t{50}) != 50 && rate("reorder") == 0 &&
      !varies({"/network/faults/reorder", "/network/faults/reorder_hold_ms"})) {
    out.push_back("/network/faults/reorder_hold_ms: holds only reordered messages, and "
                  "network.faults.reorder is 0: no message is reordered. Give reorder, or "
                  "leave reorder_hold_ms out.");
  }
  // A lazy solver skipping each step with a probability below 1/T skips
  // none in most runs: its task is then the honest training, reported as
  // such, and the attack the file asks for does not happen.
  const int64_t steps = scenario.job.value("steps", int64_t{0});
  for (size_t i = 0; i < scenario.participants.size() && !scenario.market && steps > 0; ++i) {
    const ParticipantSpec& p = scenario.participants[i];
    if (p.role != "solver" || p.behaviour != "lazy" || !p.params.is_object()) continue;
    const nlohmann::json& f = p.params.contains("fraction") ? p.params["fraction"] : nlohmann::json();
    // Read without throwing: a sweep point's params are checked elsewhere.
    const nlohmann::json& pat = p.params.contains("pattern") ? p.params["pattern"] : nlohmann::json();
    const std::string pattern = pat.is_string() ? pat.get<std::string>() : std::string("random");
    const std::string at = "/participants/" + std::to_string(i) + "/params/fraction";
    if (!f.is_number() || pattern != "random" || f.get<double>() * static_cast<double>(steps) >= 1 ||
        varies({at.c_str(), "/job/steps"})) {
      continue;
    }
    char expected[32];
    std::snprintf(expected, sizeof(expected), "%.3g", f.get<double>() * static_cast<double>(steps));
    out.push_back(at + ": skips each of the " + std::to_string(steps) +
                  " steps with that probability, " + expected +
                  " steps expected: most runs skip none, and their trace is the honest "
                  "training (reported as such). Give at least 1/steps, or pattern \"tail\", "
                  "which skips ceil(fraction × steps) ≥ 1.");
  }
  return out;
}

std::vector<std::string> StalledGameWarnings(const Scenario& scenario) {
  std::vector<std::string> out;
  if (scenario.market) return out;
  const double clock = scenario.protocol.game_clock_s;
  for (const ParticipantSpec& p : scenario.participants) {
    const CrashSpec* crash = scenario.CrashOf(p.name);
    const bool crashes_at_dispute = crash != nullptr && crash->at == "dispute" && !crash->restart;
    if (p.behaviour != "stall" && !crashes_at_dispute) continue;
    // A stalling solver plays every task's games; a verifier, the games it
    // opens (at most one a task). A party that crashed for good plays one.
    const int64_t games = crashes_at_dispute ? 1 : scenario.tasks;
    const double wait = static_cast<double>(games) * clock;
    if (crashes_at_dispute && wait < scenario.timeout_s) {
      // Gone for good after a dispute in the first task, it leaves every
      // later task a deadline to wait out: a solver posts no trace; a
      // verifier the arbiter draws for every task posts no verdict.
      const int64_t per_task = scenario.economics.task.verifiers_per_task;
      const bool drawn_always =
          per_task == 0 || per_task >= static_cast<int64_t>(scenario.verifiers().size());
      const bool solver = p.role == "solver";
      if (scenario.tasks > 1 && (solver || drawn_always)) {
        const double deadline = solver ? scenario.protocol.training_deadline_s
                                       : scenario.protocol.verification_deadline_s;
        const double worst = clock + static_cast<double>(scenario.tasks - 1) * deadline;
        if (worst >= scenario.timeout_s) {
          char line[1024];
          std::snprintf(
              line, sizeof line,
              "/timeout_s: %s '%s' crashes in a dispute without restart: if that dispute comes "
              "in the first task, its game waits out protocol.game.clock_s = %g s and each of "
              "the %lld later tasks waits out %s = %g s for it (%s), %g s in all, which reaches "
              "timeout_s = %g s, when the runner stops the run unfinished with no summary. "
              "Raise timeout_s above %g s (with time for the run's own work), lower %s, or set "
              "the crash's restart.",
              p.role.c_str(), p.name.c_str(), clock,
              static_cast<long long>(scenario.tasks - 1),
              solver ? "protocol.deadlines.training_s" : "protocol.deadlines.verification_s",
              deadline, solver ? "it posts no trace" : "it is drawn for every task and posts no "
                                                       "verdict",
              worst, scenario.timeout_s, worst,
              solver ? "training_s" : "verification_s");
          out.push_back(line);
        }
      }
      continue;
    }
    if (wait < scenario.timeout_s) continue;
    char line[768];
    std::snprintf(
        line, sizeof line,
        "/timeout_s: %s '%s' %s, so a game it plays ends only when its clock, "
        "protocol.game.clock_s = %g s, runs out%s: %g s in all, which reaches timeout_s = %g s, "
        "when the runner stops the run unfinished with no summary. Raise timeout_s above "
        "%g s (with time for the run's own work) or lower clock_s.",
        p.role.c_str(), p.name.c_str(),
        crashes_at_dispute ? "crashes in a dispute without restart" : "stalls in disputes",
        clock,
        games > 1 ? (" (one game a task, over the run's " + std::to_string(games) + " tasks)")
                        .c_str()
                  : "",
        wait, scenario.timeout_s, wait);
    out.push_back(line);
  }
  return out;
}

}  // namespace

// The fewest honest first intervals per profile the calibration should see:
// a new one lands beyond the largest of n with probability 1/(n + 1), and
// the first interval's honest error is heavy-tailed, so below this many the
// margin is all that stands between an honest verifier and a false
// challenge more than 1 time in 50.
constexpr int64_t kFewestFirstIntervalSamples = 49;

// Calibrated δ across profiles that compute to other bits, from too few
// first intervals: "" when there is no such calibration.
std::string CalibrationSampleWarning(const Scenario& scenario) {
  const nlohmann::json& c = scenario.protocol.calibration;
  if (scenario.protocol.mode != "tolerance" || !c.is_object()) return "";
  const auto seeds = c.value("seeds", nlohmann::json::array());
  const auto extra = c.value("first_interval_seeds", nlohmann::json(64));
  if (!seeds.is_array() || !extra.is_number_integer()) return "";
  const int64_t n = static_cast<int64_t>(seeds.size()) + extra.get<int64_t>();
  if (n >= kFewestFirstIntervalSamples) return "";
  // Only profiles that compute to other bits than a solver's have an
  // honest error to sample.
  std::string differs;
  for (const auto& profile : c.value("profiles", nlohmann::json::array())) {
    if (!profile.is_object()) continue;
    ProfileSpec p;
    p.threads = profile.value("threads", 1);
    p.dtype = profile.value("dtype", std::string("float32"));
    p.deterministic = profile.value("deterministic", true);
    p.device = profile.value("device", std::string("cpu"));
    for (const ParticipantSpec* s : scenario.solvers()) {
      std::string d = BitDifferences(p, s->profile);
      if (p.dtype != s->profile.dtype) {
        d = "dtype " + p.dtype + " against " + s->profile.dtype + (d.empty() ? "" : ", ") + d;
      }
      if (!d.empty() && differs.empty()) differs = d + " (solver '" + s->name + "')";
    }
  }
  if (differs.empty()) return "";
  char rate[32];
  std::snprintf(rate, sizeof rate, "%.0f%%", 100.0 / static_cast<double>(n + 1));
  return "/protocol/calibration/first_interval_seeds: δ is calibrated across profiles that "
         "compute to other bits (" + differs + ") from " + std::to_string(n) +
         " honest first intervals per profile (seeds + first_interval_seeds); a new one lands "
         "beyond the largest of " + std::to_string(n) + " with probability 1/" +
         std::to_string(n + 1) + " (" + rate + ") and the first interval's honest error is "
         "heavy-tailed (under Adam, a parameter in its eps regime is one cause), so the margin alone keeps an honest verifier from "
         "challenging and losing its challenge stake. Give first_interval_seeds at least " +
         std::to_string(kFewestFirstIntervalSamples - static_cast<int64_t>(seeds.size())) +
         " (the default is 64).";
}

std::vector<std::string> ScenarioWarnings(const Scenario& scenario, bool measure_clocks) {
  std::vector<std::string> out;
  const TaskEconomics& e = scenario.economics.task;
  const int64_t needs = e.verifier_stake + e.challenge_stake;  // each <= 2^53
  if (!scenario.market && e.challenge_stake > 0 && !scenario.verifiers().empty() &&
      scenario.economics.participant_funds < needs) {
    out.push_back("/economics/participant_funds: " +
                  std::to_string(scenario.economics.participant_funds) +
                  " cannot lock a verifier's stake and a challenge stake (" +
                  std::to_string(e.verifier_stake) + " + " + std::to_string(e.challenge_stake) +
                  "): a selected verifier can never challenge (its challenge is taken as an "
                  "abstention), so a corrupt solver goes unchallenged." +
                  GiveAtLeast(scenario, "participants", "participant_funds", needs,
                              "verifier_stake or challenge_stake"));
  }
  if (!scenario.market && e.solver_stake > 0 && !scenario.solvers().empty() &&
      scenario.economics.participant_funds < e.solver_stake) {
    out.push_back("/economics/participant_funds: " +
                  std::to_string(scenario.economics.participant_funds) +
                  " cannot lock the solver's stake (" + std::to_string(e.solver_stake) +
                  "): the ledger refuses the transfer and the task runs without it, so a "
                  "solver caught cheating loses nothing and its challenger wins nothing." +
                  GiveAtLeast(scenario, "participants", "participant_funds", e.solver_stake,
                              "solver_stake"));
  }
  // A reward taxed whole: every accepted task pays its solver nothing, and
  // honest work runs at a loss of its compute cost.
  if (e.jackpot_tax_bps == 10000 && scenario.economics.reward > 0 && !scenario.solvers().empty()) {
    out.push_back("/economics/jackpot_tax_bps: 10000 sends every reward whole to the jackpot: an "
                  "honest solver earns nothing for an accepted task (its profit is minus its "
                  "compute cost), so no rational solver takes the task.");
  }
  // A known gap (docs/protocol.md, Limits): what a tolerance-mode
  // challenger fetches during a game is not demanded through the arbiter.
  for (const ParticipantSpec* s : scenario.solvers()) {
    const auto data = s->params.find("dispute_data");
    if (scenario.protocol.mode != "tolerance" || data == s->params.end() ||
        *data != "withhold") {
      continue;
    }
    out.push_back("/participants: solver '" + s->name +
                  "' withholds its states and node outputs from a tolerance-mode challenger "
                  "during a dispute (dispute_data \"withhold\"): the challenger then names "
                  "sub-ranges it could not check, and a corrupt solver can win the game, paid, "
                  "while the honest challenger loses its challenge stake. This is a known gap of "
                  "the protocol (docs/protocol.md, Limits): nothing demands that data through "
                  "the arbiter yet.");
  }
  for (const ParticipantSpec* s : scenario.solvers()) {
    const auto seed = s->params.find("source_data_seed");
    if (s->behaviour != "replay" || scenario.market || seed == s->params.end() ||
        !seed->is_number_integer() || (!seed->is_number_unsigned() && seed->get<int64_t>() < 0)) {
      continue;
    }
    for (int64_t i = 0; i < scenario.tasks; ++i) {
      const nlohmann::json job = TaskSpecForScenario(scenario, i).job;
      if (job.value("data_seed", uint64_t{0}) != seed->get<uint64_t>()) continue;
      out.push_back("/participants: solver '" + s->name + "' replays source_data_seed " +
                    std::to_string(seed->get<uint64_t>()) + ", the data seed of task " +
                    std::to_string(i) +
                    " itself: the replayed proof is that task's honest training, so the run "
                    "counts it as honest (a challenge is a false positive). To replay another "
                    "task's proof, give another seed or leave source_data_seed out.");
    }
  }
  auto faults = FaultPlan::FromJson(scenario.network.faults);
  auto retry = RetryPolicy::FromJson(scenario.network.retry);
  if (faults.ok() && retry.ok() && faults->any() && !scenario.verifiers().empty()) {
    const int64_t moves = FewestRounds(scenario);
    const double added_s = LikelyAddedMs(*faults, *retry, moves) / 1000.0;
    if (added_s > scenario.protocol.game_clock_s / 2) {
      char line[512];
      std::snprintf(line, sizeof line,
                    "/protocol/game/clock_s: the network faults can add about %.1f s to a "
                    "party's %lld moves in a dispute (at least; the graph's rounds add more), "
                    "over half of its %.1f s clock: an honest party can lose a game on time. "
                    "Give the game at least %.0f s, or fewer faults.",
                    added_s, static_cast<long long>(moves), scenario.protocol.game_clock_s,
                    std::ceil(4 * added_s));
      out.push_back(line);
    }
    // The same faults against the deadlines: the solver's trace is one
    // message, a verifier's round at least a checkpoint fetch and its
    // verdict. Late, an honest party is slashed for silence.
    for (const auto& [moves, deadline, path, who] :
         {std::make_tuple(int64_t{1}, scenario.protocol.training_deadline_s,
                          "/protocol/deadlines/training_s", "the solver's trace commitment"),
          std::make_tuple(int64_t{2}, scenario.protocol.verification_deadline_s,
                          "/protocol/deadlines/verification_s",
                          "a verifier's checkpoint fetch and verdict")}) {
      const double late_s = LikelyAddedMs(*faults, *retry, moves) / 1000.0;
      if (late_s <= deadline / 2) continue;
      char line[512];
      std::snprintf(line, sizeof line,
                    "%s: the network faults can add about %.1f s to %s, over half of the "
                    "%g s deadline: an honest party can miss it and be slashed for silence. "
                    "Give it at least %.0f s, or fewer faults.",
                    path, late_s, who, deadline, std::ceil(4 * late_s));
      out.push_back(line);
    }
  }
  if (retry.ok() && retry->heartbeat_ms == 0) {
    out.push_back("/network/retry/heartbeat_ms: 0 sends no heartbeats, so every participant "
                  "that computes for longer than silence_ms (" +
                  std::to_string(retry->silence_ms) +
                  " ms) without another message is logged as silent and listed in the "
                  "summary's silent_participants, honest or not. Give heartbeats below "
                  "silence_ms, or leave the default.");
  }
  if (std::string funding = ForcedErrorFunding(scenario); !funding.empty()) {
    out.push_back(funding);
  }
  for (std::string& w : StalledGameWarnings(scenario)) out.push_back(std::move(w));
  if (!scenario.network.curve.enabled && scenario.network.curve.keys != "generate") {
    out.push_back("/network/curve/keys: \"" + scenario.network.curve.keys +
                  "\" is given but CURVE is off (network.curve.enabled is false): the run is "
                  "neither encrypted nor authenticated, and the keys are not read. Set enabled "
                  "to true to use them, or leave keys out.");
  }
  for (std::string& w : NoEffectWarnings(scenario)) out.push_back(std::move(w));
  if (std::string few = CalibrationSampleWarning(scenario); !few.empty()) {
    out.push_back(std::move(few));
  }
  // The clocks against the job's measured step (built by the checks that
  // ran first; a job that cannot be built is their error, not a warning).
  if (auto config = ScenarioJobConfig(scenario); measure_clocks && config.ok()) {
    if (auto facts = JobFactsFor(*config); facts.ok()) {
      for (std::string& w : ClockWarnings(scenario, *facts)) out.push_back(std::move(w));
    }
  }
  if (scenario.protocol.mode != "exact") return out;
  struct Pair {
    std::string verifier, solver, differences;
    int64_t count = 0;
  };
  // Keyed by the two profiles, so that a market's many participants with
  // the same profiles give one line.
  std::map<std::pair<std::string, std::string>, Pair> pairs;
  std::vector<std::pair<std::string, std::string>> order;
  for (const ParticipantSpec* v : scenario.verifiers()) {
    for (const ParticipantSpec* s : scenario.solvers()) {
      const std::string differences = BitDifferences(v->profile, s->profile);
      if (differences.empty()) continue;
      const auto key = std::make_pair(v->profile.ToJson().dump(), s->profile.ToJson().dump());
      auto [it, added] = pairs.try_emplace(key, Pair{v->name, s->name, differences, 0});
      if (added) order.push_back(key);
      ++it->second.count;
    }
  }
  for (const auto& key : order) {
    const Pair& p = pairs[key];
    std::string who = "verifier '" + p.verifier + "' and solver '" + p.solver + "'";
    if (p.count > 1) who += " (and " + std::to_string(p.count - 1) + " more such pairs)";
    out.push_back("/protocol/mode: exact mode compares checkpoints bit for bit, and the profiles "
                  "of " + who + " differ (" + p.differences +
                  "): the verifier can re-execute an honest interval to other bits, challenge "
                  "an honest solver and lose its challenge stake; and it cannot win a dispute "
                  "against a cheating solver, since the game stops at the first node whose bits "
                  "the profiles change, where the solver computed right, so the cheat is paid. "
                  "Give them the same profile, or use tolerance mode.");
  }
  return out;
}

void PrintScenarioWarnings(const Scenario& scenario, const std::string& source,
                           std::ostream& out) {
  for (const std::string& w : ScenarioWarnings(scenario)) out << source << ": warning: " << w << "\n";
}

namespace {

// The file's warnings and its sweep's (SweepWarnings and SweepFileWarnings).
struct SweepWarningLines {
  std::vector<std::string> file;
  std::vector<std::string> points;
};

SweepWarningLines WarningsOfSweep(const Scenario& base) {
  SweepWarningLines out;
  out.file = ScenarioWarnings(base);
  auto spec = SweepSpecOf(base);
  if (!spec.ok() || !base.resolved.contains("sweep")) return out;
  const std::set<std::string> base_warnings(out.file.begin(), out.file.end());
  std::set<std::string> given_by_points;
  SweepSpec one = *spec;
  one.repetitions = 1;
  PointProblems warnings;
  for (const SweepRun& run : SweepRuns(one, base.seed)) {
    auto sc = SweepRunScenario(base, *spec, run);
    if (!sc.ok()) continue;
    for (const std::string& w : ScenarioWarnings(*sc)) {
      given_by_points.insert(w);
      if (base_warnings.count(w) == 0) warnings.Add(PointName(*spec, run), w);
    }
  }
  for (const auto& line : warnings.Lines()) out.points.push_back("/sweep: " + line);
  for (std::string& w : out.file) {
    if (given_by_points.count(w) == 0) {
      w += " (the file as `veritrain run` runs it: every point of its sweep overrides this, "
           "and no run of the sweep gets this warning)";
    }
  }
  return out;
}

}  // namespace

std::vector<std::string> SweepWarnings(const Scenario& base) {
  return WarningsOfSweep(base).points;
}

void PrintSweepWarnings(const Scenario& base, const std::string& source, std::ostream& out) {
  for (const std::string& w : SweepWarnings(base)) out << source << ": warning: " << w << "\n";
}

std::vector<std::string> SweepFileWarnings(const Scenario& base) {
  SweepWarningLines lines = WarningsOfSweep(base);
  lines.file.insert(lines.file.end(), lines.points.begin(), lines.points.end());
  return lines.file;
}

void PrintSweepFileWarnings(const Scenario& base, const std::string& source, std::ostream& out) {
  for (const std::string& w : SweepFileWarnings(base)) out << source << ": warning: " << w << "\n";
}

}  // namespace veritrain
