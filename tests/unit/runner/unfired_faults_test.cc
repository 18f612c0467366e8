// A fault the scenario asks for that the run never met is a warning in the
// summary: a crash point not reached, a simulated disk that never filled
// (its task is accepted as if the disk had not mattered).
#include "scenarios/runner/unfired_faults.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/protocol/events.h"

namespace veritrain {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

Scenario FaultsScenario() {
  auto sc = ParseScenario(R"({
    "format": "veritrain-scenario/1", "name": "faults",
    "job": {"name": "synthetic", "steps": 20},
    "protocol": {"checkpoint_interval": 5},
    "participants": [{"name": "solver-1", "role": "solver"},
                     {"name": "verifier-1", "role": "verifier"}],
    "crashes": [{"participant": "verifier-1", "at": "verification", "after": 1}],
    "disk_faults": [{"participant": "solver-1", "free_bytes": 30000}]
  })", "faults.json");
  EXPECT_TRUE(sc.ok()) << sc.status().ToString();
  return sc.ok() ? *sc : Scenario{};
}

Event TrainingFailed(const std::string& solver, const std::string& reason) {
  Event e;
  e.type = TrainingFailedEvent::kType;
  e.task = "task-0001";
  e.data = TrainingFailedEvent{solver, reason}.ToJson();
  return e;
}

TEST(UnfiredFaults, ACrashNotReachedAndADiskThatNeverFilledAreNamed) {
  const auto warnings = UnfiredFaultWarnings(FaultsScenario(), {}, {});
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_EQ(warnings[0],
            "the crash of verifier-1 at verification after 1 never happened: the run did not "
            "reach that point");
  EXPECT_THAT(warnings[1], HasSubstr("the disk of solver-1 never filled: its checkpoints fitted "
                                     "in its 30000 free bytes"));
}

TEST(UnfiredFaults, FaultsThatHappenedAreNotNamed) {
  const std::string enospc =
      "IOError: write checkpoint /tmp/w/solver-1/task-0001/ckpt-000004.vtc: cannot write "
      "/tmp/w/solver-1/task-0001/ckpt-000004.vtc.tmp.1.8: No space left on device";
  EXPECT_THAT(UnfiredFaultWarnings(FaultsScenario(), {"verifier-1"},
                                   {TrainingFailed("solver-1", enospc)}),
              IsEmpty());
  // A solver that gave up for another reason, or another solver's full
  // disk, did not fill this one.
  for (const Event& e : {TrainingFailed("solver-1", "IOError: Permission denied"),
                         TrainingFailed("solver-2", enospc)}) {
    EXPECT_THAT(UnfiredFaultWarnings(FaultsScenario(), {"verifier-1"}, {e}),
                ElementsAre(HasSubstr("the disk of solver-1 never filled")));
  }
}

}  // namespace
}  // namespace veritrain
