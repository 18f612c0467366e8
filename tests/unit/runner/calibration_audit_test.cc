// The audit of a calibrated run's calibration files
// (scenarios/runner/calibration_audit.h): what a calibration writes passes;
// an edited threshold, record, sample row or a missing file does not.
#include "scenarios/runner/calibration_audit.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "core/protocol/events.h"
#include "scenarios/calibrate/calibrate.h"
#include "scenarios/runner/run.h"
#include "tests/support/files.h"

namespace veritrain {
namespace {

using ::testing::HasSubstr;
using json = nlohmann::json;

std::string Read(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void Write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

class CalibrationAuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto sc = ParseScenario(json({{"format", "veritrain-scenario/1"},
                                  {"name", "cal-audit"},
                                  {"seed", 3},
                                  {"job", {{"name", "synthetic"}, {"steps", 20}, {"batch_size", 16}}},
                                  {"protocol",
                                   {{"checkpoint_interval", 5},
                                    {"mode", "tolerance"},
                                    {"metrics", {"l2", "cosine"}},
                                    {"calibration",
                                     {{"profiles", {{{"threads", 1}}, {{"dtype", "float64"}}}},
                                      {"seeds", {4, 5}},
                                      {"intervals", 2},
                                      {"first_interval_seeds", 0}}}}},
                                  {"participants",
                                   {{{"name", "s"}, {"role", "solver"}},
                                    {{"name", "v"}, {"role", "verifier"},
                                     {"profile", {{"dtype", "float64"}}}}}}})
                                 .dump(),
                             "cal.json");
    ASSERT_TRUE(sc.ok()) << sc.status().ToString();
    auto c = CalibrateAndWrite(*sc, dir_.path());
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    manifest_ = {{"calibration", c->record}};
    TaskSpec spec = TaskSpecForScenario(*sc);
    ApplyCalibration(c->calibration, &spec);
    Event posted;
    posted.type = TaskPostedEvent::kType;
    posted.task = "task-0001";
    posted.data = {{"spec", spec.ToJson()}};
    events_ = {posted};
  }
  std::vector<std::string> Problems() {
    std::vector<std::string> problems, passed;
    AuditCalibrationFiles(dir_.path(), manifest_, events_, &problems, &passed);
    return problems;
  }
  std::string Path(const std::string& name) { return dir_.path() + "/" + name; }

  testing_util::ScratchDir dir_;
  json manifest_;
  std::vector<Event> events_;
};

TEST_F(CalibrationAuditTest, WhatACalibrationWritesPasses) {
  EXPECT_THAT(Problems(), ::testing::IsEmpty());
}

TEST_F(CalibrationAuditTest, AnEditedThresholdOrRecordIsFound) {
  json cal = json::parse(Read(Path("calibration.json")));
  const std::string steps = cal["delta_by_steps"].begin().key();
  cal["delta_by_steps"][steps]["l2"] = 99;
  cal["false_positive"]["per_task"]["rate"] = 0.5;
  Write(Path("calibration.json"), cal.dump());
  const auto problems = ::testing::PrintToString(Problems());
  EXPECT_THAT(problems, HasSubstr("calibration.json: delta_by_steps/" + steps +
                                  "/l2 is not the threshold the task in events.jsonl applied"));
  EXPECT_THAT(problems, HasSubstr("calibration.json: \\\"false_positive\\\" is not the "
                                  "calibration manifest.json records"));
}

// Samples scaled (×1000) in calibration.json and calibration.csv, every
// figure and threshold left: the figures are not what the samples give.
// It passed: the samples were only compared with calibration.csv.
TEST_F(CalibrationAuditTest, SamplesThatDoNotGiveTheFiguresAreFound) {
  json cal = json::parse(Read(Path("calibration.json")));
  for (auto& sample : cal["samples"]) {
    for (auto& [metric, d] : sample["distances"].items()) d = d.get<double>() * 1000 + 1;
  }
  Write(Path("calibration.json"), cal.dump());
  EXPECT_THAT(::testing::PrintToString(Problems()),
              HasSubstr("calibration.json: lengths/"));
  EXPECT_THAT(::testing::PrintToString(Problems()), HasSubstr("its samples give"));
}

TEST_F(CalibrationAuditTest, AnEditedTableRowOrAMissingFileIsFound) {
  std::string csv = Read(Path("calibration.csv"));
  const size_t last_comma = csv.rfind(',', csv.size() - 2);
  Write(Path("calibration.csv"), csv.substr(0, last_comma) + ",1e-3\n");
  EXPECT_THAT(::testing::PrintToString(Problems()),
              HasSubstr("calibration.csv: a row (" ));
  Write(Path("calibration.csv"), csv);
  std::string nodes = Read(Path("calibration_nodes.csv"));
  Write(Path("calibration_nodes.csv"), nodes.substr(0, nodes.find('\n') + 1));
  EXPECT_THAT(::testing::PrintToString(Problems()),
              HasSubstr("calibration_nodes.csv: 0 rows, calibration.json's node_samples give "));
  std::filesystem::remove(Path("calibration.json"));
  EXPECT_THAT(::testing::PrintToString(Problems()),
              HasSubstr("calibration.json: missing, though manifest.json records a calibration"));
}

}  // namespace
}  // namespace veritrain
