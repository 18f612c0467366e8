// Proof-of-learning's check of one interval (core/pol/check_interval.h),
// without sockets: an honest interval passes in exact and tolerance mode;
// a corrupted end state fails with its distance reported; a start or end
// that does not record its step, a start that is not a state of the job
// and a wrong posted update norm are findings; bad arguments are refused
// with an error naming what is wrong.
#include "core/pol/check_interval.h"

#include <gtest/gtest.h>
#include <torch/types.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "core/state/state_hash.h"
#include "core/train/torch_bridge.h"
#include "tests/unit/train/train_test_util.h"

namespace veritrain {
namespace {

using testing_util::MakeJobOrDie;
using testing_util::SyntheticJobJson;
using testing_util::TrainSteps;
using testing_util::UseTestProfile;

constexpr int64_t kFirst = 3;  // the interval starts after 3 steps
constexpr int64_t kSteps = 4;

VerificationPolicy Tolerance(double l2) {
  VerificationPolicy p;
  p.metrics = {"l2"};
  p.delta = {{"l2", l2}};
  return p;
}

// The first parameter of a state, by name.
std::string FirstParameter(const TensorMap& state) {
  for (const auto& [name, t] : state) {
    if (name.rfind("param/", 0) == 0) return name;
  }
  return "";
}

class CheckIntervalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    UseTestProfile();
    job_ = MakeJobOrDie(SyntheticJobJson());
    ASSERT_NE(job_, nullptr);
    start_ = TrainSteps(*job_, job_->InitialState(4), kFirst);
    end_ = TrainSteps(*job_, start_, kSteps);
    end_state_ = ToState(end_);
    auto hash = StateHash(end_state_);
    ASSERT_TRUE(hash.ok());
    end_hash_ = *hash;
    param_ = FirstParameter(end_);
    ASSERT_FALSE(param_.empty());
  }
  // The honest end with `delta` added to every element of one parameter.
  State Corrupted(double delta) const {
    TensorMap moved = end_;
    moved[param_] = moved[param_] + delta;
    return ToState(moved);
  }
  Result<IntervalCheck> Check(IntervalMode mode, const VerificationPolicy& policy,
                              const ClaimedEnd& end, const TensorMap* start = nullptr) {
    return CheckInterval(*job_, policy, mode, start != nullptr ? *start : start_, end,
                         {kFirst, kSteps});
  }
  std::unique_ptr<TrainingJob> job_;
  TensorMap start_;
  TensorMap end_;
  State end_state_;
  Digest end_hash_;
  std::string param_;
};

TEST_F(CheckIntervalTest, AnHonestIntervalMatchesExactly) {
  ClaimedEnd end;
  end.hash = end_hash_;
  int loads = 0;
  end.load_tensors = [&]() -> const State* {
    ++loads;
    return &end_state_;
  };
  auto check = Check(IntervalMode::kExact, VerificationPolicy(), end);
  ASSERT_TRUE(check.ok()) << check.status().ToString();
  EXPECT_TRUE(check->passed()) << IntervalFindingName(check->finding) << ": " << check->detail;
  EXPECT_EQ(check->steps_reexecuted, kSteps);
  EXPECT_TRUE(check->bit_equal);
  EXPECT_EQ(*check->computed_hash, end_hash_);
  // A match needs no tensors: none are fetched.
  EXPECT_EQ(loads, 0);
  EXPECT_FALSE(check->compared);
  const nlohmann::json report = check->ReportFields(IntervalMode::kExact);
  EXPECT_EQ(report["computed_end_hash"], end_hash_.Hex());
  EXPECT_EQ(report["bit_equal"], true);
  EXPECT_FALSE(report.contains("distances"));
}

TEST_F(CheckIntervalTest, AnHonestIntervalPassesWithinToleranceInAnotherPrecision) {
  // Re-executed in float64 from the float32 start: not the same bits, but
  // close.
  nlohmann::json j = SyntheticJobJson();
  j["dtype"] = "float64";
  auto wide = MakeJobOrDie(j);
  ASSERT_NE(wide, nullptr);
  ClaimedEnd end;
  end.hash = end_hash_;
  end.tensors = &end_state_;
  auto check = CheckInterval(*wide, Tolerance(1e-3), IntervalMode::kTolerance, start_, end,
                             {kFirst, kSteps});
  ASSERT_TRUE(check.ok()) << check.status().ToString();
  EXPECT_TRUE(check->passed()) << IntervalFindingName(check->finding) << ": " << check->detail;
  EXPECT_FALSE(check->bit_equal);
  ASSERT_TRUE(check->distances.has_value());
  const double l2 = check->distances->distances["l2"].get<double>();
  EXPECT_GT(l2, 0);
  EXPECT_LT(l2, 1e-3);
  EXPECT_TRUE(check->distances->within);
  const nlohmann::json report = check->ReportFields(IntervalMode::kTolerance);
  EXPECT_EQ(report["delta"]["l2"], 1e-3);
  EXPECT_EQ(report["exceeded"], nlohmann::json::array());
  EXPECT_GT(report["update_norm"].get<double>(), 0);
}

TEST_F(CheckIntervalTest, ACorruptedEndFailsExactModeWithItsDistance) {
  const State corrupted = Corrupted(1e-3);
  auto hash = StateHash(corrupted);
  ASSERT_TRUE(hash.ok());
  ClaimedEnd end;
  end.hash = *hash;
  int loads = 0;
  end.load_tensors = [&]() -> const State* {
    ++loads;
    return &corrupted;
  };
  auto check = Check(IntervalMode::kExact, VerificationPolicy(), end);
  ASSERT_TRUE(check.ok()) << check.status().ToString();
  EXPECT_EQ(check->finding, IntervalFinding::kHashDiffers);
  EXPECT_FALSE(check->bit_equal);
  // The mismatch fetched the end's tensors to say how far off it is.
  EXPECT_EQ(loads, 1);
  EXPECT_EQ(check->end_tensors, &corrupted);
  ASSERT_TRUE(check->distances.has_value());
  EXPECT_NEAR(check->distances->distances["linf"].get<double>(), 1e-3, 1e-6);
  const nlohmann::json report = check->ReportFields(IntervalMode::kExact);
  EXPECT_EQ(report["bit_equal"], false);
  EXPECT_TRUE(report.contains("distances"));
  EXPECT_FALSE(report.contains("delta"));  // exact mode judges no δ
  // The end came after the start was let go: the update is not measured.
  EXPECT_FALSE(report.contains("update_norm"));
}

// A start moved in is let go as the first step replaces it: its
// parameters are freed before the second step (the verifier of a 100-MB
// state held the start through the whole interval). The update norm is
// measured before, where the end's tensors are at hand.
TEST_F(CheckIntervalTest, AStartMovedInIsFreedAsTheReexecutionReplacesIt) {
  TensorMap start = CloneTensorMap(start_);
  // The parameter's own buffer, whose deleter says when its storage goes.
  bool freed = false;
  const torch::Tensor p = start.at(param_).contiguous();
  auto* buffer = new std::vector<uint8_t>(p.numel() * p.element_size());
  std::memcpy(buffer->data(), p.data_ptr(), buffer->size());
  start[param_] = torch::from_blob(
      buffer->data(), p.sizes(),
      [buffer, &freed](void*) {
        freed = true;
        delete buffer;
      },
      p.options());
  ClaimedEnd end;
  end.tensors = &end_state_;
  std::vector<bool> alive;
  auto check = CheckInterval(*job_, Tolerance(1e-6), IntervalMode::kTolerance, std::move(start),
                             end, {kFirst, kSteps}, [&] {
                               alive.push_back(!freed);
                               return Status::Ok();
                             });
  ASSERT_TRUE(check.ok()) << check.status().ToString();
  EXPECT_TRUE(check->passed());
  ASSERT_EQ(alive.size(), static_cast<size_t>(kSteps));
  EXPECT_TRUE(alive[0]);   // before the first step
  EXPECT_FALSE(alive[1]);  // replaced by it
  // The same update norm as a start the caller keeps.
  auto kept = Check(IntervalMode::kTolerance, Tolerance(1e-6), end);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(check->distances->update_l2, kept->distances->update_l2);
  EXPECT_GT(check->distances->update_l2, 0);
  EXPECT_TRUE(check->ReportFields(IntervalMode::kTolerance).contains("update_norm"));
}

TEST_F(CheckIntervalTest, ACorruptedEndFailsToleranceModeOutsideDelta) {
  const State corrupted = Corrupted(1e-2);
  ClaimedEnd end;
  end.tensors = &corrupted;
  auto check = Check(IntervalMode::kTolerance, Tolerance(1e-6), end);
  ASSERT_TRUE(check.ok()) << check.status().ToString();
  EXPECT_EQ(check->finding, IntervalFinding::kOutsideDelta);
  EXPECT_EQ(check->detail, "[\"l2\"]");
  ASSERT_TRUE(check->distances.has_value());
  EXPECT_GT(check->distances->distances["l2"].get<double>(), 1e-2);
  const nlohmann::json report = check->ReportFields(IntervalMode::kTolerance);
  EXPECT_EQ(report["exceeded"], nlohmann::json::array({"l2"}));
  // Without a claimed hash the re-executed state is not hashed.
  EXPECT_FALSE(report.contains("computed_end_hash"));
}

TEST_F(CheckIntervalTest, AWrongPostedUpdateNormFailsToleranceMode) {
  ClaimedEnd end;
  end.tensors = &end_state_;
  auto honest = Check(IntervalMode::kTolerance, Tolerance(1e-6), end);
  ASSERT_TRUE(honest.ok()) << honest.status().ToString();
  ASSERT_TRUE(honest->passed());
  const double actual = honest->distances->update_l2;
  end.update_norm = actual;
  auto same = Check(IntervalMode::kTolerance, Tolerance(1e-6), end);
  ASSERT_TRUE(same.ok());
  EXPECT_TRUE(same->passed());
  end.update_norm = actual * 2;
  auto wrong = Check(IntervalMode::kTolerance, Tolerance(1e-6), end);
  ASSERT_TRUE(wrong.ok());
  EXPECT_EQ(wrong->finding, IntervalFinding::kUpdateNorm);
  EXPECT_EQ(wrong->ReportFields(IntervalMode::kTolerance)["norm_mismatch"], true);
}

TEST_F(CheckIntervalTest, AStartThatDoesNotRecordItsStepIsAFinding) {
  ClaimedEnd end;
  end.hash = end_hash_;
  auto check = CheckInterval(*job_, VerificationPolicy(), IntervalMode::kExact, start_, end,
                             {kFirst - 1, kSteps});
  ASSERT_TRUE(check.ok()) << check.status().ToString();
  EXPECT_EQ(check->finding, IntervalFinding::kStartStep);
  EXPECT_EQ(check->detail, "the start does not record step 2");
  EXPECT_EQ(check->steps_reexecuted, 0);
}

TEST_F(CheckIntervalTest, AnEndThatDoesNotRecordItsStepIsAFinding) {
  State wrong = end_state_;
  for (TensorData& t : wrong) {
    if (t.name != "meta/step") continue;
    const int64_t step = kFirst + kSteps + 1;
    t.bytes = Bytes::Copy(&step, sizeof(step));
  }
  ClaimedEnd end;
  end.tensors = &wrong;
  auto check = Check(IntervalMode::kTolerance, Tolerance(1e-6), end);
  ASSERT_TRUE(check.ok()) << check.status().ToString();
  EXPECT_EQ(check->finding, IntervalFinding::kEndStep);
  EXPECT_EQ(check->detail, "the end does not record step 7");
  EXPECT_TRUE(RecordsStep(end_state_, kFirst + kSteps));
  EXPECT_FALSE(RecordsStep(wrong, kFirst + kSteps));
}

TEST_F(CheckIntervalTest, AStartThatIsNotAStateOfTheJobIsAFinding) {
  TensorMap start = start_;
  start.erase(param_);
  ClaimedEnd end;
  end.hash = end_hash_;
  auto check = Check(IntervalMode::kExact, VerificationPolicy(), end, &start);
  ASSERT_TRUE(check.ok()) << check.status().ToString();
  EXPECT_EQ(check->finding, IntervalFinding::kStartShape);
  EXPECT_NE(check->detail.find(param_), std::string::npos) << check->detail;
  EXPECT_EQ(check->steps_reexecuted, 0);
  EXPECT_EQ(check->ReportFields(IntervalMode::kExact)["error"], check->problem.ToString());
}

TEST_F(CheckIntervalTest, AnEndThatCannotBeComparedIsAFindingInToleranceMode) {
  TensorMap missing = end_;
  missing.erase(param_);
  const State committed = ToState(missing);
  ClaimedEnd end;
  end.tensors = &committed;
  auto check = Check(IntervalMode::kTolerance, Tolerance(1e-6), end);
  ASSERT_TRUE(check.ok()) << check.status().ToString();
  EXPECT_EQ(check->finding, IntervalFinding::kIncomparable);
  EXPECT_NE(check->detail.find(param_), std::string::npos) << check->detail;
}

TEST_F(CheckIntervalTest, MeasureModeMeasuresEveryMetricNormalised) {
  VerificationPolicy measure;
  measure.reference = {{"l2", 2.0}};
  const State corrupted = Corrupted(1e-2);
  ClaimedEnd end;
  end.tensors = &corrupted;
  auto check = Check(IntervalMode::kMeasure, measure, end);
  ASSERT_TRUE(check.ok()) << check.status().ToString();
  EXPECT_TRUE(check->passed());  // measure mode judges nothing
  const nlohmann::json& d = check->distances->distances;
  for (const char* m : {"l1", "l2", "linf", "cosine"}) EXPECT_TRUE(d.contains(m)) << m;
  EXPECT_DOUBLE_EQ(d["l2"].get<double>() * 2.0,
                   check->distances->raw_distances["l2"].get<double>());
}

TEST_F(CheckIntervalTest, TheHookRunsBeforeEveryStepAndCanStopTheCheck) {
  ClaimedEnd end;
  end.hash = end_hash_;
  int calls = 0;
  auto counted = CheckInterval(*job_, VerificationPolicy(), IntervalMode::kExact, start_, end,
                               {kFirst, kSteps}, [&] {
                                 ++calls;
                                 return Status::Ok();
                               });
  ASSERT_TRUE(counted.ok());
  EXPECT_EQ(calls, kSteps);
  auto stopped = CheckInterval(*job_, VerificationPolicy(), IntervalMode::kExact, start_, end,
                               {kFirst, kSteps},
                               [] { return Status::Unavailable("the arbiter is gone"); });
  ASSERT_FALSE(stopped.ok());
  EXPECT_EQ(stopped.status().message(), "the arbiter is gone");
}

TEST_F(CheckIntervalTest, BadArgumentsAreRefusedNamingWhatIsWrong) {
  ClaimedEnd hashed;
  hashed.hash = end_hash_;
  ClaimedEnd with_tensors;
  with_tensors.tensors = &end_state_;
  struct Case {
    IntervalMode mode;
    VerificationPolicy policy;
    ClaimedEnd end;
    IntervalSpan span;
    std::string says;
  };
  VerificationPolicy no_delta;
  const std::vector<Case> cases = {
      {IntervalMode::kExact, {}, hashed, {kFirst, 0}, "steps must be at least 1, not 0"},
      {IntervalMode::kExact, {}, hashed, {-1, kSteps}, "first_step must not be negative"},
      {IntervalMode::kExact, {}, with_tensors, {kFirst, kSteps}, "exact mode needs the claimed"},
      {IntervalMode::kTolerance, Tolerance(1), hashed, {kFirst, kSteps},
       "tolerance mode needs the claimed end's tensors"},
      {IntervalMode::kTolerance, no_delta, with_tensors, {kFirst, kSteps}, "l2"},
      {IntervalMode::kInvalid, {}, hashed, {kFirst, kSteps}, "invalid mode"},
  };
  for (const auto& c : cases) {
    auto check = CheckInterval(*job_, c.policy, c.mode, start_, c.end, c.span);
    ASSERT_FALSE(check.ok()) << c.says;
    EXPECT_EQ(check.status().code(), Status::Code::kInvalidArgument) << c.says;
    EXPECT_NE(check.status().message().find(c.says), std::string::npos)
        << check.status().message();
  }
}

TEST_F(CheckIntervalTest, CheckpointZeroIsTheJobsInitialState) {
  auto init_hash = StateHash(ToState(job_->InitialState(4)));
  ASSERT_TRUE(init_hash.ok());
  auto same = IsInitialState(*job_, 4, *init_hash);
  ASSERT_TRUE(same.ok());
  EXPECT_TRUE(*same);
  auto other = IsInitialState(*job_, 5, *init_hash);
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(*other);  auto hash = InitialStateHash(*job_, 4);
  ASSERT_TRUE(hash.ok());
  EXPECT_EQ(*hash, *init_hash);
  EXPECT_NE(*InitialStateHash(*job_, 5), *init_hash);
}

TEST(IntervalModeTest, NamesAreTheTasksModes) {
  EXPECT_EQ(*IntervalModeFromName("exact"), IntervalMode::kExact);
  EXPECT_EQ(*IntervalModeFromName("tolerance"), IntervalMode::kTolerance);
  auto bad = IntervalModeFromName("fuzzy");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("'fuzzy'"), std::string::npos);
  EXPECT_STREQ(IntervalFindingName(IntervalFinding::kOutsideDelta), "outside_delta");
  EXPECT_STREQ(IntervalFindingName(IntervalFinding::kInvalid), "invalid");
}

}  // namespace
}  // namespace veritrain
