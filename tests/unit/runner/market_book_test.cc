// Tests of the market's rules (scenarios/runner/market_book.h) driven with
// made-up task records, and of reading a task's record from events
// (market_record.h).
#include "scenarios/runner/market_book.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <random>

#include "scenarios/runner/market_record.h"
#include "tests/support/files.h"
#include "tests/unit/runner/market_test_util.h"

namespace veritrain {
namespace {

using ::testing::HasSubstr;

using testing_util::TestMarketEntry;

TaskEconomics BookEcon() {
  TaskEconomics e;
  e.solver_stake = 100;
  e.verifier_stake = 50;
  e.challenge_stake = 10;
  e.whistleblower_reward = 30;
  return e;
}

MarketSpec BookSpec(std::vector<MarketEntry> entries,
                    const std::string& assignment = "random") {
  MarketSpec s;
  s.entries = std::move(entries);
  s.assignment = assignment;
  s.jobs = {{1, 100, 500}};
  return s;
}

// A settled, accepted task of `plan` in which the first `selected` of the
// pool verified; each participant's profit given in `profit` (as a flow),
// its balance moved by that much.
MarketTaskRecord BookRecord(const MarketBook& book, const MarketPlan& plan,
                            size_t selected,
                            const std::map<std::string, int64_t>& profit,
                            const std::string& outcome = "accepted") {
  MarketTaskRecord r;
  r.task = "task-" + std::to_string(plan.index + 1);
  r.outcome = outcome;
  r.solver = plan.solver;
  r.solver_behaviour = book.members().at(plan.solver).strategy;
  for (size_t i = 0; i < selected && i < plan.verifiers.size(); ++i) {
    const std::string& v = plan.verifiers[i];
    r.selected.push_back(v);
    const bool lazy = book.members().at(v).strategy == "lazy-approve";
    r.verdicts[v] = MarketVerdict{true, false, lazy ? 0 : 40};
  }
  for (const auto& [name, p] : profit) r.flows[name] = p;
  for (const auto& [name, m] : book.members()) {
    auto p = profit.find(name);
    r.balances[name] = m.balance + (p == profit.end() ? 0 : p->second);
  }
  r.secret = Sha256Of("secret/" + r.task);
  return r;
}

TEST(MarketBook, PlanDrawsAnActiveSolverAndNamesEveryActiveVerifier) {
  MarketBook book(BookSpec({TestMarketEntry("s", "solver", 4),
                            TestMarketEntry("v", "verifier", 5)}),
                  BookEcon(), 0, 7);
  std::set<std::string> drawn;
  for (int64_t i = 0; i < 40; ++i) {
    const MarketPlan p = book.Plan(i);
    ASSERT_TRUE(p.post);
    EXPECT_EQ(p.verifiers,
              (std::vector<std::string>{"v-1", "v-2", "v-3", "v-4", "v-5"}));
    drawn.insert(p.solver);
    EXPECT_EQ(p.steps, 100);
    EXPECT_EQ(p.reward, 500);
  }
  EXPECT_EQ(drawn.size(), 4u)
      << "a uniform draw over 40 tasks reaches every solver";
  // The same seed and history plan the same; another seed differs somewhere.
  MarketBook same(BookSpec({TestMarketEntry("s", "solver", 4),
                            TestMarketEntry("v", "verifier", 5)}),
                  BookEcon(), 0, 7);
  MarketBook other(BookSpec({TestMarketEntry("s", "solver", 4),
                             TestMarketEntry("v", "verifier", 5)}),
                   BookEcon(), 0, 8);
  bool differs = false;
  for (int64_t i = 0; i < 20; ++i) {
    EXPECT_EQ(book.Plan(i).solver, same.Plan(i).solver);
    differs = differs || book.Plan(i).solver != other.Plan(i).solver;
  }
  EXPECT_TRUE(differs);
}

TEST(MarketBook, TheRevealedRandomnessDrawsTheNextSolver) {
  MarketBook a(BookSpec({TestMarketEntry("s", "solver", 8),
                         TestMarketEntry("v", "verifier", 1)}),
               BookEcon(), 0, 1);
  MarketBook b = a;
  MarketPlan p = a.Plan(0);
  MarketTaskRecord ra = BookRecord(a, p, 1, {});
  MarketTaskRecord rb = ra;
  rb.secret = Sha256Of("another secret");
  ASSERT_TRUE(a.Observe(p, &ra).ok());
  ASSERT_TRUE(b.Observe(p, &rb).ok());
  bool differs = false;
  for (int64_t i = 1; i < 10; ++i)
    differs = differs || a.Plan(i).solver != b.Plan(i).solver;
  EXPECT_TRUE(differs);
}

TEST(MarketBook, StakeAssignmentFavoursTheRich) {
  std::vector<MarketEntry> entries = {
      TestMarketEntry("poor", "solver", 1, "honest", 100),
      TestMarketEntry("rich", "solver", 1, "honest", 100000),
      TestMarketEntry("v", "verifier", 1)};
  MarketBook book(BookSpec(entries, "stake"), BookEcon(), 0, 3);
  int rich = 0;
  for (int64_t i = 0; i < 200; ++i) rich += book.Plan(i).solver == "rich-1";
  EXPECT_GE(rich, 190);
  MarketBook uniform(BookSpec(entries, "random"), BookEcon(), 0, 3);
  int rich_uniform = 0;
  for (int64_t i = 0; i < 200; ++i)
    rich_uniform += uniform.Plan(i).solver == "rich-1";
  EXPECT_LT(rich_uniform, 140);
}

TEST(MarketBook, ReputationFavoursSolversThatArePaid) {
  MarketBook book(BookSpec({TestMarketEntry("s", "solver", 2, "honest", 100000),
                            TestMarketEntry("v", "verifier", 1)},
                           "reputation"),
                  BookEcon(), 0, 5);
  // s-1 is upheld on its tasks, s-2 accepted, for 30 tasks.
  for (int64_t i = 0; i < 30; ++i) {
    const MarketPlan p = book.Plan(i);
    MarketTaskRecord r = BookRecord(
        book, p, 1, {}, p.solver == "s-1" ? "challenge_upheld" : "accepted");
    ASSERT_TRUE(book.Observe(p, &r).ok());
  }
  EXPECT_GT(book.members().at("s-2").paid, 0);
  EXPECT_EQ(book.members().at("s-1").paid, 0);
  int good = 0;
  for (int64_t i = 30; i < 230; ++i) good += book.Plan(i).solver == "s-2";
  EXPECT_GE(good, 160);
}

TEST(MarketBook, AdaptiveVerifiersImitateTheBetterPayingStrategy) {
  MarketEntry honest = TestMarketEntry("h", "verifier", 3);
  honest.adapt = MarketAdapt{"lazy-approve", {}, 5, 0};
  MarketEntry lazy = TestMarketEntry("l", "verifier", 1, "lazy-approve");
  lazy.adapt = MarketAdapt{"honest", {}, 5, 0};
  MarketBook book(BookSpec({TestMarketEntry("s", "solver", 1), honest, lazy}),
                  BookEcon(), 0, 1);
  EXPECT_DOUBLE_EQ(book.Shares("verifier").at("lazy-approve"), 0.25);
  EXPECT_EQ(book.AdaptiveStrategies().size(), 4u);
  // Every verifier verifies; lazy ones earn 50, honest ones 10.
  for (int64_t i = 0; i < 3; ++i) {
    const MarketPlan p = book.Plan(i);
    std::map<std::string, int64_t> profit;
    for (const auto& v : p.verifiers) {
      profit[v] = book.members().at(v).strategy == "lazy-approve" ? 50 : 10;
    }
    MarketTaskRecord r = BookRecord(book, p, 4, profit);
    ASSERT_TRUE(book.Observe(p, &r).ok());
  }
  EXPECT_DOUBLE_EQ(book.Shares("verifier").at("lazy-approve"), 1.0);
  EXPECT_EQ(book.members().at("h-1").switches, 1);
  EXPECT_EQ(book.members().at("l-1").switches, 0);
  EXPECT_EQ(book.AdaptiveStrategies().at("h-2"), "lazy-approve");
  // market.csv credits each task's profit to the strategy played in it: an
  // honest verifier's 10 is an honest payoff though it switched right after
  // (before, its row said lazy-approve and the profit went to that side).
  std::istringstream csv(book.ParticipantsCsv());
  std::string line;
  std::getline(csv, line);  // header
  int64_t rows = 0;
  while (std::getline(csv, line)) {
    // task_index,task,participant,role,entry,strategy,active,out,balance,profit,played
    std::vector<std::string> f;
    std::stringstream fields(line);
    for (std::string x; std::getline(fields, x, ',');) f.push_back(x);
    ASSERT_EQ(f.size(), 11u) << line;
    if (f[3] != "verifier" || f[10] != "1") continue;
    ++rows;
    EXPECT_EQ(f[9], f[5] == "lazy-approve" ? "50" : "10") << line;
  }
  EXPECT_EQ(rows, 12);
}

TEST(MarketBook, NoSwitchWithinTheMarginOrWithoutEvidence) {
  MarketEntry honest = TestMarketEntry("h", "verifier", 2);
  honest.adapt = MarketAdapt{"lazy-approve", {}, 5, 100};  // margin 100
  MarketBook book(BookSpec({TestMarketEntry("s", "solver", 1), honest}),
                  BookEcon(), 0, 1);
  for (int64_t i = 0; i < 5; ++i) {
    const MarketPlan p = book.Plan(i);
    MarketTaskRecord r = BookRecord(book, p, 2, {{"h-1", -10}, {"h-2", 10}});
    ASSERT_TRUE(book.Observe(p, &r).ok());
  }
  // Nobody plays lazy-approve: no evidence that it pays, no switch.
  EXPECT_EQ(book.members().at("h-1").strategy, "honest");
  EXPECT_EQ(book.Summary()["switches"], 0);
}

TEST(MarketBook, ParticipantsThatCannotCoverTheirStakeAreOut) {
  MarketBook book(BookSpec({TestMarketEntry("s", "solver", 2, "honest", 150),
                            TestMarketEntry("v", "verifier", 2, "honest", 70)}),
                  BookEcon(), 0, 1);
  const MarketPlan p = book.Plan(0);
  // The solver loses 100 (150 -> 50 < 100); v-1 loses 20 (70 -> 50 < 60).
  MarketTaskRecord r = BookRecord(book, p, 1, {{p.solver, -100}, {"v-1", -20}},
                                  "challenge_upheld");
  ASSERT_TRUE(book.Observe(p, &r).ok());
  EXPECT_TRUE(book.members().at(p.solver).out);
  EXPECT_FALSE(book.members().at(p.solver).active);
  EXPECT_TRUE(book.members().at("v-1").out);
  EXPECT_EQ(book.Active("solver"), 1);
  EXPECT_EQ(book.Active("verifier"), 1);
  for (int64_t i = 1; i < 10; ++i) {
    const MarketPlan q = book.Plan(i);
    EXPECT_NE(q.solver, p.solver);
    EXPECT_EQ(q.verifiers, std::vector<std::string>{"v-2"});
  }
  EXPECT_EQ(book.Summary()["final"]["out"]["solver"], 1);
  EXPECT_EQ(book.Summary()["exits"], 2);
}

TEST(MarketBook, NoActiveSolverLeavesTheTaskUnserved) {
  MarketBook book(BookSpec({TestMarketEntry("s", "solver", 1, "honest", 150),
                            TestMarketEntry("v", "verifier", 1)}),
                  BookEcon(), 0, 1);
  const MarketPlan p = book.Plan(0);
  MarketTaskRecord r =
      BookRecord(book, p, 1, {{"s-1", -100}}, "challenge_upheld");
  ASSERT_TRUE(book.Observe(p, &r).ok());
  const MarketPlan q = book.Plan(1);
  EXPECT_FALSE(q.post);
  EXPECT_EQ(q.why_not, "no active solver");
  ASSERT_TRUE(book.Observe(q, nullptr).ok());
  EXPECT_EQ(book.Summary()["tasks"]["unserved"], 1);
  EXPECT_EQ(book.Summary()["tasks"]["posted"], 1);
}

// Verifiers that left the market can leave fewer than verifiers_per_task:
// the arbiter would refuse such a task, so it is not posted (unserved)
// rather than ending the run.
TEST(MarketBook, FewerActiveVerifiersThanATaskNeedsLeaveItUnserved) {
  TaskEconomics econ = BookEcon();
  econ.verifiers_per_task = 2;
  MarketBook book(BookSpec({TestMarketEntry("s", "solver", 1),
                            TestMarketEntry("v", "verifier", 2, "honest", 70)}),
                  econ, 0, 1);
  const MarketPlan p = book.Plan(0);
  ASSERT_TRUE(p.post);
  // v-1 loses 20 (70 -> 50 < its stakes): one verifier is left.
  MarketTaskRecord r = BookRecord(book, p, 1, {{"v-1", -20}}, "accepted");
  ASSERT_TRUE(book.Observe(p, &r).ok());
  EXPECT_EQ(book.Active("verifier"), 1);
  const MarketPlan q = book.Plan(1);
  EXPECT_FALSE(q.post);
  EXPECT_EQ(q.why_not, "1 active verifiers, fewer than verifiers_per_task 2");
  ASSERT_TRUE(book.Observe(q, nullptr).ok());
  EXPECT_EQ(book.Summary()["tasks"]["unserved"], 1);
}

TEST(MarketBook, WhistleblowersJoinWhenFewCheckAndLeaveOncePaid) {
  MarketEntry wb = TestMarketEntry("wb", "verifier", 2);
  wb.whistleblower = MarketWhistleblower{2, 100};
  MarketEntry lazy = TestMarketEntry("l", "verifier", 3, "lazy-approve");
  MarketBook book(BookSpec({TestMarketEntry("s", "solver", 1), lazy, wb}),
                  BookEcon(), 0, 1);
  // No honest verifier at the start: both join (the second sees one honest).
  EXPECT_TRUE(book.members().at("wb-1").active);
  EXPECT_TRUE(book.members().at("wb-2").active);
  EXPECT_EQ(book.Summary()["joins"], 2);
  // wb-1 earns 120 in one task: it leaves, and does not rejoin in that task.
  MarketPlan p = book.Plan(0);
  MarketTaskRecord r = BookRecord(book, p, 5, {{"wb-1", 120}, {"wb-2", 30}});
  ASSERT_TRUE(book.Observe(p, &r).ok());
  EXPECT_FALSE(book.members().at("wb-1").active);
  EXPECT_FALSE(book.members().at("wb-1").out);
  EXPECT_EQ(book.members().at("wb-1").leaves, 1);
  EXPECT_TRUE(book.members().at("wb-2").active);
  // Next task: one honest active (wb-2) < 2: wb-1 comes back.
  p = book.Plan(1);
  r = BookRecord(book, p, 4, {});
  ASSERT_TRUE(book.Observe(p, &r).ok());
  EXPECT_TRUE(book.members().at("wb-1").active);
  EXPECT_EQ(book.members().at("wb-1").joins, 2);
  EXPECT_EQ(book.members().at("wb-1").profit_since_join, 0);
}

TEST(MarketBook, AParticipantThatDidNotPlayItsStrategyIsAnError) {
  MarketBook book(BookSpec({TestMarketEntry("s", "solver", 1),
                            TestMarketEntry("v", "verifier", 1, "lazy-approve"),
                            TestMarketEntry("h", "verifier", 1)}),
                  BookEcon(), 0, 1);
  const MarketPlan p = book.Plan(0);
  MarketTaskRecord r = BookRecord(book, p, 2, {});
  MarketTaskRecord wrong_solver = r;
  wrong_solver.solver_behaviour = "lazy";
  EXPECT_THAT(book.Observe(p, &wrong_solver).message(),
              HasSubstr("trained as 'lazy'"));
  MarketTaskRecord busy_lazy = r;
  busy_lazy.verdicts["v-1"].steps_reexecuted = 20;
  EXPECT_THAT(book.Observe(p, &busy_lazy).message(),
              HasSubstr("re-executed 20 steps"));
  MarketTaskRecord idle_honest = r;
  idle_honest.verdicts["h-1"].steps_reexecuted = 0;
  EXPECT_THAT(book.Observe(p, &idle_honest).message(),
              HasSubstr("re-executed nothing"));
  MarketTaskRecord abstained = r;
  abstained.verdicts["h-1"].abstain = true;
  EXPECT_THAT(book.Observe(p, &abstained).message(), HasSubstr("abstained"));
  // Against a solver that withholds its checkpoints, abstaining is what a
  // verifier can do: the market goes on (it stopped with no summary).
  MarketBook withheld(BookSpec({TestMarketEntry("s", "solver", 1, "withhold"),
                                TestMarketEntry("h", "verifier", 1, "false-challenge")}),
                      BookEcon(), 0, 1);
  const MarketPlan wp = withheld.Plan(0);
  MarketTaskRecord unverifiable = BookRecord(withheld, wp, 1, {}, "unverified");
  unverifiable.verdicts["h-1"] = MarketVerdict{false, true, 0};
  EXPECT_TRUE(withheld.Observe(wp, &unverifiable).ok());
  MarketTaskRecord other_solver = r;
  other_solver.solver = "someone";
  EXPECT_FALSE(book.Observe(p, &other_solver).ok());
  EXPECT_FALSE(book.Observe(p, nullptr).ok());
  EXPECT_TRUE(book.Observe(p, &r).ok());
}

// The jackpot also pays a forced error's real-trace verifier fees: a
// forced error whose catchers were paid in full but whose real trace's
// verifiers were not is a short payout too.
TEST(MarketBook, UnpaidRealTraceFeesAreAShortPayout) {
  MarketBook book(BookSpec({TestMarketEntry("s", "solver", 1),
                            TestMarketEntry("v", "verifier", 2)}),
                  BookEcon(), 90, 1);
  MarketPlan p = book.Plan(0);
  MarketTaskRecord paid = BookRecord(book, p, 2, {}, "accepted");
  paid.forced_error = true;
  paid.forced_round = true;
  paid.caught = {"v-1", "v-2"};
  paid.whistleblower_reward = 30;
  paid.whistleblower_paid = 60;
  ASSERT_TRUE(book.Observe(p, &paid).ok());
  EXPECT_EQ(book.Summary()["jackpot"]["short_payouts"], 0);
  p = book.Plan(1);
  MarketTaskRecord unpaid = BookRecord(book, p, 2, {}, "accepted");
  unpaid.forced_error = true;
  unpaid.forced_round = true;
  unpaid.caught = {"v-1", "v-2"};
  unpaid.whistleblower_reward = 30;
  unpaid.whistleblower_paid = 60;
  unpaid.fees_unpaid = 10;
  ASSERT_TRUE(book.Observe(p, &unpaid).ok());
  EXPECT_EQ(book.Summary()["jackpot"]["short_payouts"], 1);
}

// A forced error whose every verifier abstained or stayed silent was put
// to no one: unjudged, as in summary.json's forced_errors, not missed.
TEST(MarketBook, AForcedErrorNoVerifierJudgedIsUnjudged) {
  MarketBook book(BookSpec({TestMarketEntry("s", "solver", 1),
                            TestMarketEntry("v", "verifier", 2)}),
                  BookEcon(), 90, 1);
  MarketPlan p = book.Plan(0);
  MarketTaskRecord abstained = BookRecord(book, p, 2, {}, "accepted");
  abstained.forced_error = true;
  abstained.forced_round = true;
  abstained.forced_round_unjudged = true;
  ASSERT_TRUE(book.Observe(p, &abstained).ok());
  p = book.Plan(1);
  MarketTaskRecord approved = BookRecord(book, p, 2, {}, "accepted");
  approved.forced_error = true;
  approved.forced_round = true;
  ASSERT_TRUE(book.Observe(p, &approved).ok());
  const nlohmann::json s = book.Summary();
  EXPECT_EQ(s["forced_errors"]["raised"], 2);
  EXPECT_EQ(s["forced_errors"]["missed"], 1);
  EXPECT_EQ(s["forced_errors"]["unjudged"], 1);
}

TEST(MarketBook, CountsCheatingForcedErrorsShortPayoutsAndSecurityCost) {
  MarketBook book(BookSpec({TestMarketEntry("c", "solver", 1, "lazy"),
                            TestMarketEntry("v", "verifier", 2)}),
                  BookEcon(), 90, 1);
  MarketPlan p = book.Plan(0);
  MarketTaskRecord caught = BookRecord(book, p, 2, {}, "challenge_upheld");
  caught.fees_paid = 20;
  caught.cost = {{"v-1", 40}, {"v-2", 40}, {"c-1", 50}};
  ASSERT_TRUE(book.Observe(p, &caught).ok());
  p = book.Plan(1);
  MarketTaskRecord missed = BookRecord(book, p, 2, {}, "accepted");
  ASSERT_TRUE(book.Observe(p, &missed).ok());
  p = book.Plan(2);
  // A lazy solver drawing a forced error: caught twice, the forced error
  // by both verifiers and its cheat on the real trace by the game.
  MarketTaskRecord forced = BookRecord(book, p, 2, {}, "challenge_upheld");
  forced.forced_error = true;
  forced.forced_round = true;
  forced.caught = {"v-1", "v-2"};
  forced.whistleblower_reward = 30;
  forced.whistleblower_paid = 45;  // 60 owed
  forced.jackpot = 0;
  forced.tax = 5;
  ASSERT_TRUE(book.Observe(p, &forced).ok());
  p = book.Plan(3);
  // A forced error cut short before its verifiers' round (the solver
  // withheld a checkpoint): never put to them, neither caught nor missed.
  MarketTaskRecord withheld = BookRecord(book, p, 2, {}, "withheld");
  withheld.forced_error = true;
  withheld.jackpot = 0;
  ASSERT_TRUE(book.Observe(p, &withheld).ok());
  const nlohmann::json s = book.Summary();
  // A forced error hides no cheat: the real trace is verified after it.
  EXPECT_EQ(s["cheating"]["tasks"], 4);
  EXPECT_EQ(s["cheating"]["caught"], 3);
  EXPECT_EQ(s["cheating"]["missed"], 1);
  EXPECT_EQ(s["forced_errors"]["raised"], 2);
  EXPECT_EQ(s["forced_errors"]["caught"], 1);
  EXPECT_EQ(s["forced_errors"]["missed"], 0);
  EXPECT_EQ(s["forced_errors"]["unjudged"], 1);
  EXPECT_EQ(s["jackpot"]["short_payouts"], 1);
  EXPECT_EQ(s["jackpot"]["initial"], 90);
  EXPECT_EQ(s["jackpot"]["min"], 0);
  EXPECT_EQ(s["security_cost"]["total"], 20 + 5 + 80);
  EXPECT_DOUBLE_EQ(s["security_cost"]["per_task"].get<double>(), 105.0 / 4);
  const std::string tasks = book.TasksCsv();
  EXPECT_EQ(std::count(tasks.begin(), tasks.end(), '\n'), 5);
  const std::string people = book.ParticipantsCsv();
  EXPECT_EQ(std::count(people.begin(), people.end(), '\n'), 1 + 4 * 3);
}

// On the market clock tasks end out of the order they started in, but the
// ledger settles (and so moves the jackpot) in start order: the final
// jackpot is the one after the last-started task, whichever ends last.
TEST(MarketBook, TheFinalJackpotIsTheLedgersWhateverOrderTasksEnd) {
  MarketBook book(BookSpec({TestMarketEntry("s", "solver", 2),
                            TestMarketEntry("v", "verifier", 2)}),
                  BookEcon(), 90, 1);
  MarketPlan first = book.Plan(0, {});
  MarketPlan second = book.Plan(1, {});
  MarketTaskRecord later = BookRecord(book, second, 2, {}, "accepted");
  later.jackpot = 50;  // after both tasks' taxes
  MarketTaskRecord earlier = BookRecord(book, first, 2, {}, "accepted");
  earlier.jackpot = 25;  // after the first task's
  ASSERT_TRUE(book.Observe(second, &later).ok());
  ASSERT_TRUE(book.Observe(first, &earlier).ok());
  const nlohmann::json s = book.Summary();
  EXPECT_EQ(s["jackpot"]["final"], 50);
  EXPECT_EQ(s["jackpot"]["min"], 25);
}

// Whatever the records say, the book's invariants hold: an out participant
// is never active again nor planned; shares add up to 1 over the active
// ones; strategies stay within each entry's two; the planned solver is
// active; planned verifiers are exactly the active ones.
TEST(MarketBookProperty, InvariantsHoldOverRandomHistories) {
  for (uint64_t seed = 1; seed <= 30; ++seed) {
    std::mt19937_64 rng(seed);
    MarketEntry hs = TestMarketEntry("hs", "solver", 1 + rng() % 4, "honest",
                                     100 + rng() % 500);
    hs.adapt = MarketAdapt{"lazy", {}, 1 + static_cast<int64_t>(rng() % 6), 0};
    MarketEntry hv = TestMarketEntry("hv", "verifier", 1 + rng() % 6, "honest",
                                     60 + rng() % 300);
    hv.adapt = MarketAdapt{"lazy-approve",
                           {},
                           1 + static_cast<int64_t>(rng() % 6),
                           static_cast<int64_t>(rng() % 20)};
    MarketEntry lv = TestMarketEntry("lv", "verifier", 1 + rng() % 4,
                                     "lazy-approve", 60 + rng() % 300);
    lv.adapt = MarketAdapt{"honest", {}, 3, 0};
    MarketEntry wb =
        TestMarketEntry("wb", "verifier", 1 + rng() % 2, "honest", 500);
    wb.whistleblower =
        MarketWhistleblower{1 + static_cast<int64_t>(rng() % 3), 50};
    const char* rules[] = {"random", "stake", "reputation"};
    MarketBook book(BookSpec({hs, hv, lv, wb}, rules[seed % 3]), BookEcon(),
                    100, seed);
    std::set<std::string> out;
    for (int64_t i = 0; i < 60; ++i) {
      const MarketPlan p = book.Plan(i);
      if (p.post) {
        ASSERT_TRUE(book.members().at(p.solver).active);
        std::vector<std::string> active;
        for (const auto& [n, m] : book.members()) {
          if (m.role == "verifier" && m.active) active.push_back(n);
        }
        ASSERT_EQ(p.verifiers, active);
        std::map<std::string, int64_t> profit;
        for (const auto& [n, m] : book.members()) {
          if (m.active) profit[n] = static_cast<int64_t>(rng() % 121) - 60;
        }
        const std::string outcomes[] = {"accepted", "challenge_upheld",
                                        "challenge_rejected", "forced_error"};
        MarketTaskRecord r =
            BookRecord(book, p, 1 + rng() % 3, profit, outcomes[rng() % 4]);
        ASSERT_TRUE(book.Observe(p, &r).ok());
      } else {
        ASSERT_TRUE(book.Observe(p, nullptr).ok());
      }
      for (const auto& [n, m] : book.members()) {
        if (out.count(n)) {
          EXPECT_FALSE(m.active) << n << " came back after it was out";
        }
        if (m.out) out.insert(n);
        EXPECT_TRUE(m.strategy == m.base || m.strategy == m.alt) << n;
      }
      for (const char* role : {"solver", "verifier"}) {
        double sum = 0;
        for (const auto& [s, v] : book.Shares(role)) sum += v;
        if (book.Active(role) > 0) {
          EXPECT_NEAR(sum, 1.0, 1e-9);
        } else {
          EXPECT_EQ(sum, 0.0);
        }
      }
    }
  }
}

Event BookEvent(const std::string& type, const std::string& task,
                nlohmann::json data) {
  Event e;
  e.type = type;
  e.task = task;
  e.data = std::move(data);
  return e;
}

TEST(MarketRecord, ProfitIsLedgerFlowMinusComputeAsTheSummaryCountsIt) {
  const std::string t = "task-0001";
  std::vector<Event> events = {
      BookEvent(
          "task_posted", t,
          {{"spec",
            {{"solver", "s"},
             {"steps", 100},
             {"economics",
              {{"compute_cost_per_step", 2}, {"whistleblower_reward", 30}}}}}}),
      BookEvent("transfer", t,
                {{"from", "submitter"},
                 {"to", "escrow/" + t},
                 {"amount", 600},
                 {"reason", "escrow"}}),
      BookEvent("trace_committed", t,
                {{"body",
                  {{"training",
                    {{"behaviour", "honest"}, {"steps_computed", 100}}}}}}),
      BookEvent("randomness_revealed", t, {{"secret", std::string(64, 'a')}}),
      BookEvent("verifiers_selected", t, {{"verifiers", {"v1", "v2"}}}),
      BookEvent("verdict", t,
                {{"verifier", "v1"},
                 {"body", {{"accept", true}, {"steps_reexecuted", 40}}}}),
      BookEvent("verdict", t,
                {{"verifier", "v2"},
                 {"body", {{"accept", true}, {"steps_reexecuted", 0}}}}),
      BookEvent("transfer", t,
                {{"from", "escrow/" + t},
                 {"to", "v1"},
                 {"amount", 50},
                 {"reason", "verifier fee"}}),
      BookEvent("transfer", t,
                {{"from", "escrow/" + t},
                 {"to", "v2"},
                 {"amount", 50},
                 {"reason", "verifier fee"}}),
      BookEvent("transfer", t,
                {{"from", "escrow/" + t},
                 {"to", "jackpot"},
                 {"amount", 50},
                 {"reason", "jackpot tax"}}),
      BookEvent("transfer", t,
                {{"from", "escrow/" + t},
                 {"to", "s"},
                 {"amount", 450},
                 {"reason", "reward"}}),
      BookEvent("settlement", t,
                {{"forced_error", false},
                 {"caught", nlohmann::json::array()},
                 {"lazy", nlohmann::json::array()},
                 {"tax", 50},
                 {"whistleblower_paid", 0},
                 {"jackpot", 50}}),
      BookEvent(
          "task_settled", t,
          {{"outcome", "accepted"}, {"balances", {{"s", 1450}, {"v1", 1050}}}}),
      BookEvent("task_posted", "task-0002",
                {{"spec", {{"solver", "x"}, {"steps", 1}}}})};
  auto r = MarketTaskFromEvents(events, t);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->outcome, "accepted");
  EXPECT_EQ(r->solver, "s");
  EXPECT_EQ(r->selected, (std::vector<std::string>{"v1", "v2"}));
  EXPECT_EQ(r->Profit("s"), 450 - 200);
  EXPECT_EQ(r->Profit("v1"), 50 - 80);
  EXPECT_EQ(r->Profit("v2"), 50);
  EXPECT_EQ(r->Profit("submitter"), -600);
  EXPECT_EQ(r->Profit("nobody"), 0);
  EXPECT_EQ(r->fees_paid, 100);
  EXPECT_EQ(r->tax, 50);
  EXPECT_EQ(r->jackpot, 50);
  EXPECT_EQ(r->balances.at("v1"), 1050);
  ASSERT_TRUE(r->secret.has_value());
  // Not settled in the events given: refused, not guessed.
  events.pop_back();
  events.pop_back();
  EXPECT_THAT(MarketTaskFromEvents(events, t).status().message(),
              HasSubstr("has not settled"));
  EXPECT_THAT(MarketTaskFromEvents(events, "task-0009").status().message(),
              HasSubstr("no task_posted"));
}

TEST(MarketRecord, EventTailReadsCompleteLinesOnly) {
  testing_util::ScratchDir dir;
  const std::string path = dir.path() + "/events.jsonl";
  std::ofstream out(path);
  out << R"({"seq":0,"type":"genesis","task":"","data":{}})"
      << "\n"
      << R"({"seq":1,"type":"task_posted","task":"task-0001","data":{"a":1}})"
      << "\n"
      << R"({"seq":2,"type":"verd)";
  out.flush();
  EventTail tail(path);
  auto first = tail.ReadNew();
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ((*first)[1].task, "task-0001");
  EXPECT_EQ((*first)[1].data["a"], 1);
  out << R"(ict","task":"task-0001","data":{}})"
      << "\n";
  out.flush();
  auto second = tail.ReadNew();
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->size(), 1u);
  EXPECT_EQ((*second)[0].type, "verdict");
  auto none = tail.ReadNew();
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  out << "not json\n";
  out.flush();
  EXPECT_EQ(tail.ReadNew().status().code(), Status::Code::kCorruption);
  EXPECT_EQ(EventTail(dir.path() + "/none").ReadNew().status().code(),
            Status::Code::kIOError);
}

}  // namespace
}  // namespace veritrain
