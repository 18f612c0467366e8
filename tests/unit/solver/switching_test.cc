// The switching solver: it plays the strategy its file names, from the
// next task on; it counts the steps that strategy computed; a file naming
// another strategy fails the task; bad parameters are refused.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "core/train/hardware_profile.h"
#include "core/train/job.h"
#include "core/util/strategy_file.h"
#include "solver/behaviour.h"
#include "tests/support/files.h"

namespace veritrain {
namespace {

using ::testing::HasSubstr;

class SwitchingSolverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(ApplyHardwareProfile(HardwareProfile()).ok());
    auto c = JobConfig::FromJson({{"name", "synthetic"},
                                  {"steps", 20},
                                  {"batch_size", 8},
                                  {"init_seed", 3},
                                  {"data_seed", 4},
                                  {"hidden", {4}},
                                  {"optimizer", {{"name", "sgd"}, {"lr", 0.05}}}});
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    auto job = MakeJob(*c);
    ASSERT_TRUE(job.ok()) << job.status().ToString();
    job_ = std::move(job).value();
    file_ = dir_.path() + "/s.json";
  }
  nlohmann::json Params() const {
    return {{"strategies", {{"honest", nlohmann::json::object()}, {"lazy", {{"fraction", 1.0}}}}},
            {"initial", "honest"},
            {"file", file_}};
  }
  // One task of 20 steps: StartTask, then every step.
  Status Train(SolverBehaviour& b) {
    TaskContext task{"task-0001", job_->config(), 20, 10, 1};
    VT_RETURN_IF_ERROR(b.StartTask(*job_, task));
    TensorMap state = job_->InitialState(3);
    for (int i = 0; i < 20; ++i) {
      VT_ASSIGN_OR_RETURN(state, b.Step(*job_, state));
    }
    return Status::Ok();
  }
  void Say(const std::string& text) { std::ofstream(file_) << text; }

  testing_util::ScratchDir dir_;
  std::string file_;
  std::unique_ptr<TrainingJob> job_;
};

TEST_F(SwitchingSolverTest, PlaysTheStrategyItsFileNames) {
  auto b = MakeSolverBehaviour("switching", Params());
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  // No file yet: the initial strategy.
  ASSERT_TRUE(Train(**b).ok());
  EXPECT_EQ((*b)->name(), "honest");
  EXPECT_EQ((*b)->steps_computed(), 20);
  Say(StrategyFileText("lazy"));
  ASSERT_TRUE(Train(**b).ok());
  EXPECT_EQ((*b)->name(), "lazy");
  EXPECT_EQ((*b)->steps_computed(), 0);  // lazy with fraction 1 computes nothing
  EXPECT_EQ((*b)->Report().value("steps_skipped", int64_t{-1}), 20);
  Say(StrategyFileText("honest"));
  ASSERT_TRUE(Train(**b).ok());
  EXPECT_EQ((*b)->name(), "honest");
  EXPECT_EQ((*b)->steps_computed(), 20);
}

TEST_F(SwitchingSolverTest, AFileNamingAnotherStrategyFailsTheTask) {
  auto b = MakeSolverBehaviour("switching", Params());
  ASSERT_TRUE(b.ok());
  Say(StrategyFileText("replay"));
  EXPECT_THAT(Train(**b).message(), HasSubstr("names 'replay', which is not one of"));
  Say("{\"strategy\": 3}");
  EXPECT_THAT(Train(**b).message(), HasSubstr("is not {\"strategy\""));
}

TEST_F(SwitchingSolverTest, BadParametersAreRefused) {
  nlohmann::json p = Params();
  p["strategies"].erase("lazy");
  EXPECT_THAT(MakeSolverBehaviour("switching", p).status().message(), HasSubstr("at least two"));
  p = Params();
  p["initial"] = "stall";
  EXPECT_THAT(MakeSolverBehaviour("switching", p).status().message(), HasSubstr("initial"));
  p = Params();
  p.erase("file");
  EXPECT_THAT(MakeSolverBehaviour("switching", p).status().message(), HasSubstr("file"));
  p = Params();
  p["strategies"]["lazy"] = {{"fraction", 7}};
  EXPECT_THAT(MakeSolverBehaviour("switching", p).status().message(),
              HasSubstr("switching.strategies.lazy"));
  p = Params();
  p["strategies"]["switching"] = nlohmann::json::object();
  EXPECT_THAT(MakeSolverBehaviour("switching", p).status().message(), HasSubstr("itself"));
  p = Params();
  p["extra"] = 1;
  EXPECT_FALSE(MakeSolverBehaviour("switching", p).ok());
}

}  // namespace
}  // namespace veritrain
