#include "scenarios/check/clock_check.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace veritrain {
namespace {

// ⌈log_n(count)⌉ for n >= 2: the dissection rounds over `count` items.
int64_t Rounds(int64_t count, int64_t arity) {
  int64_t rounds = 0;
  for (int64_t span = 1; span < count; span *= std::max<int64_t>(2, arity)) ++rounds;
  return rounds;
}

std::string Seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.3g s", s);
  return buf;
}

// A warning when `need` is over half of `have`: "<at>: <what> takes about
// <need> on this machine, over half of its <have>: <risk>. Give it at least
// <4 × need>."
void WarnIfTight(const std::string& at, const std::string& what, double need, double have,
                 const std::string& risk, std::vector<std::string>* out) {
  if (need <= have / 2) return;
  out->push_back(at + ": " + what + " takes about " + Seconds(need) +
                 " on this machine (one step measured by check), over half of its " +
                 Seconds(have) + ": " + risk + ". Give it at least " +
                 Seconds(std::ceil(4 * need)) + ".");
}

}  // namespace

int64_t DisputeMoves(const Scenario& sc, int64_t game_nodes) {
  return 1 + Rounds(sc.protocol.checkpoint_interval, sc.protocol.arity) +
         Rounds(game_nodes, sc.protocol.arity);
}

std::vector<std::string> ClockErrors(const Scenario& sc, const JobFacts& facts) {
  std::vector<std::string> out;
  const int64_t moves = DisputeMoves(sc, facts.graph.value("game_nodes", int64_t{1}));
  const double floor = static_cast<double>(moves) * kMinMoveSeconds;
  if (sc.protocol.game_clock_s < floor) {
    out.push_back("/protocol/game/clock_s: " + Seconds(sc.protocol.game_clock_s) +
                  " cannot hold a party's " + std::to_string(moves) +
                  " moves in a dispute (arity " + std::to_string(sc.protocol.arity) +
                  ", interval " + std::to_string(sc.protocol.checkpoint_interval) +
                  " steps, " + std::to_string(facts.graph.value("game_nodes", int64_t{1})) +
                  " game nodes): each move crosses processes, at least " +
                  Seconds(kMinMoveSeconds) +
                  " on any machine, so an honest solver would lose every game on time and a "
                  "false challenge would win. Give the game at least " + Seconds(floor) +
                  " (the presets give 20 to 60 s)");
  }
  return out;
}

std::vector<std::string> ClockWarnings(const Scenario& sc, const JobFacts& facts) {
  std::vector<std::string> out;
  const double step = facts.step_seconds;
  if (step <= 0) return out;
  const auto k = static_cast<double>(sc.protocol.checkpoint_interval);
  const bool verified = !sc.verifiers().empty() || sc.market;
  if (verified) {
    const int64_t moves = DisputeMoves(sc, facts.graph.value("game_nodes", int64_t{1}));
    // The disputed interval re-executed to name its sub-ranges' states, and
    // one step node by node, besides the moves themselves.
    const double need = (k + 1) * step + static_cast<double>(moves) * kMinMoveSeconds;
    WarnIfTight("/protocol/game/clock_s",
                "an honest solver's side of a dispute (re-executing the " +
                    std::to_string(sc.protocol.checkpoint_interval) +
                    "-step interval and one step node by node, and its moves)",
                need, sc.protocol.game_clock_s,
                "it can lose a game on time, and a false challenge win", &out);
  }
  const double steps = k * static_cast<double>(sc.intervals());
  WarnIfTight("/protocol/deadlines/training_s",
              "training the task's " + std::to_string(static_cast<int64_t>(steps)) + " steps",
              steps * step, sc.protocol.training_deadline_s,
              "an honest solver can miss the deadline and be slashed as timed out", &out);
  const int64_t checked =
      verified ? std::min(sc.intervals(), sc.protocol.top_q + sc.protocol.random_samples) : 0;
  if (verified) {
    WarnIfTight("/protocol/deadlines/verification_s",
                "re-executing the " + std::to_string(checked) + " interval(s) a verifier checks",
                static_cast<double>(checked) * k * step, sc.protocol.verification_deadline_s,
                "an honest verifier can miss the deadline and lose its fee or stake", &out);
  }
  // The whole run: every task trained, then verified (verifiers work side
  // by side), after the roles have started.
  const double tasks = static_cast<double>(sc.tasks);
  WarnIfTight("/timeout_s",
              "starting the roles (at least " + Seconds(kMinRunSeconds) + "), training the " +
                  std::to_string(sc.tasks) + " task(s) and re-executing what a verifier checks",
              kMinRunSeconds + tasks * (steps + static_cast<double>(checked) * k) * step,
              sc.timeout_s, "the runner can stop the run unfinished, with no summary", &out);
  return out;
}

}  // namespace veritrain
