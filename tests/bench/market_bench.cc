// A market at scale (issue: the network, not one task): BM_Market/tasks:N
// runs N synthetic tasks through a market of 50 participants — 10 solvers
// (8 honest, 2 that skip half their steps) and 40 verifiers (30 honest and
// 10 lazy, all adaptive), 3 verifiers per task, forced errors at 10% —
// with every role a thread of this process over inproc:// (as the market
// presets run), through the real arbiter, ledger, verification and games.
// The run audits its ledger and replays its market from the event log; a
// failed audit, a supply not conserved or a market that does not replay
// fails the benchmark.
//
// BM_MarketBaseline/tasks:N runs the same N tasks with one honest solver
// and one honest verifier, in the same process and binary, so that
// ms_per_task of the two compares the market's cost per task with the
// protocol's own (one iteration each; the ratio is taken within one run).
//
// Counters: ms_per_task (wall time of the run / tasks), conserved (1 when
// the ledger audit passed and supply was conserved), lazy_share_final,
// solvers_out, switches, security_cost_per_task.
#include <benchmark/benchmark.h>

#include <chrono>
#include <string>

#include "scenarios/runner/run.h"
#include "scenarios/spec/scenario.h"
#include "tests/bench/bench_util.h"

namespace veritrain::bench {
namespace {

nlohmann::json Common(int64_t tasks) {
  return {{"format", "veritrain-scenario/1"},
          {"seed", 19},
          {"tasks", tasks},
          {"job",
           {{"name", "synthetic"},
            {"steps", 100},
            {"batch_size", 32},
            {"params", {{"optimizer", {{"name", "sgd"}, {"lr", 0.05}, {"momentum", 0.9}}}}}}},
          {"protocol",
           {{"checkpoint_interval", 20},
            {"mode", "exact"},
            {"top_q", 1},
            {"random_samples", 1},
            {"deadlines", {{"training_s", 120}, {"verification_s", 120}}}}},
          {"execution", {{"mode", "in-process"}}},
          {"timeout_s", 60 + 2 * tasks},
          {"expect", {{{"path", "/conservation"}, {"equals", true}},
                      {{"path", "/ledger_audit/ok"}, {"equals", true}}}}};
}

std::string MarketScenario(int64_t tasks) {
  nlohmann::json s = Common(tasks);
  s["name"] = "bench-market";
  s["economics"] = {{"reward", 500},
                    {"submitter_funds", 650 * tasks + 1000},
                    {"participant_funds", 5000},
                    {"jackpot_initial", 2000},
                    {"verifier_fee", 50},
                    {"solver_stake", 300},
                    {"verifier_stake", 200},
                    {"challenge_stake", 50},
                    {"slash_split", {{"winner_bps", 5000}, {"jackpot_bps", 3000}, {"burn_bps", 2000}}},
                    {"jackpot_tax_bps", 1000},
                    {"forced_error_rate", 0.1},
                    {"whistleblower_reward", 200},
                    {"slash_lazy", true},
                    {"verifiers_per_task", 3},
                    {"compute_cost_per_step", 1}};
  s["market"] = {
      {"assignment", "stake"},
      {"solvers",
       {{{"name", "solver"}, {"count", 8}},
        {{"name", "cheat"}, {"count", 2}, {"behaviour", "lazy"}, {"params", {{"fraction", 0.5}}}}}},
      {"verifiers",
       {{{"name", "honest"}, {"count", 30}, {"adapt", {{"to", "lazy-approve"}, {"window", 20}}}},
        {{"name", "lazy"},
         {"count", 10},
         {"behaviour", "lazy-approve"},
         {"adapt", {{"to", "honest"}, {"window", 20}}}}}}};
  return s.dump();
}

std::string BaselineScenario(int64_t tasks) {
  nlohmann::json s = Common(tasks);
  s["name"] = "bench-market-baseline";
  s["economics"] = {{"reward", 1}, {"submitter_funds", tasks}};
  s["participants"] = {{{"name", "solver-1"}, {"role", "solver"}},
                       {{"name", "verifier-1"}, {"role", "verifier"}}};
  return s.dump();
}

void RunOnce(benchmark::State& state, const std::string& text, bool market) {
  const int64_t tasks = state.range(0);
  auto scenario = ParseScenario(text, "bench-market");
  if (!Check(state, scenario.status())) return;
  for (auto _ : state) {
    ScratchDir dir;
    RunOptions options;
    options.out_dir = dir.path() + "/run";
    options.quiet = true;
    options.mode = ExecutionMode::kInProcess;
    const auto t0 = std::chrono::steady_clock::now();
    RunOutcome out = RunScenario(*scenario, options);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    state.SetIterationTime(seconds);
    if (out.exit_code != kRunOk) {
      state.SkipWithError(("the run failed: " + out.error).c_str());
      return;
    }
    const nlohmann::json& s = out.summary;
    state.counters["tasks"] = static_cast<double>(tasks);
    state.counters["ms_per_task"] = 1e3 * seconds / static_cast<double>(tasks);
    state.counters["conserved"] =
        s.value("conservation", false) && s["ledger_audit"].value("ok", false) ? 1 : 0;
    if (market) {
      const nlohmann::json& m = s["market"];
      state.counters["participants"] = static_cast<double>(m["participants"].size());
      state.counters["lazy_share_final"] =
          m["final"]["shares"]["verifier"].value("lazy-approve", 0.0);
      state.counters["solvers_out"] = m["final"]["out"]["solver"].get<double>();
      state.counters["switches"] = m["switches"].get<double>();
      state.counters["security_cost_per_task"] = m["security_cost"]["per_task"].get<double>();
    }
  }
}

void BM_Market(benchmark::State& state) { RunOnce(state, MarketScenario(state.range(0)), true); }
void BM_MarketBaseline(benchmark::State& state) {
  RunOnce(state, BaselineScenario(state.range(0)), false);
}

// 1,000 tasks × 50 participants (the figure); the smoke run in
// ctest uses 20.
BENCHMARK(BM_Market)->ArgName("tasks")->Arg(20)->Arg(1000)->UseManualTime()->Iterations(1)
    ->Repetitions(1)->Unit(benchmark::kSecond);
BENCHMARK(BM_MarketBaseline)->ArgName("tasks")->Arg(20)->Arg(1000)->UseManualTime()
    ->Iterations(1)->Repetitions(1)->Unit(benchmark::kSecond);

}  // namespace
}  // namespace veritrain::bench
