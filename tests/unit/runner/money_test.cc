// The money figures of a run, derived from its event log: profit per task
// (ledger flows minus compute cost), jackpot, forced errors, lazy verifiers,
// slashing, and balances.csv with one row per transfer whose balances add
// up to the supply.
#include "scenarios/runner/money.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <iterator>
#include <limits>
#include <sstream>

#include "core/protocol/participant_name.h"
#include "core/protocol/settlement.h"
#include "scenarios/runner/summary.h"

namespace veritrain {
namespace {

Event Ev(const std::string& type, const std::string& task,
         nlohmann::json data) {
  Event e;
  e.type = type;
  e.task = task;
  e.data = std::move(data);
  return e;
}

int64_t seq = 0;
Event T(const std::string& task, const std::string& from, const std::string& to,
        int64_t amount, const std::string& reason) {
  return Ev("transfer", task,
            {{"seq", seq++},
             {"from", from},
             {"to", to},
             {"amount", amount},
             {"reason", reason},
             {"task", task}});
}

// One task with a forced error: the honest verifier h catches it, the lazy
// one l approved it and is slashed.
std::vector<Event> ForcedErrorStory() {
  seq = 0;
  const std::string k = "task-0001";
  nlohmann::json spec = {{"job", {{"name", "synthetic"}}},
                         {"steps", 40},
                         {"checkpoint_interval", 10},
                         {"mode", "exact"},
                         {"solver", "s"},
                         {"reward", 100}};
  auto verdict = [](bool accept, int64_t steps) {
    return nlohmann::json{{"accept", accept},
                          {"steps_reexecuted", steps},
                          {"intervals", nlohmann::json::array()}};
  };
  // The forced error's posted trace: h catches it, l approves it; the
  // verifiers' part is settled at the reveal.
  nlohmann::json forced_round = {{"caught", {"h"}},
                                 {"lazy", {"l"}},
                                 {"silent", nlohmann::json::array()},
                                 {"slashed",
                                  {{{"owner", "l"},
                                    {"amount", 50},
                                    {"winner", "h"},
                                    {"to_winner", 25},
                                    {"to_jackpot", 15},
                                    {"burned", 10}}}},
                                 {"selected", {"h", "l"}},
                                 {"trace_root", "aa"}};
  // The real trace: accepted by both; the solver is paid, and both
  // verifiers their fee from the jackpot.
  nlohmann::json settlement = {{"outcome", "accepted"},
                               {"forced_error", true},
                               {"caught", nlohmann::json::array()},
                               {"lazy", nlohmann::json::array()},
                               {"silent", nlohmann::json::array()},
                               {"jackpot", 10},
                               {"fees_from_jackpot", 20},
                               {"fees_unpaid", 0},
                               {"slashed", nlohmann::json::array()},
                               {"forced_round", forced_round},
                               {"selected", {"h", "l"}},
                               {"economics", {{"compute_cost_per_step", 2}}}};
  return {
      T("", "mint", "submitter", 1000, "genesis"),
      T("", "mint", "s", 100, "genesis"),
      T("", "mint", "h", 100, "genesis"),
      T("", "mint", "l", 100, "genesis"),
      T("", "mint", "jackpot", 40, "genesis"),
      Ev("task_posted", k, {{"spec", spec}}),
      T(k, "submitter", "escrow/" + k, 120, "escrow"),
      Ev("verifiers_selected", k, {{"verifiers", {"h", "l"}}}),
      T(k, "l", "stake/" + k + "/l", 50, "verifier stake"),
      Ev("trace_committed", k,
         {{"body", {{"trace_root", "aa"}, {"training", {{"steps_computed", 40}}}}}}),
      Ev("verdict", k, {{"verifier", "h"}, {"body", verdict(false, 20)}}),
      Ev("verdict", k, {{"verifier", "l"}, {"body", verdict(true, 0)}}),
      T(k, "escrow/" + k, "h", 10, "verifier fee"),
      T(k, "escrow/" + k, "l", 10, "verifier fee"),
      T(k, "stake/" + k + "/l", "h", 25, "slash"),
      T(k, "stake/" + k + "/l", "jackpot", 15, "slash"),
      T(k, "stake/" + k + "/l", "burn", 10, "slash"),
      T(k, "jackpot", "h", 25, "whistleblower reward"),
      Ev("forced_error_settlement", k, forced_round),
      Ev("forced_error_revealed", k, {{"forced", true}, {"deadline_ms", 100}}),
      Ev("real_trace_revealed", k,
         {{"opens", true}, {"body", {{"trace_root", "bb"}, {"final_state_hash", "cc"}}}}),
      Ev("verifiers_selected", k, {{"verifiers", {"h", "l"}}}),
      T(k, "l", "stake/" + k + "/l", 50, "verifier stake"),
      Ev("verdict", k, {{"verifier", "h"}, {"body", verdict(true, 20)}}),
      Ev("verdict", k, {{"verifier", "l"}, {"body", verdict(true, 0)}}),
      T(k, "escrow/" + k, "s", 100, "pay reward"),
      T(k, "jackpot", "h", 10, "verifier fee (real trace): from the jackpot"),
      T(k, "jackpot", "l", 10, "verifier fee (real trace): from the jackpot"),
      T(k, "stake/" + k + "/l", "l", 50, "return verifier stake"),
      Ev("settlement", k, settlement),
      Ev("task_settled", k,
         {{"outcome", "accepted"}, {"balances", nlohmann::json::object()}}),
      Ev("shutdown", "", {{"conservation", true}})};
}

// A solver restarted after committing trained the task again: the steps it
// says it computed in all (solver_recomputed) are its compute, and cost.
TEST(Money, ASolverThatTrainedAgainAfterARestartPaysForBoth) {
  std::vector<Event> events = ForcedErrorStory();
  auto at = std::find_if(events.begin(), events.end(),
                         [](const Event& e) { return e.type == "real_trace_revealed"; });
  ASSERT_NE(at, events.end());
  events.insert(at, Ev("solver_recomputed", "task-0001", {{"solver", "s"}, {"steps_computed", 80}}));
  auto summary = BuildSummary(events, "x", 1);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  const auto& t = (*summary)["tasks"][0];
  EXPECT_EQ(t["solver_steps_computed"], 80);
  EXPECT_EQ(t["profit"]["s"], 100 - 80 * 2);
  EXPECT_EQ((*summary)["profit"]["s"], 100 - 80 * 2);
}

TEST(Money, ProfitIsLedgerFlowMinusComputeCost) {
  auto summary = BuildSummary(ForcedErrorStory(), "x", 1);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  const auto& t = (*summary)["tasks"][0];
  EXPECT_EQ(t["profit"]["s"], 100 - 40 * 2);  // reward − training cost
  // two fees + share + whistleblower − the cost of checking both traces
  EXPECT_EQ(t["profit"]["h"], 10 + 10 + 25 + 25 - (20 + 20) * 2);
  EXPECT_EQ(t["profit"]["l"], 10 + 10 - 50);  // two fees − its stake
  EXPECT_EQ(t["profit"]["submitter"], -120);
  EXPECT_EQ(t["forced_error"], true);
  EXPECT_EQ(t["forced_error_caught"], true);
  // The verdicts on the posted trace are kept apart from those on the real
  // one, which decide detection.
  EXPECT_EQ(t["outcome"], "accepted");
  EXPECT_EQ(t["forced_round"]["trace_root"], "aa");
  EXPECT_EQ(t["forced_round"]["verifiers"].size(), 2u);
  EXPECT_EQ(t["trace_root"], "bb");
  EXPECT_EQ(t["real_trace_root"], "bb");
  EXPECT_EQ(t["challenged"], false);
  EXPECT_EQ(t["false_positive"], false);
  EXPECT_EQ(t["jackpot"], 10);
  EXPECT_EQ(t["selected_verifiers"], nlohmann::json({"h", "l"}));
  EXPECT_EQ((*summary)["profit"]["h"], t["profit"]["h"]);
  EXPECT_EQ((*summary)["forced_errors"],
            nlohmann::json({{"raised", 1},
                            {"caught", 1},
                            {"missed", 0},
                            {"unjudged", 0},
                            {"lazy_exposed", 1},
                            {"fees_from_jackpot", 20},
                            {"fees_unpaid", 0}}));
  EXPECT_EQ((*summary)["lazy_exposed"]["l"], 1);
  EXPECT_EQ((*summary)["lazy_exposed"]["h"], 0);  // listed, never exposed
  EXPECT_EQ((*summary)["slashed"]["l"], 50);
  EXPECT_EQ((*summary)["slashed"]["s"], 0);
  EXPECT_EQ((*summary)["jackpot"], 10);
  // It began with 40: the money line gives the change beside the profits,
  // not the balance as if it were one.
  EXPECT_EQ((*summary)["jackpot_change"], -30);
  EXPECT_THAT(HumanSummary(*summary, 1.0), ::testing::HasSubstr(", jackpot -30 (now 10), burned 10;"));
  EXPECT_EQ((*summary)["burned"], 10);
  EXPECT_EQ((*summary)["supply"], 1340);
  // Every outcome is listed, 0 when no task ended so.
  const nlohmann::json& outcomes = (*summary)["outcomes"];
  EXPECT_EQ(outcomes["accepted"], 1);
  for (SettlementOutcome o : kSettlementOutcomes) {
    if (o == SettlementOutcome::kAccepted) continue;
    EXPECT_EQ(outcomes.value(SettlementOutcomeName(o), -1), 0) << SettlementOutcomeName(o);
  }
  EXPECT_EQ(outcomes.size(), std::size(kSettlementOutcomes));
  const std::string csv = MetricsCsv(*summary);
  EXPECT_NE(
      csv.find("forced_error,forced_error_caught,forced_error_missed,forced_error_unjudged,"
               "jackpot"),
      std::string::npos);
  EXPECT_NE(csv.find("profit.h"), std::string::npos);
}

// A forced error whose task ended before its verifiers' round (the solver
// withheld a checkpoint: no forced_error_settlement) was never judged: it
// is neither caught nor missed, and counted apart.
TEST(Money, AForcedErrorCutShortIsUnjudgedNotMissed) {
  std::vector<Event> events;
  for (Event& e : ForcedErrorStory()) {
    if (e.type == "forced_error_settlement") continue;
    if (e.type == "settlement") {
      e.data.erase("forced_round");
      e.data["outcome"] = "withheld";
    }
    events.push_back(std::move(e));
  }
  auto summary = BuildSummary(events, "x", 1);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  const auto& t = (*summary)["tasks"][0];
  EXPECT_EQ(t["forced_error"], true);
  EXPECT_EQ(t["forced_error_caught"], false);
  EXPECT_EQ(t["forced_error_missed"], false);
  EXPECT_EQ(t["forced_error_unjudged"], true);
  EXPECT_EQ((*summary)["forced_errors"]["raised"], 1);
  EXPECT_EQ((*summary)["forced_errors"]["missed"], 0);
  EXPECT_EQ((*summary)["forced_errors"]["unjudged"], 1);
  // Judged and not caught is missed, as before.
  events = ForcedErrorStory();
  for (Event& e : events) {
    if (e.type == "settlement") e.data["forced_round"]["caught"] = nlohmann::json::array();
  }
  summary = BuildSummary(events, "x", 1);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ((*summary)["tasks"][0]["forced_error_missed"], true);
  EXPECT_EQ((*summary)["tasks"][0]["forced_error_unjudged"], false);
  EXPECT_EQ((*summary)["forced_errors"]["missed"], 1);
}

// A forced error every selected verifier abstained on (its challenge
// stake could not be funded) or stayed silent in was put to no one: it is
// unjudged, not missed, and the console does not say MISSED.
TEST(Money, AForcedErrorEveryVerifierAbstainedOnIsUnjudgedNotMissed) {
  std::vector<Event> events = ForcedErrorStory();
  for (Event& e : events) {
    nlohmann::json* round = e.type == "settlement"                  ? &e.data["forced_round"]
                            : e.type == "forced_error_settlement" ? &e.data
                                                                  : nullptr;
    if (round == nullptr) continue;
    (*round)["caught"] = nlohmann::json::array();
    (*round)["lazy"] = nlohmann::json::array();
    (*round)["abstained"] = {"h"};
    (*round)["silent"] = {"l"};
  }
  auto summary = BuildSummary(events, "x", 1);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  const auto& t = (*summary)["tasks"][0];
  EXPECT_EQ(t["forced_error_missed"], false);
  EXPECT_EQ(t["forced_error_unjudged"], true);
  EXPECT_EQ((*summary)["forced_errors"]["missed"], 0);
  EXPECT_EQ((*summary)["forced_errors"]["unjudged"], 1);
  EXPECT_NE(SolverVerdict(t).find("a forced error, unjudged (every verifier abstained or was "
                                  "silent)"),
            std::string::npos)
      << SolverVerdict(t);
  // One verifier that gave a verdict, and did not catch it: missed.
  nlohmann::json round = {{"selected", {"h", "l"}}, {"abstained", {"h"}},
                          {"silent", nlohmann::json::array()}, {"caught", nlohmann::json::array()}};
  EXPECT_TRUE(ForcedRoundJudged(round));
  round["silent"] = {"l"};
  EXPECT_FALSE(ForcedRoundJudged(round));
  round["caught"] = {"h"};
  EXPECT_TRUE(ForcedRoundJudged(round));
}

// A compute cost per step of 2^53 - 1 (the largest the schema allows) over
// 1e8 steps is past int64: the figures saturate instead of wrapping into a
// huge profit.
TEST(Money, ComputeCostsSaturateInsteadOfOverflowing) {
  std::vector<Event> events = ForcedErrorStory();
  for (Event& e : events) {
    if (e.type == "settlement") {
      e.data["economics"]["compute_cost_per_step"] = 9007199254740991LL;
    }
    if (e.type == "trace_committed") e.data["body"]["training"]["steps_computed"] = 100000000;
  }
  auto summary = BuildSummary(events, "x", 1);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  const auto& t = (*summary)["tasks"][0];
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(t["compute_cost"]["s"], kMax);
  EXPECT_EQ(t["profit"]["s"], 100 - kMax);  // the reward − a saturated cost
  EXPECT_EQ((*summary)["profit"]["s"], 100 - kMax);
  // The verifier's 20 + 20 steps on both traces fit: 40 × (2^53 - 1).
  EXPECT_EQ(t["compute_cost"]["h"], 40 * 9007199254740991LL);
}

TEST(Money, BalancesCsvHasOneRowPerTransferSummingToTheSupply) {
  const auto events = ForcedErrorStory();
  const std::string csv = BalancesCsv(events);
  std::istringstream in(csv);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line,
            "seq,task,reason,from,to,amount,h,l,s,submitter,jackpot,burn,held");
  int rows = 0;
  std::string last;
  while (std::getline(in, line)) {
    ++rows;
    last = line;
  }
  EXPECT_EQ(rows, 18);  // every transfer event
  // After the last transfer: h 100+10+10+25+25, l 100+10+10-50, s 200,
  // submitter 880, jackpot 10, burn 10, nothing held; 1340 in all.
  EXPECT_EQ(
      last,
      "17,task-0001,return verifier stake,stake/task-0001/l,l,50,170,70,200,880,10,10,0");
}

}  // namespace
}  // namespace veritrain

namespace veritrain {
namespace {

// balances.csv has a column per participant beside its own columns: a
// participant named like one of those would make two columns of one name,
// and a reader by name (csv.DictReader, pandas) would silently read the
// wrong one. Every column of its own is refused as a participant name.
TEST(Money, NoParticipantMayBeNamedLikeABalancesColumn) {
  const std::string csv = BalancesCsv({});
  std::istringstream header(csv.substr(0, csv.find('\n')));
  std::string column;
  int columns = 0;
  while (std::getline(header, column, ',')) {
    ++columns;
    const Status named = CheckParticipantName(column);
    EXPECT_FALSE(named.ok()) << column;
    EXPECT_NE(named.message().find("is reserved for"), std::string::npos) << named.message();
  }
  EXPECT_GE(columns, 9) << csv;
}

}  // namespace
}  // namespace veritrain
