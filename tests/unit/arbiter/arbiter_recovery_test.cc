// Recovery is the live path again: for runs of the core driven through
// every conclusion (acceptance, a game lost on the clock, a game in play, a
// ruling on checkpoint 0, a forced error and its withheld real trace, a
// checkpoint withheld while a verifier was still to ask for it), a
// core recovered from the log as it stood after ANY input holds what the
// live core held then (ledger, every task's state, deadlines, draw, game,
// the events it republishes), and fed the rest of the inputs it logs
// exactly what the live core logged.
#include <gtest/gtest.h>

#include <functional>

#include "arbiter/arbiter_core.h"
#include "core/state/state_hash.h"
#include "core/train/job.h"
#include "core/train/torch_bridge.h"
#include "tests/unit/arbiter/arbiter_core_harness.h"

namespace veritrain {
namespace {

using testing_util::CoreHarness;
using testing_util::kTask;
using testing_util::TestTrace;

using Input = std::function<void(CoreHarness&)>;

// What the core holds, as the protocol sees it, at `now`.
nlohmann::json Snapshot(const ArbiterCore& core, int64_t now) {
  nlohmann::json s;
  s["ledger_head"] = core.ledger().head().Hex();
  s["entries"] = core.ledger().entries().size();
  s["refused_transfers"] = core.refused_transfers();
  const ArbiterTask* task = core.task(kTask);
  if (task != nullptr) {
    s["state"] = TaskStateName(task->machine.state());
    s["deadline_ms"] = task->deadline_ms;
    s["settled_ms"] = task->settled_ms;
    s["selected"] = task->selected;
    s["forced_error"] = task->forced_error;
    s["real_round"] = task->real_round;
    for (const auto& [who, verdict] : task->verdicts) s["verdicts"].push_back(who);
    s["rejected"] = task->rejected;
    s["ruled_challenger"] = task->ruled_challenger;
    if (task->dispute) s["game"] = task->dispute->Update().ToBody();
  }
  nlohmann::json republished = nlohmann::json::array();
  core.Republish(now, [&](const Message& m) {
    republished.push_back({{"type", m.type}, {"body", m.body}});
  });
  s["republished"] = republished;
  return s;
}

// An entry's data as a recovered core must write it. How long a
// participant had been silent counts from the restart (Participants::
// Restarted), as heartbeats are not logged; whether it went silent does not.
nlohmann::json Comparable(const testing_util::RecordingOutbox::Logged& entry) {
  nlohmann::json data = entry.data;
  if (entry.type == ParticipantSilentEvent::kType) data.erase("silent_ms");
  return data;
}

// Runs `inputs` on a live core; then, for every point between two inputs,
// recovers a core from the log written up to there and checks it against
// the live one, then and after the remaining inputs.
void CheckRecoveryAtEveryPoint(const std::vector<std::pair<int64_t, Input>>& inputs) {
  CoreHarness live;
  std::vector<size_t> logged_at = {live.out.logged.size()};
  std::vector<nlohmann::json> held = {Snapshot(*live.core, 0)};
  for (const auto& [now, input] : inputs) {
    input(live);
    logged_at.push_back(live.out.logged.size());
    held.push_back(Snapshot(*live.core, now));
  }
  ASSERT_FALSE(::testing::Test::HasFailure()) << "the live run itself failed";
  for (size_t point = 0; point < logged_at.size(); ++point) {
    SCOPED_TRACE("recovered after input " + std::to_string(point) + " of " +
                 std::to_string(inputs.size()));
    const int64_t now = point == 0 ? 0 : inputs[point - 1].first;
    CoreHarness recovered(CoreHarness::Start::kEmpty);
    recovered.out.now = now;
    const Status s = recovered.core->Recover(live.out.Events(logged_at[point]), now);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(Snapshot(*recovered.core, now), held[point]);
    // Recovery logs that it happened, and nothing else.
    ASSERT_EQ(recovered.out.TypesSince(0), std::vector<std::string>{ArbiterRecoveredEvent::kType});
    for (size_t i = point; i < inputs.size(); ++i) inputs[i].second(recovered);
    EXPECT_EQ(Snapshot(*recovered.core, inputs.back().first), held.back());
    const auto& mine = recovered.out.logged;
    ASSERT_EQ(mine.size() - 1, live.out.logged.size() - logged_at[point]);
    for (size_t i = 1; i < mine.size(); ++i) {
      const auto& theirs = live.out.logged[logged_at[point] + i - 1];
      EXPECT_EQ(mine[i].type, theirs.type) << "entry " << i;
      EXPECT_EQ(mine[i].task, theirs.task) << "entry " << i;
      EXPECT_EQ(Comparable(mine[i]), Comparable(theirs)) << "entry " << i << " (" << theirs.type
                                                         << ")";
      EXPECT_EQ(mine[i].time_ms, theirs.time_ms) << "entry " << i;
    }
  }
}

// The selected verifier `i` of the task (the draw is the seed's, so a
// recovered core draws the same).
std::string Selected(const CoreHarness& h, size_t i) { return h.core->task(kTask)->selected.at(i); }

template <class M>
Input Send(const M& body, std::string from, int64_t now, std::string task = kTask,
           uint64_t rid = 0, bool must_take = true) {
  return [=](CoreHarness& h) {
    const ArbiterReply r = h.Send(body, from, now, task, rid);
    if (must_take && r.reply && r.reply->type == Ack::kType) {
      EXPECT_TRUE(CoreHarness::AckOf(r).ok) << CoreHarness::AckOf(r).error;
    }
  };
}
template <class M>
Input SendBy(const M& body, size_t selected, int64_t now) {
  return [=](CoreHarness& h) {
    EXPECT_TRUE(CoreHarness::AckOf(h.Send(body, Selected(h, selected), now)).ok);
  };
}
Input Tick(int64_t now) {
  return [=](CoreHarness& h) { h.Tick(now); };
}

// Posted (with a resend of the post), refused once, joined, committed.
std::vector<std::pair<int64_t, Input>> UpToVerifying(const TaskSpec& spec, const TestTrace& trace) {
  return {
      {0, Send(PostTask{spec}, "submitter", 0, "", 11)},
      {0, Send(PostTask{spec}, "s", 0, "", 0, /*must_take=*/false)},  // refused
      {1, Send(Hello{"solver", ""}, "s", 1, "")},
      {1, Send(Hello{"verifier", ""}, "v1", 1, "")},
      {2, Send(Hello{"verifier", ""}, "v2", 2, "")},
      {3, Send(PostTask{spec}, "submitter", 3, "", 11)},  // resent: same reply
      {4, Send(Hello{"verifier", ""}, "v3", 4, "")},
      {100, Send(trace.Commit(), "s", 100)},
  };
}

// UpToVerifying, then the first selected verifier challenges `interval`
// at 200 and the second accepts.
std::vector<std::pair<int64_t, Input>> Challenged(const TaskSpec& spec, const TestTrace& trace,
                                                  int64_t interval, bool initial_state = false) {
  auto inputs = UpToVerifying(spec, trace);
  inputs.push_back({200, SendBy(trace.Challenge(interval, initial_state), 0, 200)});
  inputs.push_back({200, SendBy(trace.Accept(), 1, 200)});
  return inputs;
}

TEST(ArbiterRecoveryTest, AcceptedTask) {
  TestTrace trace;
  auto inputs = UpToVerifying(CoreHarness::Spec(), trace);
  inputs.push_back({200, SendBy(trace.Accept(), 0, 200)});
  inputs.push_back({300, SendBy(trace.Accept(), 1, 300)});
  inputs.push_back({400, Tick(400)});
  CheckRecoveryAtEveryPoint(inputs);
}

TEST(ArbiterRecoveryTest, GameInPlayThenLostOnTheChallengersClock) {
  TestTrace trace;
  auto inputs = Challenged(CoreHarness::Spec(), trace, 1);
  GameMove split;
  split.move = 0;
  split.kind = "split_hashes";
  split.hashes = {Sha256Of("middle")};
  inputs.push_back({300, Send(split, "s", 300)});
  inputs.push_back({1300, Tick(1300)});  // the challenger's clock still runs
  inputs.push_back({1301, Tick(1301)});  // and is out
  CheckRecoveryAtEveryPoint(inputs);
}

TEST(ArbiterRecoveryTest, GameLostOnTheSolversClock) {
  TestTrace trace;
  auto inputs = Challenged(CoreHarness::Spec(), trace, 1);
  inputs.push_back({1201, Tick(1201)});
  CheckRecoveryAtEveryPoint(inputs);
}

// Both selected verifiers challenge; the first loses its game on its
// clock, the second's game opens, and the second loses its own: two
// dispute_opened ... dispute_resolved runs on one task. A core recovered
// at any point — during the second game too — decides as the live one.
TEST(ArbiterRecoveryTest, TwoGamesPlayedInTurn) {
  TestTrace trace;
  auto inputs = UpToVerifying(CoreHarness::Spec(), trace);
  inputs.push_back({200, SendBy(trace.Challenge(1), 0, 200)});
  inputs.push_back({200, SendBy(trace.Challenge(0), 1, 200)});
  GameMove split;
  split.move = 0;
  split.kind = "split_hashes";
  split.hashes = {Sha256Of("middle")};
  inputs.push_back({300, Send(split, "s", 300)});
  inputs.push_back({1301, Tick(1301)});  // the first challenger is out of time
  inputs.push_back({1400, Send(split, "s", 1400)});  // the second game's first move
  inputs.push_back({2000, Tick(2000)});
  inputs.push_back({2401, Tick(2401)});  // the second challenger is out of time
  CheckRecoveryAtEveryPoint(inputs);
  // What the run is: two games, then the settlement.
  CoreHarness live;
  for (const auto& input : inputs) input.second(live);
  std::vector<std::string> games;
  std::vector<int64_t> numbers;
  for (const auto& e : live.out.logged) {
    if (e.type != DisputeOpenedEvent::kType) continue;
    games.push_back(e.data.value("challenger", ""));
    numbers.push_back(e.data.value("game", int64_t{-1}));
  }
  ASSERT_EQ(games.size(), 2u);
  EXPECT_NE(games[0], games[1]);
  EXPECT_EQ(numbers, (std::vector<int64_t>{0, 1}));
  const Message* settled = live.out.LastPublished(TaskSettled::kType);
  ASSERT_NE(settled, nullptr);
  EXPECT_EQ(Unpack<TaskSettled>(*settled)->outcome, "challenge_rejected");
}

// One challenger lists two intervals: checkpoint 0 as not the initial
// state, which the arbiter's ruling rejects on the merits, then interval
// 1, whose game opens (game 1) and is upheld on the solver's clock. A core
// recovered at any point plays the same intervals in turn.
TEST(ArbiterRecoveryTest, AChallengersIntervalsPlayedInTurn) {
  TestTrace trace;
  const TaskSpec spec = CoreHarness::Spec();
  auto config = JobConfig::FromJson(spec.job);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  auto job = MakeJob(*config);
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  auto initial = StateHash(ToState((*job)->InitialState((*job)->config().init_seed)));
  ASSERT_TRUE(initial.ok());
  trace.states[0] = *initial;
  trace.Rebuild();
  Verdict both = trace.Challenge(0, /*initial_state=*/true);
  both.further.push_back({1, "fails too", trace.Challenge(1).evidence});
  auto inputs = UpToVerifying(spec, trace);
  inputs.push_back({200, SendBy(both, 0, 200)});
  inputs.push_back({200, SendBy(trace.Accept(), 1, 200)});
  inputs.push_back({1201, Tick(1201)});  // the solver is out of time on interval 1
  CheckRecoveryAtEveryPoint(inputs);
  CoreHarness live;
  for (const auto& input : inputs) input.second(live);
  std::vector<std::string> played;
  for (const auto& e : live.out.logged) {
    if (e.type == InitialStateRulingEvent::kType) played.push_back("ruling");
    if (e.type == DisputeOpenedEvent::kType) {
      played.push_back("interval " + std::to_string(e.data.value("interval", -1)));
    }
  }
  EXPECT_EQ(played, (std::vector<std::string>{"ruling", "interval 1"}));
  const Message* settled = live.out.LastPublished(TaskSettled::kType);
  ASSERT_NE(settled, nullptr);
  EXPECT_EQ(Unpack<TaskSettled>(*settled)->outcome, "challenge_upheld");
}

// A challenger out of time forfeits the rest of its intervals, in a
// recovered core as in the live one.
TEST(ArbiterRecoveryTest, AChallengerOutOfTimeForfeitsTheRest) {
  TestTrace trace;
  auto inputs = UpToVerifying(CoreHarness::Spec(), trace);
  inputs.push_back({200, SendBy(trace.ChallengeOf({1, 0}), 0, 200)});
  inputs.push_back({200, SendBy(trace.Accept(), 1, 200)});
  GameMove split;
  split.move = 0;
  split.kind = "split_hashes";
  split.hashes = {Sha256Of("middle")};
  inputs.push_back({300, Send(split, "s", 300)});
  inputs.push_back({1301, Tick(1301)});
  CheckRecoveryAtEveryPoint(inputs);
}

TEST(ArbiterRecoveryTest, RulingOnCheckpointZero) {
  TestTrace trace;
  CheckRecoveryAtEveryPoint(Challenged(CoreHarness::Spec(), trace, 0, /*initial_state=*/true));
}

TEST(ArbiterRecoveryTest, ForcedErrorWithheldAndDeadlines) {
  TestTrace trace;
  TaskSpec spec = CoreHarness::Spec();
  spec.economics.forced_error_rate = 1;
  trace.states[2] = Sha256Of("wrong");
  trace.Rebuild();
  auto inputs = Challenged(spec, trace, 1);
  // The solver asks whether to err before it commits (input 8 of the
  // preamble).
  inputs.insert(inputs.begin() + 7,
                std::pair<int64_t, Input>{50, Send(ForcedErrorQuery{}, "s", 50)});
  inputs.push_back({1199, Tick(1199)});
  inputs.push_back({1200, Tick(1200)});  // the reveal deadline: withheld
  CheckRecoveryAtEveryPoint(inputs);
}

// The second selected verifier asks for a checkpoint the solver never
// delivers; the demand fails at 1200, and the task waits for the first
// selected verifier, which joins the failed demand at 1300. A core
// recovered in between settles it as the live one did: the first in
// selection order wins.
TEST(ArbiterRecoveryTest, WithheldSettledOnceEveryVerifierAsked) {
  TestTrace trace;
  auto inputs = UpToVerifying(CoreHarness::Spec(), trace);
  AvailabilityChallenge ask;
  ask.index = 1;
  ask.reason = "the solver refused checkpoint 1";
  inputs.push_back({200, SendBy(ask, 1, 200)});
  inputs.push_back({1200, Tick(1200)});  // the demand fails; not settled yet
  inputs.push_back({1300, SendBy(ask, 0, 1300)});
  inputs.push_back({1400, Tick(1400)});
  CheckRecoveryAtEveryPoint(inputs);
  CoreHarness live;
  for (const auto& input : inputs) input.second(live);
  const Message* settled = live.out.LastPublished(TaskSettled::kType);
  ASSERT_NE(settled, nullptr);
  EXPECT_EQ(Unpack<TaskSettled>(*settled)->outcome, "withheld");
  std::string winner, first_selected;
  for (const auto& e : live.out.logged) {
    if (e.type == VerifiersSelectedEvent::kType) first_selected = e.data.at("verifiers").at(0);
    if (e.type != SettlementEvent::kType) continue;
    for (const auto& slash : e.data.at("slashed")) {
      if (slash.value("owner", "") == "s") winner = slash.value("winner", "");
    }
  }
  EXPECT_FALSE(first_selected.empty());
  EXPECT_EQ(winner, first_selected);
}

TEST(ArbiterRecoveryTest, TrainingDeadlineAndSilence) {
  TestTrace trace;
  auto inputs = UpToVerifying(CoreHarness::Spec(), trace);
  inputs.pop_back();  // no trace is ever committed
  inputs.push_back({2000, [](CoreHarness& h) {
                      h.out.now = 2000;
                      EXPECT_TRUE(h.core->CheckSilence(2000).ok());
                    }});
  inputs.push_back({2500, Send(Heartbeat{1}, "v1", 2500, "")});
  inputs.push_back({10001, Tick(10001)});
  CheckRecoveryAtEveryPoint(inputs);
}

}  // namespace
}  // namespace veritrain
