// Tests of expectation evaluation: each operator passing and failing,
// missing values, non-numbers with min/max, default descriptions.
#include "scenarios/spec/expect.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace veritrain {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

const json& Summary() {
  static const json summary = json::parse(R"({
    "tasks": [{
      "outcome": "accepted",
      "test_accuracy": 0.82,
      "verifier_steps_reexecuted": 100,
      "challenge": null,
      "big": 9007199254740993
    }]
  })");
  return summary;
}

ExpectationResult EvalOne(const json& e) {
  std::vector<ExpectationResult> r =
      EvaluateExpectations(json::array({e}), Summary());
  EXPECT_EQ(r.size(), 1u);
  return r.empty() ? ExpectationResult{} : r[0];
}

TEST(ExpectTest, EqualsPassesAndFails) {
  ExpectationResult pass =
      EvalOne({{"path", "/tasks/0/outcome"}, {"equals", "accepted"}});
  EXPECT_TRUE(pass.passed) << pass.detail;
  EXPECT_EQ(pass.actual, "accepted");
  EXPECT_EQ(pass.description, "/tasks/0/outcome == \"accepted\"");

  ExpectationResult fail =
      EvalOne({{"path", "/tasks/0/outcome"}, {"equals", "rejected"}});
  EXPECT_FALSE(fail.passed);
  EXPECT_EQ(fail.actual, "accepted");
  EXPECT_EQ(fail.detail, "got \"accepted\", expected \"rejected\"");
}

TEST(ExpectTest, EqualsComparesNumbersNumerically) {
  EXPECT_TRUE(EvalOne({{"path", "/tasks/0/verifier_steps_reexecuted"},
                       {"equals", 100.0}})
                  .passed);
  EXPECT_TRUE(
      EvalOne({{"path", "/tasks/0/verifier_steps_reexecuted"}, {"equals", 100}})
          .passed);
  EXPECT_FALSE(EvalOne({{"path", "/tasks/0/verifier_steps_reexecuted"},
                        {"equals", 100.5}})
                   .passed);
  EXPECT_FALSE(EvalOne({{"path", "/tasks/0/verifier_steps_reexecuted"},
                        {"equals", "100"}})
                   .passed);
  // Inside structures too.
  json summary = {{"a", {{"b", 1}, {"c", json::array({2, 3})}}}};
  std::vector<ExpectationResult> r = EvaluateExpectations(
      json::array({{{"path", "/a"},
                    {"equals", {{"b", 1.0}, {"c", json::array({2.0, 3})}}}}}),
      summary);
  EXPECT_TRUE(r[0].passed) << r[0].detail;
}

TEST(ExpectTest, EqualsNullMatchesAPresentNull) {
  EXPECT_TRUE(
      EvalOne({{"path", "/tasks/0/challenge"}, {"equals", nullptr}}).passed);
  ExpectationResult missing =
      EvalOne({{"path", "/tasks/0/nothing"}, {"equals", nullptr}});
  EXPECT_FALSE(missing.passed);
  EXPECT_EQ(missing.detail.rfind("no value at /tasks/0/nothing: ", 0), 0u) << missing.detail;
}

TEST(ExpectTest, NotEqualsPassesAndFails) {
  ExpectationResult pass =
      EvalOne({{"path", "/tasks/0/outcome"}, {"not_equals", "rejected"}});
  EXPECT_TRUE(pass.passed) << pass.detail;
  EXPECT_EQ(pass.description, "/tasks/0/outcome != \"rejected\"");
  ExpectationResult fail =
      EvalOne({{"path", "/tasks/0/outcome"}, {"not_equals", "accepted"}});
  EXPECT_FALSE(fail.passed);
  // A missing value does not count as "different".
  EXPECT_FALSE(
      EvalOne({{"path", "/tasks/0/x"}, {"not_equals", "accepted"}}).passed);
}

TEST(ExpectTest, MinPassesAndFails) {
  ExpectationResult pass =
      EvalOne({{"path", "/tasks/0/test_accuracy"}, {"min", 0.7}});
  EXPECT_TRUE(pass.passed) << pass.detail;
  EXPECT_EQ(pass.description, "/tasks/0/test_accuracy >= 0.7");
  EXPECT_TRUE(
      EvalOne({{"path", "/tasks/0/test_accuracy"}, {"min", 0.82}}).passed);
  ExpectationResult fail =
      EvalOne({{"path", "/tasks/0/test_accuracy"}, {"min", 0.9}});
  EXPECT_FALSE(fail.passed);
  EXPECT_EQ(fail.actual, 0.82);
  EXPECT_EQ(fail.detail, "got 0.82, below the minimum 0.9");
}

TEST(ExpectTest, MaxPassesAndFails) {
  EXPECT_TRUE(
      EvalOne({{"path", "/tasks/0/verifier_steps_reexecuted"}, {"max", 100}})
          .passed);
  ExpectationResult fail =
      EvalOne({{"path", "/tasks/0/verifier_steps_reexecuted"}, {"max", 99.5}});
  EXPECT_FALSE(fail.passed);
  EXPECT_EQ(fail.detail, "got 100, above the maximum 99.5");
}

TEST(ExpectTest, MinAndMaxTogetherFormARange) {
  json range = {{"path", "/tasks/0/test_accuracy"}, {"min", 0.8}, {"max", 0.9}};
  ExpectationResult in = EvalOne(range);
  EXPECT_TRUE(in.passed) << in.detail;
  EXPECT_EQ(in.description, "0.8 <= /tasks/0/test_accuracy <= 0.9");
  range["max"] = 0.81;
  EXPECT_FALSE(EvalOne(range).passed);
  range["max"] = 0.9;
  range["min"] = 0.83;
  EXPECT_FALSE(EvalOne(range).passed);
}

TEST(ExpectTest, LargeIntegersCompareExactly) {
  // 2^53 + 1 is not representable as a double; compared as double it would
  // equal the bound 2^53.
  EXPECT_FALSE(
      EvalOne({{"path", "/tasks/0/big"}, {"max", 9007199254740992LL}}).passed);
  EXPECT_TRUE(
      EvalOne({{"path", "/tasks/0/big"}, {"min", 9007199254740993LL}}).passed);
}

TEST(ExpectTest, MissingPathFails) {
  ExpectationResult r =
      EvalOne({{"path", "/tasks/0/x"}, {"equals", "accepted"}});
  EXPECT_FALSE(r.passed);
  EXPECT_TRUE(r.actual.is_null());
  // The detail says which part is missing and what is there instead.
  EXPECT_EQ(r.detail,
            "no value at /tasks/0/x: /tasks/0 has no field \"x\" (it has: big, challenge, "
            "outcome, test_accuracy, verifier_steps_reexecuted)");
  // Out-of-range index and indexing into a scalar are missing values too.
  EXPECT_EQ(EvalOne({{"path", "/tasks/3/outcome"}, {"min", 1}}).detail,
            "no value at /tasks/3/outcome: /tasks has 1 element(s); \"3\" is not one of them");
  EXPECT_EQ(EvalOne({{"path", "/tasks/0/outcome/x"}, {"equals", 1}}).detail,
            "no value at /tasks/0/outcome/x: /tasks/0/outcome is \"accepted\", which has no "
            "field \"x\"");
  EXPECT_EQ(EvalOne({{"path", "/tasks/x"}, {"equals", 1}}).detail,
            "no value at /tasks/x: /tasks has 1 element(s); \"x\" is not one of them");
}

TEST(ExpectTest, MinOnANonNumberFails) {
  ExpectationResult r = EvalOne({{"path", "/tasks/0/outcome"}, {"min", 0}});
  EXPECT_FALSE(r.passed);
  EXPECT_EQ(r.actual, "accepted");
  EXPECT_THAT(r.detail, HasSubstr("not a number"));
  EXPECT_FALSE(EvalOne({{"path", "/tasks/0/challenge"}, {"max", 1}}).passed);
}

// summary.json writes a non-finite number as "inf", "-inf" or "nan": an
// infinite distance is above any minimum, not "not a number"; a NaN holds
// no bound and orders against nothing.
TEST(ExpectTest, NonFiniteNumbersCompareAsNumbers) {
  const json summary = {{"d", "inf"}, {"m", "-inf"}, {"n", "nan"}, {"x", 2.5}};
  auto one = [&](const json& e) { return EvaluateExpectations(json::array({e}), summary)[0]; };
  EXPECT_TRUE(one({{"path", "/d"}, {"min", 1}}).passed);
  EXPECT_FALSE(one({{"path", "/d"}, {"max", 1e300}}).passed);
  EXPECT_TRUE(one({{"path", "/m"}, {"max", -1e300}}).passed);
  EXPECT_TRUE(one({{"path", "/d"}, {"greater_than", "/x"}}).passed);
  EXPECT_TRUE(one({{"path", "/m"}, {"less_than", "/x"}}).passed);
  const ExpectationResult nan = one({{"path", "/n"}, {"min", 0}});
  EXPECT_FALSE(nan.passed);
  EXPECT_THAT(nan.detail, HasSubstr("nan is not ordered"));
  EXPECT_FALSE(one({{"path", "/n"}, {"max", 0}}).passed);
  EXPECT_FALSE(one({{"path", "/n"}, {"greater_than", "/x"}}).passed);
  EXPECT_FALSE(one({{"path", "/x"}, {"less_than", "/n"}}).passed);
}

TEST(ExpectTest, GivenDescriptionIsKept) {
  ExpectationResult r = EvalOne({{"path", "/tasks/0/outcome"},
                                 {"equals", "accepted"},
                                 {"description", "the task is accepted"}});
  EXPECT_EQ(r.description, "the task is accepted");
  // A blank one would print a bare "ok": the comparison stands in.
  for (const char* blank : {"", "  "}) {
    EXPECT_EQ(EvalOne({{"path", "/tasks/0/outcome"}, {"equals", "accepted"},
                       {"description", blank}}).description,
              "/tasks/0/outcome == \"accepted\"");
  }
}

TEST(ExpectTest, MalformedExpectationsFail) {
  EXPECT_THAT(EvalOne({{"equals", 1}}).detail, HasSubstr("path"));
  EXPECT_THAT(EvalOne({{"path", "/tasks"}}).detail, HasSubstr("no comparison"));
  EXPECT_THAT(EvalOne({{"path", "/a~2"}, {"equals", 1}}).detail,
              HasSubstr("invalid JSON pointer"));
  EXPECT_THAT(
      EvalOne({{"path", "/tasks/0/test_accuracy"}, {"min", "0.5"}}).detail,
      HasSubstr("must be numbers"));
  std::vector<ExpectationResult> r =
      EvaluateExpectations(json::object(), Summary());
  ASSERT_EQ(r.size(), 1u);
  EXPECT_FALSE(r[0].passed);
}

TEST(ExpectTest, EvaluatesAllInOrder) {
  std::vector<ExpectationResult> r = EvaluateExpectations(
      json::array(
          {{{"path", "/tasks/0/outcome"}, {"equals", "accepted"}},
           {{"path", "/tasks/0/test_accuracy"}, {"min", 0.99}},
           {{"path", "/tasks/0/verifier_steps_reexecuted"}, {"equals", 100}}}),
      Summary());
  ASSERT_EQ(r.size(), 3u);
  EXPECT_TRUE(r[0].passed);
  EXPECT_FALSE(r[1].passed);
  EXPECT_TRUE(r[2].passed);
  EXPECT_TRUE(EvaluateExpectations(json::array(), Summary()).empty());
}

TEST(ExpectTest, GreaterThanAndLessThanCompareTwoValues) {
  const json summary = json::parse(R"({"profit": {"lazy": 180, "honest": 60, "name": "x"}})");
  auto eval = [&](const json& e) { return EvaluateExpectations(json::array({e}), summary)[0]; };
  ExpectationResult r = eval({{"path", "/profit/lazy"}, {"greater_than", "/profit/honest"}});
  EXPECT_TRUE(r.passed) << r.detail;
  EXPECT_EQ(r.description, "/profit/lazy > /profit/honest");
  EXPECT_FALSE(eval({{"path", "/profit/honest"}, {"greater_than", "/profit/lazy"}}).passed);
  EXPECT_FALSE(eval({{"path", "/profit/lazy"}, {"greater_than", "/profit/lazy"}}).passed);  // strict
  EXPECT_TRUE(eval({{"path", "/profit/honest"}, {"less_than", "/profit/lazy"}}).passed);
  r = eval({{"path", "/profit/lazy"}, {"greater_than", "/profit/nobody"}});
  EXPECT_FALSE(r.passed);
  EXPECT_THAT(r.detail, HasSubstr("no value at /profit/nobody"));
  r = eval({{"path", "/profit/lazy"}, {"less_than", "/profit/name"}});
  EXPECT_FALSE(r.passed);
  EXPECT_THAT(r.detail, HasSubstr("both must be numbers"));
}

}  // namespace
}  // namespace veritrain
