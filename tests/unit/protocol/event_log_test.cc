// EventLog: known-answer hashes, file round trip, resuming a file, tamper
// and truncation detection with line numbers, in-memory mode, clock times.
#include "core/protocol/event_log.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "tests/support/files.h"

namespace veritrain {
namespace {

using testing_util::Contains;
using testing_util::ReadFile;
using testing_util::WriteFile;

using json = nlohmann::json;
using Code = Status::Code;

// A fresh path under the test temp dir, unique per test and process.
std::string TempPath(const std::string& name) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string path = ::testing::TempDir() + "vt_event_log_" + info->name() +
                     "_" + std::to_string(::getpid()) + "_" + name;
  std::remove(path.c_str());
  return path;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string JoinLines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

// Expected hashes computed independently with Python:
//   body = {"seq":0,"time_ms":1234,"type":"task_posted","task":"t1",
//           "data":{"reward":100,"name":"x"},"prev":"0"*64}
//   hashlib.sha256(json.dumps(body, sort_keys=True,
//                             separators=(',', ':')).encode()).hexdigest()
// and likewise for the second event chained to the first.
constexpr char kHash0[] =
    "bec4268e1557fab57c25f941f8ac25e08b0b91cae650dd08e04ce36a4fe799e4";
constexpr char kHash1[] =
    "bf2166364890354580deba884f8cf0295d5bcf28eb1bcb1a09360d5e66352f52";

// Appends the two events of the known-answer vectors.
void AppendKnownEvents(EventLog& log, FakeClock& clock) {
  clock.Set(1234);
  ASSERT_TRUE(
      log.Append("task_posted", "t1", json{{"reward", 100}, {"name", "x"}})
          .ok());
  clock.Set(1240);
  ASSERT_TRUE(
      log.Append("verdict", "t1", json{{"ok", true}, {"norm", 0.5}}).ok());
}

TEST(EventLogTest, HashesMatchIndependentComputation) {
  FakeClock clock;
  auto log = EventLog::Open("", &clock);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_EQ(log->last_time_ms(), 0);
  AppendKnownEvents(*log, clock);
  ASSERT_EQ(log->size(), 2u);
  EXPECT_EQ(log->last_time_ms(), 1240);  // the stamp of the last event
  EXPECT_EQ(log->events()[0].hash.Hex(), kHash0);
  EXPECT_EQ(log->events()[1].hash.Hex(), kHash1);
  EXPECT_EQ(log->head().Hex(), kHash1);
}

TEST(EventLogTest, FileRoundTrip) {
  const std::string path = TempPath("events.jsonl");
  FakeClock clock(1000);
  {
    auto log = EventLog::Open(path, &clock);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    EXPECT_EQ(log->path(), path);
    AppendKnownEvents(*log, clock);
    clock.Advance(60);
    auto h = log->Append("settled", "", nullptr);  // null data is {}
    ASSERT_TRUE(h.ok()) << h.status().ToString();
    EXPECT_EQ(*h, log->head());
  }
  const std::string text = ReadFile(path);
  const auto lines = Lines(text);
  ASSERT_EQ(lines.size(), 3u);
  // The line is the canonical body plus the hash (same Python source).
  EXPECT_EQ(lines[0], std::string("{\"data\":{\"name\":\"x\",\"reward\":100},"
                                  "\"hash\":\"") +
                          kHash0 + "\",\"prev\":\"" + std::string(64, '0') +
                          "\",\"seq\":0,\"task\":\"t1\",\"time_ms\":1234,"
                          "\"type\":\"task_posted\"}");

  auto events = ReadEventLog(path);
  ASSERT_TRUE(events.ok()) << events.status().ToString();
  ASSERT_EQ(events->size(), 3u);
  const Event& e1 = (*events)[1];
  EXPECT_EQ(e1.seq, 1u);
  EXPECT_EQ(e1.time_ms, 1240);
  EXPECT_EQ(e1.type, "verdict");
  EXPECT_EQ(e1.task, "t1");
  EXPECT_EQ(e1.data, (json{{"ok", true}, {"norm", 0.5}}));
  EXPECT_EQ(e1.hash.Hex(), kHash1);
  EXPECT_EQ(e1.prev.Hex(), kHash0);
  const Event& e2 = (*events)[2];
  EXPECT_EQ(e2.time_ms, 1300);
  EXPECT_EQ(e2.task, "");
  EXPECT_EQ(e2.data, json::object());
  EXPECT_EQ(e2.prev, e1.hash);
  for (size_t i = 0; i < events->size(); ++i) {
    auto line = EventToLine((*events)[i]);
    ASSERT_TRUE(line.ok());
    EXPECT_EQ(*line, lines[i]);  // decode -> encode gives the same bytes
  }
  std::remove(path.c_str());
}

TEST(EventLogTest, FloatsAndUnicodeReadBackToTheSameHash) {
  const std::string path = TempPath("events.jsonl");
  FakeClock clock;
  Digest head;
  {
    auto log = EventLog::Open(path, &clock, /*durable=*/true);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    json data = {{"delta", 0.1},
                 {"tiny", 1e-300},
                 {"big", -1.7976931348623157e308},
                 {"third", 1.0 / 3.0},
                 {"neg", -12},
                 {"name",
                  "f\xc3\xa9"
                  "e \xe2\x9c\x93"},
                 {"nested", {{"list", {1, 2.5, "x", nullptr}}}}};
    ASSERT_TRUE(log->Append("calibration", "t9", data).ok());
    head = log->head();
  }
  auto events = ReadEventLog(path);
  ASSERT_TRUE(events.ok()) << events.status().ToString();
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].hash, head);
  EXPECT_EQ((*events)[0].data["third"].get<double>(), 1.0 / 3.0);
  std::remove(path.c_str());
}

TEST(EventLogTest, ReopeningContinuesTheChain) {
  const std::string path = TempPath("events.jsonl");
  FakeClock clock;
  Digest first_head;
  {
    auto log = EventLog::Open(path, &clock);
    ASSERT_TRUE(log.ok());
    AppendKnownEvents(*log, clock);
    first_head = log->head();
  }
  {
    auto log = EventLog::Open(path, &clock);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    EXPECT_EQ(log->size(), 2u);
    EXPECT_EQ(log->head(), first_head);
    ASSERT_TRUE(log->Append("settled", "t1", json::object()).ok());
  }
  auto events = ReadEventLog(path);
  ASSERT_TRUE(events.ok()) << events.status().ToString();
  ASSERT_EQ(events->size(), 3u);
  EXPECT_EQ((*events)[2].seq, 2u);
  EXPECT_EQ((*events)[2].prev, first_head);
  std::remove(path.c_str());
}

// Writes the known two events plus a third, returns the file's lines.
std::vector<std::string> ThreeLineFile(const std::string& path) {
  FakeClock clock;
  auto log = EventLog::Open(path, &clock);
  EXPECT_TRUE(log.ok());
  AppendKnownEvents(*log, clock);
  EXPECT_TRUE(log->Append("settled", "t1", json{{"paid", 100}}).ok());
  return Lines(ReadFile(path));
}

void ExpectCorruptAtLine(const std::string& path, int line,
                         const std::string& why) {
  auto r = ReadEventLog(path);
  ASSERT_FALSE(r.ok()) << "line " << line << " " << why;
  EXPECT_EQ(r.status().code(), Code::kCorruption);
  const std::string& m = r.status().message();
  EXPECT_TRUE(Contains(m, path + " line " + std::to_string(line) + ":")) << m;
  EXPECT_TRUE(Contains(m, why)) << m;
}

TEST(EventLogTest, TamperedLineIsFoundByNumber) {
  const std::string path = TempPath("events.jsonl");
  const auto good = ThreeLineFile(path);
  ASSERT_EQ(good.size(), 3u);

  // Change a value on line 2: its own hash no longer matches.
  auto lines = good;
  const size_t at = lines[1].find("0.5");
  ASSERT_NE(at, std::string::npos);
  lines[1].replace(at, 3, "0.6");
  WriteFile(path, JoinLines(lines));
  ExpectCorruptAtLine(path, 2, "does not match");

  // Rewrite line 2 consistently (new hash): line 3's prev breaks.
  {
    json j = json::parse(good[1]);
    j["data"]["norm"] = 0.6;
    j.erase("hash");
    j["hash"] = Sha256Of(j.dump()).Hex();
    lines = good;
    lines[1] = j.dump();
    WriteFile(path, JoinLines(lines));
    ExpectCorruptAtLine(path, 3, "prev");
  }

  // Drop line 2: line 2 now holds seq 2.
  lines = {good[0], good[2]};
  WriteFile(path, JoinLines(lines));
  ExpectCorruptAtLine(path, 2, "seq");

  // Same content with a space added: not what the writer wrote.
  lines = good;
  lines[2].insert(1, " ");
  WriteFile(path, JoinLines(lines));
  ExpectCorruptAtLine(path, 3, "canonical");

  // An extra field.
  {
    json j = json::parse(good[0]);
    j["extra"] = 1;
    lines = good;
    lines[0] = j.dump();
    WriteFile(path, JoinLines(lines));
    ExpectCorruptAtLine(path, 1, "extra");
  }

  // Not JSON at all.
  lines = good;
  lines[1] = "garbage";
  WriteFile(path, JoinLines(lines));
  ExpectCorruptAtLine(path, 2, "JSON");

  // And Open refuses to append to any of these.
  FakeClock clock;
  auto log = EventLog::Open(path, &clock);
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().code(), Code::kCorruption);
  std::remove(path.c_str());
}

TEST(EventLogTest, TruncatedLastLine) {
  const std::string path = TempPath("events.jsonl");
  const auto good = ThreeLineFile(path);
  std::string text = JoinLines(good);
  WriteFile(path, text.substr(0, text.size() - 10));
  ExpectCorruptAtLine(path, 3, "truncated last line");
  // Only the newline missing is still a truncated line.
  WriteFile(path, text.substr(0, text.size() - 1));
  ExpectCorruptAtLine(path, 3, "truncated last line");
  // Cut right after a newline: a valid, shorter log.
  WriteFile(path, JoinLines({good[0], good[1]}));
  auto r = ReadEventLog(path);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->size(), 2u);
  std::remove(path.c_str());
}

TEST(EventLogTest, MissingFileAndEmptyFile) {
  const std::string path = TempPath("absent.jsonl");
  auto r = ReadEventLog(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kNotFound);
  WriteFile(path, "");
  r = ReadEventLog(path);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->empty());
  std::remove(path.c_str());
}

// A directory opens as a stream that reads nothing: it is not an empty log.
TEST(EventLogTest, ADirectoryIsNotAnEmptyLog) {
  const std::string path = TempPath("dir.jsonl");
  std::filesystem::remove_all(path);
  ASSERT_TRUE(std::filesystem::create_directory(path));
  auto r = ReadEventLog(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kIOError);
  EXPECT_TRUE(Contains(r.status().message(), "event log " + path + " is a directory, not a file"))
      << r.status().message();
  std::filesystem::remove_all(path);
}

TEST(EventLogTest, FileModeKeepsOnlyTheCountAndTheHeadInMemory) {
  // The file holds the events: an arbiter's log must not grow its memory
  // with every task of a long run.
  const std::string path = TempPath("events.jsonl");
  FakeClock clock(1000);
  Digest head;
  {
    auto log = EventLog::Open(path, &clock);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    AppendKnownEvents(*log, clock);
    EXPECT_TRUE(log->events().empty());
    EXPECT_EQ(log->size(), 2u);
    EXPECT_EQ(log->head().Hex(), kHash1);
    head = log->head();
  }
  // Reopened, it continues the chain from what the file holds.
  auto log = EventLog::Open(path, &clock);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_EQ(log->size(), 2u);
  EXPECT_EQ(log->head(), head);
  EXPECT_TRUE(log->events().empty());
  ASSERT_TRUE(log->Append("more", "", nullptr).ok());
  auto events = ReadEventLog(path);
  ASSERT_TRUE(events.ok()) << events.status().ToString();
  ASSERT_EQ(events->size(), 3u);
  EXPECT_EQ((*events)[2].seq, 2u);
  EXPECT_EQ((*events)[2].prev, head);
  EXPECT_EQ((*events)[2].hash, log->head());
  std::remove(path.c_str());
}

TEST(EventLogTest, InMemoryMode) {
  FakeClock clock(5);
  auto log = EventLog::Open("", &clock);
  ASSERT_TRUE(log.ok());
  EXPECT_EQ(log->path(), "");
  EXPECT_EQ(log->head(), Digest{});
  for (int i = 0; i < 5; ++i) {
    clock.Advance(10);
    ASSERT_TRUE(log->Append("tick", "t", json{{"i", i}}).ok());
  }
  ASSERT_EQ(log->size(), 5u);
  std::vector<Event> events = log->events();
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(events[static_cast<size_t>(i)].time_ms, 15 + 10 * i);
  }
  ASSERT_TRUE(VerifyEvents(events).ok());

  // The lines of the in-memory log parse as a valid file would.
  std::string text;
  for (const Event& e : events) text += *EventToLine(e) + "\n";
  auto parsed = ParseEventLog(text, "memory");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->back().hash, log->head());

  events[3].data["i"] = 99;
  Status s = VerifyEvents(events);
  EXPECT_EQ(s.code(), Code::kCorruption);
  EXPECT_TRUE(Contains(s.message(), "seq 3:")) << s.ToString();
}

TEST(EventLogTest, AppendRefusesBadInputAndChangesNothing) {
  FakeClock clock;
  auto log = EventLog::Open("", &clock);
  ASSERT_TRUE(log.ok());
  ASSERT_TRUE(log->Append("ok", "", json::object()).ok());
  const Digest head = log->head();

  auto r = log->Append("", "t", json::object());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_TRUE(Contains(r.status().message(), "type")) << r.status().ToString();

  r = log->Append("x", "t", json::array({1, 2}));
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);

  r = log->Append("x", "t", json{{"a", {{"b", std::nan("")}}}});
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_TRUE(Contains(r.status().message(), "/a/b")) << r.status().ToString();

  r = log->Append("x", "t", json{{"inf", {1.0, HUGE_VAL}}});
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_TRUE(Contains(r.status().message(), "/inf/1"))
      << r.status().ToString();

  r = log->Append("x", "t", json{{"name", "bad \xff utf8"}});
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);

  EXPECT_EQ(log->size(), 1u);
  EXPECT_EQ(log->head(), head);

  auto no_clock = EventLog::Open("", nullptr);
  EXPECT_EQ(no_clock.status().code(), Code::kInvalidArgument);
}

TEST(EventLogTest, OpenFailsOnAnUnwritablePath) {
  FakeClock clock;
  auto log = EventLog::Open("/nonexistent-dir/vt/events.jsonl", &clock);
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().code(), Code::kIOError);
  EXPECT_TRUE(Contains(log.status().message(), "/nonexistent-dir/vt"))
      << log.status().ToString();
}

TEST(EventLogTest, MovedLogKeepsWriting) {
  const std::string path = TempPath("events.jsonl");
  FakeClock clock;
  auto opened = EventLog::Open(path, &clock);
  ASSERT_TRUE(opened.ok());
  EventLog log = std::move(opened).value();
  ASSERT_TRUE(log.Append("a", "", json::object()).ok());
  EventLog moved = std::move(log);
  ASSERT_TRUE(moved.Append("b", "", json::object()).ok());
  auto events = ReadEventLog(path);
  ASSERT_TRUE(events.ok()) << events.status().ToString();
  EXPECT_EQ(events->size(), 2u);
  std::remove(path.c_str());
}

TEST(ClockTest, FakeClockMovesOnlyWhenTold) {
  FakeClock clock(100);
  EXPECT_EQ(clock.NowMs(), 100);
  EXPECT_EQ(clock.NowMs(), 100);
  clock.Advance(25);
  EXPECT_EQ(clock.NowMs(), 125);
  clock.Set(1000);
  EXPECT_EQ(clock.NowMs(), 1000);
}

TEST(ClockTest, SystemClockStartsNearZeroAndNeverGoesBack) {
  SystemClock clock;
  int64_t last = clock.NowMs();
  EXPECT_GE(last, 0);
  EXPECT_LT(last, 60'000);
  for (int i = 0; i < 1000; ++i) {
    const int64_t now = clock.NowMs();
    EXPECT_GE(now, last);
    last = now;
  }
  EXPECT_GT(SystemClock::WallUnixMs(), 1'600'000'000'000);  // after 2020
}

}  // namespace
}  // namespace veritrain
