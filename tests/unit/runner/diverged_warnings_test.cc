// A diverged training is said in the warnings, once per task: accepted at
// distance 0 (NaN against NaN), a cheat inside it was paid and nothing but
// a column said the run had verified nothing.
#include "scenarios/runner/diverged_warnings.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/protocol/events.h"

namespace veritrain {
namespace {

Event Committed(const std::string& task, const nlohmann::json& norms) {
  Event e;
  e.type = TraceCommittedEvent::kType;
  e.task = task;
  e.data = {{"body", {{"update_norms", norms}}}};
  return e;
}

TEST(DivergedWarningsTest, ATaskWhoseUpdateNormIsNotFiniteIsSaidOnce) {
  const std::vector<Event> events = {
      Committed("task-0001", {1.5, 2.0}),
      Committed("task-0002", {1e20, "nan", "nan"}),
      Committed("task-0002", {1e20, "inf"}),  // its real trace after a forced error
      Committed("task-0003", {0.5, "-inf"})};
  const std::vector<std::string> w = DivergedTrainingWarnings(events);
  ASSERT_EQ(w.size(), 2u);
  EXPECT_THAT(w[0], ::testing::StartsWith("task-0002: the training diverged (update norm 1 is "
                                          "not finite)"));
  EXPECT_THAT(w[1], ::testing::StartsWith("task-0003: the training diverged (update norm 1"));
  EXPECT_TRUE(DivergedTrainingWarnings({Committed("task-0001", {1.0})}).empty());
}

}  // namespace
}  // namespace veritrain
