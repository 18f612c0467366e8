// Reports: base64 and HTML helpers, gnuplot scripts, and whole reports of a
// made-up run and sweep — self-contained (no scripts, nothing fetched), one
// plot per section that has data, a note for each that has none.
#include "scenarios/report/report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "scenarios/report/html.h"
#include "scenarios/report/plot.h"
#include "scenarios/report/report_parts.h"
#include "scenarios/sweep/sweep_runner.h"
#include "scenarios/sweep/sweep_table.h"
#include "tests/support/files.h"

namespace veritrain {
namespace {

using testing_util::ReadFile;
using testing_util::WriteFile;

namespace fs = std::filesystem;
using json = nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

class ReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("veritrain-report-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST(HtmlTest, Base64MatchesRfc4648) {
  // RFC 4648, section 10.
  EXPECT_EQ(Base64(""), "");
  EXPECT_EQ(Base64("f"), "Zg==");
  EXPECT_EQ(Base64("fo"), "Zm8=");
  EXPECT_EQ(Base64("foo"), "Zm9v");
  EXPECT_EQ(Base64("foobar"), "Zm9vYmFy");
}

TEST(HtmlTest, EscapesText) {
  EXPECT_EQ(HtmlEscape("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
  const std::string t = HtmlTable({"h"}, {{"<b>x</b>"}, {"a<b"}});
  EXPECT_THAT(t, HasSubstr("<td><b>x</b></td>"));
  EXPECT_THAT(t, HasSubstr("<td>a&lt;b</td>"));
}

TEST(PlotTest, ScriptCarriesDataAndEscapesLabels) {
  Plot p;
  p.title = "rate_of 'x'";
  p.xlabel = "δ";
  p.series.push_back({"s", {{1, 0.5, 0.25, 0.75}, {2, 1, 1, 1}}, "yerrorlines", ""});
  const std::string script = GnuplotScript(p, "/tmp/out.svg");
  EXPECT_THAT(script, HasSubstr("$d0 << EOD\n1 0.5 0.25 0.75\n2 1 1 1\nEOD\n"));
  EXPECT_THAT(script, HasSubstr("using 1:2:3:4 with yerrorlines"));
  EXPECT_THAT(script, HasSubstr("set title 'rate\\_of ''x'''"));
  EXPECT_THAT(script, HasSubstr("set terminal svg"));
  EXPECT_THAT(script, Not(HasSubstr("mouse")));
}

TEST(PlotTest, RendersSvgWithGnuplot) {
  if (!GnuplotAvailable()) GTEST_SKIP() << "gnuplot is not installed";
  Plot p;
  p.title = "t";
  p.series.push_back({"s", {{0, 1}, {1, 2}}, "linespoints", ""});
  auto svg = RenderSvg(p);
  ASSERT_TRUE(svg.ok()) << svg.status().ToString();
  EXPECT_EQ(svg->rfind("<svg", 0), 0u);
  EXPECT_THAT(*svg, Not(HasSubstr("<script")));
  auto missing = RenderSvg(p, "/nonexistent/gnuplot");
  EXPECT_FALSE(missing.ok());
}

// The y coordinate gnuplot gives the text `text` in an SVG (its
// translate(x,y)), or NaN.
double TextY(const std::string& svg, const std::string& text) {
  const size_t at = svg.find(">" + text + "</tspan>");
  if (at == std::string::npos) return NAN;
  const size_t tr = svg.rfind("translate(", at);
  const size_t comma = svg.find(',', tr);
  if (tr == std::string::npos || comma == std::string::npos) return NAN;
  return std::stod(svg.substr(comma + 1));
}

TEST(PlotTest, TheKeyIsBelowTheAxisTitleNotOverIt) {
  if (!GnuplotAvailable()) GTEST_SKIP() << "gnuplot is not installed";
  for (const bool categories : {false, true}) {
    Plot p;
    p.title = "t";
    p.xlabel = "delta";
    p.ylabel = "rate";
    if (categories) p.xtic_labels = {"honest", "lazy 10%", "bfloat16"};
    for (int i = 0; i < 5; ++i) {
      p.series.push_back({"series " + std::to_string(i), {{0, 0.5}, {1, 0.7}, {2, 0.1}},
                          "linespoints", ""});
    }
    auto svg = RenderSvg(p);
    ASSERT_TRUE(svg.ok()) << svg.status().ToString();
    const double label = TextY(*svg, "delta");
    ASSERT_FALSE(std::isnan(label));
    for (int i = 0; i < 5; ++i) {
      const double key = TextY(*svg, "series " + std::to_string(i));
      ASSERT_FALSE(std::isnan(key)) << i;
      // A 12-point baseline below the label's, with room for the key's box.
      EXPECT_GE(key - label, 16.0) << "key entry " << i << (categories ? " (categories)" : "");
    }
  }
}

TEST(PlotTest, SeriesAtTheSameXAreSetApart) {
  using report::DodgeX;
  using report::XScale;
  const std::vector<double> deltas = {1e-6, 1e-4, 1e-2, 1.0};
  // One series stays where it is.
  EXPECT_EQ(DodgeX(XScale::kLog, deltas, 1e-4, 0, 1), 1e-4);
  // Three series around 1e-4, in order, within a quarter of a decade.
  const double a = DodgeX(XScale::kLog, deltas, 1e-4, 0, 3);
  const double b = DodgeX(XScale::kLog, deltas, 1e-4, 1, 3);
  const double c = DodgeX(XScale::kLog, deltas, 1e-4, 2, 3);
  EXPECT_LT(a, b);
  EXPECT_DOUBLE_EQ(b, 1e-4);
  EXPECT_LT(b, c);
  EXPECT_NEAR(std::log10(c / b), std::log10(b / a), 1e-9);
  EXPECT_LT(std::log10(c / a), 2 * 0.25 * 2);
  // Linear and category axes: a share of the gap (here 10) and of 1.
  EXPECT_NEAR(DodgeX(XScale::kLinear, {0, 10, 20}, 10, 1, 2) -
                  DodgeX(XScale::kLinear, {0, 10, 20}, 10, 0, 2),
              0.8, 1e-9);
  EXPECT_NEAR(DodgeX(XScale::kCategory, {}, 2, 1, 2) - DodgeX(XScale::kCategory, {}, 2, 0, 2),
              0.08, 1e-9);
}

TEST_F(ReportTest, RunReportDrawsEverySectionWithData) {
  const json summary = {
      {"scenario", "made-up"},
      {"seed", 3},
      {"conservation", true},
      {"expectations", {{{"expectation", "/tasks/0/outcome == \"rejected\""}, {"passed", true}}}},
      {"timings", {{"wall_seconds", 2.5}}},
      {"tasks",
       {{{"task", "task-0001"},
         {"outcome", "rejected"},
         {"update_norms", {1.0, 2.0, 0.5, 0.25}},
         {"verifiers",
          {{{"name", "verifier-1"},
            {"intervals",
             {{{"index", 1}, {"reason", "top-q"}, {"distances", {{"l2", 0.3}}},
               {"delta", {{"l2", 0.01}}}},
              {{"index", 3}, {"reason", "random"}, {"distances", {{"l2", 0.0}}},
               {"delta", {{"l2", 0.01}}}}}}}}},
         {"dispute",
          {{"rounds", 4},
           {"step", 21},
           {"node", "fc2.backward"},
           {"trace",
            {{{"phase", "steps"}, {"round", 1}, {"lo", 20}, {"hi", 30}},
             {{"phase", "steps"}, {"round", 2}, {"lo", 20}, {"hi", 25}},
             {{"phase", "graph"}, {"round", 3}, {"lo", 0}, {"hi", 8}},
             {{"phase", "graph"}, {"round", 4}, {"lo", 4}, {"hi", 5}}}}}},
         {"timings", {{"solver_train_seconds", 1.0}}}}}}};
  WriteFile(dir_ / "summary.json", summary.dump());
  WriteFile(dir_ / "ledger.jsonl",
            R"({"seq":0,"from":"mint","to":"submitter","amount":100,"reason":"genesis","task":""}
{"seq":1,"from":"submitter","to":"escrow/task-0001","amount":40,"reason":"escrow","task":"task-0001"}
{"seq":2,"from":"escrow/task-0001","to":"submitter","amount":40,"reason":"refund","task":"task-0001"}
)");
  WriteFile(dir_ / "events.jsonl",
            json({{"type", "task_posted"},
                  {"task", "task-0001"},
                  {"data", {{"spec", {{"verification",
                                       {{"calibration", {{"l2", {{"samples", {0.001, 0.004}}}}}}}}}}}}})
                    .dump() +
                "\n");
  auto r = WriteReport(dir_.string());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->kind, "run");
  const std::string html = ReadFile(r->path);
  EXPECT_THAT(html, HasSubstr("made-up"));
  EXPECT_THAT(html, HasSubstr("fc2.backward"));
  EXPECT_THAT(html, Not(HasSubstr("<script")));
  EXPECT_THAT(html, Not(HasSubstr("src=\"http")));
  if (!GnuplotAvailable()) GTEST_SKIP() << "gnuplot is not installed";
  // Update norms, l2 distances, two dispute phases, balances.
  EXPECT_EQ(r->plots, 5) << ::testing::PrintToString(r->notes);
  EXPECT_EQ(Count(html, "data:image/svg+xml;base64,"), 5u);
  EXPECT_TRUE(r->notes.empty()) << ::testing::PrintToString(r->notes);
}

// The report says what the protocol made of each solver, as the console
// does: a missed cheat, a cheat paid after a lost challenge, a false
// positive and a missed forced error stand out from a sound verdict.
TEST_F(ReportTest, TheTasksTableSaysWhetherACheatWasDetected) {
  const json honest = {{"solver_trace_honest", true}, {"solver_behaviour", "honest"}};
  json missed = {{"solver_trace_honest", false}, {"solver_behaviour", "lazy"},
                 {"missed", true}, {"escaped", true}};
  json paid = {{"solver_trace_honest", false}, {"challenged", true}, {"detected", true},
               {"escaped", true}};
  json caught = {{"solver_trace_honest", false}, {"challenged", true}, {"detected", true}};
  json false_positive = {{"solver_trace_honest", true}, {"challenged", true},
                         {"false_positive", true}};
  json forced_missed = honest;
  forced_missed["forced_round"] = {{"caught", json::array()}};
  forced_missed["real_trace_root"] = "ab";
  json tasks = json::array();
  for (const json& t : {honest, missed, paid, caught, false_positive, forced_missed}) {
    json task = t;
    task["task"] = "task-000" + std::to_string(tasks.size() + 1);
    tasks.push_back(task);
  }
  WriteFile(dir_ / "summary.json",
            json({{"scenario", "verdicts"}, {"seed", 1}, {"tasks", tasks}}).dump());
  auto r = WriteReport(dir_.string());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const std::string html = ReadFile(r->path);
  EXPECT_THAT(html, HasSubstr("the solver&#39;s trace"));
  for (const char* bad : {"NOT detected", "detected, yet PAID",
                          "challenged although honest (a false positive)",
                          "a forced error, MISSED; its real trace not challenged"}) {
    EXPECT_THAT(html, HasSubstr(std::string("<span class=\"bad\">") + bad)) << bad;
  }
  EXPECT_THAT(html, HasSubstr("<span class=\"ok\">not challenged</span>"));
  EXPECT_THAT(html, HasSubstr("<span class=\"ok\">detected</span>"));
}

// A norm or a distance that is not finite is what the reader must see (a
// diverged interval, a caught cheat): drawn at the top, not taken for a
// missing figure.
TEST_F(ReportTest, NonFiniteNormsAndDistancesAreDrawnNotDropped) {
  if (!GnuplotAvailable()) GTEST_SKIP() << "gnuplot is not installed";
  json task = {{"task", "task-0001"},
               {"mode", "tolerance"},
               {"update_norms", {1.0, "nan", 0.5}},
               {"verification", {{"metrics", {"l2"}}, {"delta", {{"l2", 0.01}}}}},
               {"verifiers",
                {{{"name", "verifier-1"},
                  {"intervals",
                   {{{"index", 0}, {"reason", "random"}, {"distances", {{"l2", 0.001}}}},
                    {{"index", 1}, {"reason", "top_q"}, {"distances", {{"l2", "inf"}}}}}}}}}};
  WriteFile(dir_ / "summary.json",
            json({{"scenario", "diverged"}, {"seed", 1}, {"tasks", json::array({task})}}).dump());
  auto r = WriteReport(dir_.string());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  for (const std::string& note : r->notes) {
    EXPECT_THAT(note, Not(HasSubstr("update norms"))) << note;
    EXPECT_THAT(note, Not(HasSubstr("distances per interval"))) << note;
  }
  EXPECT_EQ(r->plots, 2) << ::testing::PrintToString(r->notes);

  task["update_norms"] = {"nan", "inf"};
  WriteFile(dir_ / "summary.json",
            json({{"scenario", "diverged"}, {"seed", 1}, {"tasks", json::array({task})}}).dump());
  r = WriteReport(dir_.string());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_THAT(::testing::PrintToString(r->notes),
              HasSubstr("no posted update norm is finite (all 2 are nan or inf)"));
}

TEST_F(ReportTest, RunReportSkipsWhatIsAbsent) {
  WriteFile(dir_ / "summary.json",
            json({{"scenario", "bare"}, {"seed", 1}, {"tasks", {{{"task", "task-0001"}}}}}).dump());
  auto r = WriteReport(dir_.string());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->plots, 0);
  // Update norms, distances, dispute, balances.
  EXPECT_EQ(r->notes.size(), 4u) << ::testing::PrintToString(r->notes);
  EXPECT_THAT(ReadFile(r->path), HasSubstr("class=\"note\""));
}

// A directory where a file of the run folder belongs is said to be one,
// naming its path (it opens as a stream that reads nothing).
TEST_F(ReportTest, ADirectoryWhereAFileBelongsIsNamedAsOne) {
  WriteFile(dir_ / "summary.json",
            json({{"scenario", "bare"}, {"seed", 1}, {"tasks", {{{"task", "task-0001"}}}}}).dump());
  fs::create_directory(dir_ / "events.jsonl");
  auto r = WriteReport(dir_.string());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_THAT(::testing::PrintToString(r->audit_problems),
              HasSubstr((dir_ / "events.jsonl").string() + " is a directory, not a file"));
  EXPECT_THAT(ReadFile(r->path), HasSubstr("events.jsonl is a directory, not a file"));

  fs::remove(dir_ / "summary.json");
  fs::create_directory(dir_ / "summary.json");
  auto bad = WriteReport(dir_.string());
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(),
              HasSubstr((dir_ / "summary.json").string() + " is a directory, not a file"));
}

// A FIFO in summary.json's place blocked `report` for ever: it is refused
// at once, named as what it is.
TEST_F(ReportTest, AFifoWhereAFileBelongsIsNamedAsOne) {
  ASSERT_EQ(::mkfifo((dir_ / "summary.json").c_str(), 0600), 0);
  auto bad = WriteReport(dir_.string());
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(),
              HasSubstr((dir_ / "summary.json").string() + " is a FIFO (named pipe), not a file"));
}

// The report replaces its --out: it replaced summary.json and the signed
// event log with HTML, and /dev/null with a regular file.
TEST_F(ReportTest, ItNeverReplacesTheFoldersResultsNorAnythingButAFile) {
  EXPECT_TRUE(CheckReportOut(dir_.string(), "").ok());
  EXPECT_TRUE(CheckReportOut(dir_.string(), (dir_ / "report.html").string()).ok());
  EXPECT_TRUE(CheckReportOut(dir_.string(), (dir_.parent_path() / "elsewhere.html").string()).ok());
  for (const char* own : {"summary.json", "events.jsonl", "runs/run-000001/report.html"}) {
    const Status s = CheckReportOut(dir_.string(), (dir_ / own).string());
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << own;
    EXPECT_THAT(s.message(), HasSubstr("inside the results folder")) << own;
  }
  EXPECT_THAT(CheckReportOut(dir_.string(), "/dev/null").message(),
              HasSubstr("--out /dev/null: not a regular file"));
  EXPECT_THAT(CheckReportOut(dir_.string(), dir_.parent_path().string()).message(),
              HasSubstr(": a folder"));
  std::ofstream(dir_ / "summary.json") << "{}";
  ReportOptions o;
  o.out_file = (dir_ / "summary.json").string();
  EXPECT_FALSE(WriteReport(dir_.string(), o).ok());
  EXPECT_EQ(ReadFile((dir_ / "summary.json").string()), "{}");
}

TEST_F(ReportTest, SweepReportPlotsRatesAgainstEachParameter) {
  json manifest = {{"format", "veritrain-sweep/1"},
                   {"scenario", "made-up"},
                   {"parameters",
                    {{{"name", "delta"}, {"path", "protocol.delta.l2"}, {"values", {0.001, 0.1}}},
                     {{"name", "behaviour"}, {"path", "/participants/0/behaviour"},
                      {"values", {"honest", "lazy"}}}}},
                   {"repetitions", 3},
                   {"points", 4},
                   {"runs", 12}};
  WriteFile(dir_ / "sweep.json", manifest.dump());
  std::vector<SweepRow> rows;
  for (int64_t i = 0; i < 12; ++i) {
    SweepRow r;
    r.run = i;
    r.point = i / 3;
    r.repetition = i % 3;
    const bool honest = r.point % 2 == 0;
    r.values = {r.point < 2 ? 0.001 : 0.1, honest ? "honest" : "lazy"};
    r.metrics = {{"status", "ok"},
                 {"outcome", "accepted"},
                 {"flagged", !honest || (r.point < 2 && i % 3 == 0)},
                 {"solver_behaviour", honest ? "honest" : "lazy"},
                 {"solver_honest", honest},
                 {"max_distance.l2", honest ? 0.0005 * (1 + i % 3) : 0.5},
                 {"delta.l2", r.values[0]}};
    rows.push_back(r);
  }
  ASSERT_TRUE(WriteSweepTables(dir_.string(), {"delta", "behaviour"}, rows).ok());
  auto r = WriteReport(dir_.string());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->kind, "sweep");
  const std::string html = ReadFile(r->path);
  EXPECT_THAT(html, HasSubstr("false-positive rate"));
  EXPECT_THAT(html, HasSubstr("detection rate"));
  EXPECT_THAT(html, Not(HasSubstr("<script")));
  // Not a market: no phase diagram.
  EXPECT_THAT(html, Not(HasSubstr("lazy share")));
  if (!GnuplotAvailable()) GTEST_SKIP() << "gnuplot is not installed";
  // Rates against delta and against behaviour, distances against delta.
  EXPECT_EQ(r->plots, 3) << ::testing::PrintToString(r->notes);
  // Each title says what is drawn: against delta, one line is an honest
  // solver's (false positives), the other a lazy one's (detections).
  EXPECT_THAT(html, HasSubstr("alt=\"Detection and false-positive rates against delta (95% "
                              "Wilson intervals)\""));
  EXPECT_THAT(html, HasSubstr("alt=\"Largest l2 distance measured in each run against delta "
                              "(dashed: the δ judged by)\""));
}

TEST_F(ReportTest, ARateTitleNamesTheOneRateDrawn) {
  if (!GnuplotAvailable()) GTEST_SKIP() << "gnuplot is not installed";
  json manifest = {{"format", "veritrain-sweep/1"},
                   {"scenario", "made-up"},
                   {"parameters",
                    {{{"name", "samples"}, {"path", "protocol.random_samples"}, {"values", {1, 2}}}}},
                   {"repetitions", 2},
                   {"points", 2},
                   {"runs", 4}};
  WriteFile(dir_ / "sweep.json", manifest.dump());
  std::vector<SweepRow> rows;
  for (int64_t i = 0; i < 4; ++i) {
    SweepRow r;
    r.run = i;
    r.point = i / 2;
    r.repetition = i % 2;
    r.values = {r.point + 1};
    r.metrics = {{"status", "ok"},         {"outcome", "rejected"},  {"flagged", true},
                 {"solver_behaviour", "lazy"}, {"solver_honest", false}};
    rows.push_back(r);
  }
  ASSERT_TRUE(WriteSweepTables(dir_.string(), {"samples"}, rows).ok());
  auto r = WriteReport(dir_.string());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_THAT(ReadFile(r->path),
              HasSubstr("alt=\"Detection rate against samples (95% Wilson intervals)\""));
}

// The SVG documents embedded in a report, decoded.
std::vector<std::string> EmbeddedSvgs(const std::string& html) {
  static const std::string kPrefix = "data:image/svg+xml;base64,";
  auto sextet = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::vector<std::string> out;
  for (size_t at = html.find(kPrefix); at != std::string::npos;
       at = html.find(kPrefix, at + 1)) {
    std::string svg;
    uint32_t bits = 0;
    int count = 0;
    for (size_t i = at + kPrefix.size(); i < html.size() && sextet(html[i]) >= 0; ++i) {
      bits = (bits << 6) | static_cast<uint32_t>(sextet(html[i]));
      count += 6;
      if (count >= 8) {
        count -= 8;
        svg.push_back(static_cast<char>((bits >> count) & 0xff));
      }
    }
    out.push_back(svg);
  }
  return out;
}

// The lines of a rate plot come in the order of the grid's values, not in
// the text order of their labels (where "delta=1e-06" sorts after
// "delta=0.1").
TEST_F(ReportTest, SweepRateLinesFollowTheGridOrder) {
  if (!GnuplotAvailable()) GTEST_SKIP() << "gnuplot is not installed";
  json manifest = {{"format", "veritrain-sweep/1"},
                   {"scenario", "made-up"},
                   {"parameters",
                    {{{"name", "delta"}, {"path", "protocol.delta.l2"}, {"values", {1e-6, 0.1}}},
                     {{"name", "behaviour"}, {"path", "/participants/0/behaviour"},
                      {"values", {"honest", "lazy"}}}}},
                   {"repetitions", 1},
                   {"points", 4},
                   {"runs", 4}};
  WriteFile(dir_ / "sweep.json", manifest.dump());
  std::vector<SweepRow> rows;
  for (int64_t i = 0; i < 4; ++i) {
    SweepRow r;
    r.run = i;
    r.point = i;
    r.repetition = 0;
    const bool honest = i % 2 == 0;
    r.values = {i < 2 ? 1e-6 : 0.1, honest ? "honest" : "lazy"};
    r.metrics = {{"status", "ok"},
                 {"outcome", "accepted"},
                 {"flagged", !honest},
                 {"solver_behaviour", honest ? "honest" : "lazy"},
                 {"solver_honest", honest}};
    rows.push_back(r);
  }
  ASSERT_TRUE(WriteSweepTables(dir_.string(), {"delta", "behaviour"}, rows).ok());
  auto r = WriteReport(dir_.string());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  std::string against_behaviour;
  for (const std::string& svg : EmbeddedSvgs(ReadFile(r->path))) {
    if (svg.find("against behaviour") != std::string::npos) against_behaviour = svg;
  }
  ASSERT_FALSE(against_behaviour.empty());
  const size_t small = against_behaviour.find("delta=1e-06");
  const size_t large = against_behaviour.find("delta=0.1");
  ASSERT_NE(small, std::string::npos);
  ASSERT_NE(large, std::string::npos);
  EXPECT_LT(small, large);
}

TEST_F(ReportTest, NeitherRunNorSweepIsAnError) {
  auto r = WriteReport(dir_.string());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kNotFound);
  EXPECT_THAT(r.status().message(), HasSubstr("neither summary.json"));
  WriteFile(dir_ / "summary.json", "{not json");
  auto bad = WriteReport(dir_.string());
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Status::Code::kCorruption);
}

// A market sweep over the forced-error rate and the jackpot tax draws the
// phase diagram of the lazy share at the end of the run: a grid of means
// with their 95 % intervals, and a plot against the forced-error rate with
// one line per tax.
TEST_F(ReportTest, AMarketSweepDrawsThePhaseDiagramOfTheLazyShare) {
  json manifest = {
      {"format", "veritrain-sweep/1"},
      {"scenario", "made-up-market"},
      {"parameters",
       {{{"name", "forced_error_rate"}, {"path", "economics.forced_error_rate"},
         {"values", {0.0, 0.3}}},
        {{"name", "jackpot_tax_bps"}, {"path", "economics.jackpot_tax_bps"},
         {"values", {100, 1000}}}}},
      {"repetitions", 2},
      {"points", 4},
      {"runs", 8}};
  WriteFile(dir_ / "sweep.json", manifest.dump());
  std::vector<SweepRow> rows;
  for (int64_t i = 0; i < 8; ++i) {
    SweepRow r;
    r.run = i;
    r.point = i / 2;
    r.repetition = i % 2;
    const double rate = r.point < 2 ? 0.0 : 0.3;
    r.values = {rate, r.point % 2 == 0 ? 100 : 1000};
    r.metrics = {{"status", "ok"},
                 {"outcome", "accepted"},
                 {"flagged", false},
                 {"solver_behaviour", "honest"},
                 {"solver_honest", true},
                 {"market.final.shares.verifier.lazy-approve",
                  rate == 0 ? 0.8 + 0.1 * r.repetition : 0.1 * r.repetition},
                 {"market.switches", 3}};
    rows.push_back(r);
  }
  ASSERT_TRUE(WriteSweepTables(dir_.string(), {"forced_error_rate", "jackpot_tax_bps"}, rows).ok());
  const std::string aggregates = ReadFile(dir_ / "aggregates.csv");
  EXPECT_THAT(aggregates, HasSubstr("ci_low.market.final.shares.verifier.lazy-approve"));
  auto r = WriteReport(dir_.string());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const std::string html = ReadFile(r->path);
  EXPECT_THAT(html, HasSubstr("Market: the lazy share at the end of the run"));
  // The grid: one row per tax, one column per rate, each cell a mean with
  // its interval (0.85 ± 12.706 × 0.0707 / √2, clipped to [0, 1]).
  EXPECT_THAT(html, HasSubstr("forced_error_rate = 0.3"));
  EXPECT_THAT(html, HasSubstr("jackpot_tax_bps=1000"));
  EXPECT_THAT(html, HasSubstr("0.850 [0.215, 1.000] (n=2)"));
  EXPECT_THAT(html, HasSubstr("0.050 [0.000, 0.685] (n=2)"));
  if (!GnuplotAvailable()) GTEST_SKIP() << "gnuplot is not installed";
  EXPECT_THAT(html, HasSubstr("alt=\"Lazy share of the verifiers at the end of the run against "
                              "forced_error_rate (95% intervals)\""));
}

// A market whose verifiers cannot be lazy has no lazy share to draw: the
// report says so instead of drawing an empty diagram.
TEST_F(ReportTest, AMarketSweepWithoutLazyVerifiersSaysWhyNoDiagram) {
  json manifest = {{"format", "veritrain-sweep/1"},
                   {"scenario", "made-up-market"},
                   {"parameters",
                    {{{"name", "rate"}, {"path", "economics.forced_error_rate"},
                      {"values", {0.0, 0.3}}}}},
                   {"repetitions", 1},
                   {"points", 2},
                   {"runs", 2}};
  WriteFile(dir_ / "sweep.json", manifest.dump());
  std::vector<SweepRow> rows;
  for (int64_t i = 0; i < 2; ++i) {
    SweepRow r;
    r.run = i;
    r.point = i;
    r.values = {i == 0 ? 0.0 : 0.3};
    r.metrics = {{"status", "ok"}, {"outcome", "accepted"}, {"solver_behaviour", "honest"},
                 {"market.switches", 0}};
    rows.push_back(r);
  }
  ASSERT_TRUE(WriteSweepTables(dir_.string(), {"rate"}, rows).ok());
  auto r = WriteReport(dir_.string());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_THAT(ReadFile(r->path), HasSubstr("no verifier of the market plays lazy-approve"));
}

// A gnuplot that exists but fails is not said to be missing: the report's
// note names the program and how it failed.
TEST(GnuplotCheckTest, AFailingProgramIsNotAMissingOne) {
  const Status failing = GnuplotCheck("/bin/false");
  ASSERT_FALSE(failing.ok());
  EXPECT_THAT(failing.message(), HasSubstr("\"/bin/false --version\" exited with status 1"));
  EXPECT_THAT(failing.message(), Not(HasSubstr("not installed")));
  const Status missing = GnuplotCheck("/no/such/gnuplot");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.message(), HasSubstr("/no/such/gnuplot cannot be run"));
}

}  // namespace
}  // namespace veritrain
