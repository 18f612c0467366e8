// Sweep: a scenario's "sweep" block — a Cartesian grid over any scenario
// fields, times a number of repetitions — expanded into the runs it
// describes.
//
//   "sweep": {
//     "parameters": [
//       {"path": "protocol.random_samples", "values": [1, 2, 4]},
//       {"path": "/participants/1/profile/threads", "values": [1, 2], "name": "threads"}
//     ],
//     "repetitions": 10,
//     "seeds": "independent"
//   }
//
// A path is a JSON pointer ("/a/0/b") or a dotted path ("a.0.b"; numeric
// segments index arrays). Points are numbered like nested loops with the
// last parameter varying fastest; run index = point × repetitions +
// repetition. Each run is the scenario with the point's values set, the
// sweep block removed and its own seed:
//   seed = SHA-256("veritrain/sweep/<scenario seed>/<point>/<repetition>")
// ("…/<scenario seed>/common/<repetition>" with "seeds": "common", so that
// every point sees the same seeds), the first 8 bytes big-endian shifted
// right by 11 bits (a 53-bit integer, exact in any JSON reader).
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/util/status.h"
#include "scenarios/spec/scenario.h"

namespace veritrain {

struct SweepParameter {
  std::string path;     // as written in the scenario
  std::string pointer;  // the same path as a JSON pointer
  std::string name;     // column name in sweep.csv: "name", or the path
  std::vector<nlohmann::json> values;
  std::vector<std::string> labels;  // one per value, or none

  // What sweep.csv and the report show for value `i`: its label, or the value.
  nlohmann::json Shown(size_t i) const;
};

struct SweepSpec {
  std::vector<SweepParameter> parameters;  // file order; the last varies fastest
  int64_t repetitions = 1;
  bool common_seeds = false;

  // The product of the value counts (1 without parameters), and that times
  // the repetitions; each saturates at INT64_MAX instead of wrapping round.
  int64_t points() const;
  int64_t runs() const;
  std::vector<std::string> names() const;
};

// The most runs (points × repetitions) a sweep may have: every run is
// planned in memory before the first starts, and a million runs of even
// the smallest scenario take days.
inline constexpr int64_t kMaxSweepRuns = 1000000;

// InvalidArgument naming the sweep's size and the limit when it has more
// than kMaxSweepRuns runs. Nothing is allocated per point.
Status CheckSweepSize(const SweepSpec& spec);

// A deterministic slice of a sweep: the runs whose index ≡ index (mod count).
struct Shard {
  int64_t index = 0;
  int64_t count = 1;
  bool Contains(int64_t run) const { return run % count == index; }
};

// One run of a sweep.
struct SweepRun {
  int64_t index = 0;
  int64_t point = 0;
  int64_t repetition = 0;
  uint64_t seed = 0;
  std::vector<nlohmann::json> values;  // one per parameter
  std::vector<size_t> value_index;     // which of the parameter's values
  std::vector<nlohmann::json> shown;   // labels where given, else the values
};

// The scenario's sweep block (a single point with one repetition when it
// has none). InvalidArgument listing every problem with the block itself:
// malformed paths, duplicate names, reserved fields (seed, sweep, format,
// name, execution), labels that do not match the values one to one, more
// runs than kMaxSweepRuns (CheckSweepSize).
Result<SweepSpec> SweepSpecOf(const Scenario& scenario);

// Converts "a.0.b" to "/a/0/b"; a path starting with '/' is returned as is.
// InvalidArgument for an empty path or an empty segment.
Result<std::string> SweepPathToPointer(const std::string& path);

// "i/n" with 0 <= i < n, as given to --shard. InvalidArgument otherwise.
Result<Shard> ParseShard(const std::string& text);

uint64_t SweepSeed(uint64_t scenario_seed, int64_t point, int64_t repetition,
                   bool common_seeds);

// Every run of the sweep that falls in `shard`, in index order.
// REQUIRES: CheckSweepSize(spec) is OK.
std::vector<SweepRun> SweepRuns(const SweepSpec& spec, uint64_t scenario_seed,
                                const Shard& shard = {});

// The scenario of one run: base.resolved with the run's values set, the
// sweep and execution blocks removed and the run's seed; checked in full.
// InvalidArgument naming the run's point and values and every error.
Result<Scenario> SweepRunScenario(const Scenario& base, const SweepSpec& spec,
                                  const SweepRun& run);

// "protocol.top_q=2, threads=1", from the shown values (SweepRun::shown).
std::string DescribePoint(const SweepSpec& spec, const std::vector<nlohmann::json>& shown);

// "point 3 (protocol.top_q=2, threads=1)": how errors and warnings name
// the point of `run`.
std::string PointName(const SweepSpec& spec, const SweepRun& run);

// Problems (or warnings) found at the points of a sweep, gathered so that
// each distinct one is said once, with the first point that has it and how
// many more do: "point 3 (k=5) and 2 more: <problem>". Points are added in
// grid order.
class PointProblems {
 public:
  // `text` holds one problem a line; `where` is PointName of its point.
  void Add(const std::string& where, const std::string& text);
  // In the order first seen.
  std::vector<std::string> Lines() const;

 private:
  std::vector<std::string> order_;
  std::map<std::string, std::pair<std::string, int64_t>> seen_;  // line -> first point, more
};

// Every problem with the sweep: the block's own, then those of each point
// (checked once per point, at repetition 0), each with its path in the
// scenario file and, for a point, the point's values. Empty when every run
// of the sweep is a valid scenario.
std::vector<ScenarioError> CheckSweep(const Scenario& base);

}  // namespace veritrain
