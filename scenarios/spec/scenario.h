// Scenario: a parsed, validated scenario file (format "veritrain-scenario/1")
// with every default filled in.
//
// A scenario file names the job, the protocol parameters, the economics,
// the participants (role, behaviour, hardware profile), the network and the
// expectations of one run. It is checked in two stages:
//   1. against the JSON Schema in scenarios/schema/scenario.schema.json
//      (embedded in the library at build time; ScenarioSchemaText()), every
//      violation collected;
//   2. if the schema holds, a "market" is expanded into participants
//      (market_spec.h), then semantic checks the schema cannot express
//      (exactly one solver outside a market, checkpoint_interval divides
//      job.steps, known behaviours, ...).
// Defaults come from the schema's "default"s, so the schema is the one
// place they are written.
//
// Thread-safety: plain values; the free functions are thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/util/status.h"
#include "core/wire/messages/task_economics.h"
#include "scenarios/spec/market_spec.h"

namespace veritrain {

// Hardware and numerics profile of one participant.
struct ProfileSpec {
  int threads = 1;
  std::string dtype = "float32";  // "float32" or "float64"
  bool deterministic = true;
  std::string device = "cpu";

  nlohmann::json ToJson() const;
};

struct ParticipantSpec {
  std::string name;  // unique in the scenario, also when case is ignored
  std::string role;  // "solver" or "verifier"
  std::string behaviour = "honest";
  nlohmann::json params = nlohmann::json::object();  // behaviour parameters
  ProfileSpec profile;
};

struct ProtocolSpec {
  int64_t checkpoint_interval = 50;  // k; divides job.steps
  std::string mode = "exact";
  int64_t top_q = 1;
  int64_t random_samples = 1;
  // Tolerance mode (core/wire/messages/verification_policy.h).
  std::vector<std::string> metrics = {"l2"};
  std::map<std::string, double> delta;      // metric -> threshold
  std::map<std::string, double> reference;  // metric -> normaliser
  std::string hyperparameters = "task";     // "task" | "prover"
  // The "calibration" block (defaults filled in), or null when δ is fixed.
  nlohmann::json calibration;
  double training_deadline_s = 600;
  double verification_deadline_s = 600;
  int64_t arity = 2;             // challenge game: dissection arity
  double game_clock_s = 60;      // challenge game: each party's clock
  double node_tolerance = 0;  // challenge game, tolerance mode
};

// Token amounts, in integer token units.
struct EconomicsSpec {
  int64_t reward = 1000;
  int64_t submitter_funds = 10000;
  int64_t participant_funds = 0;  // each solver and verifier, at genesis
  int64_t jackpot_initial = 0;
  TaskEconomics task;  // posted with every task (stakes, split, jackpot, ...)
};

// CURVE encryption of every connection (core/transport/role_curve.h).
struct CurveSpec {
  bool enabled = false;
  // "generate" (a fresh key pair per participant and run), or a directory
  // of <participant>.curve files as written in the file (relative paths
  // are relative to Scenario::source_dir).
  std::string keys = "generate";
};

struct NetworkSpec {
  std::string transport = "ipc";  // "ipc" or "tcp"
  std::string host = "127.0.0.1";
  // FaultPlan JSON (core/transport/fault_plan.h) without the seed, and
  // RetryPolicy JSON (core/transport/retry_policy.h), defaults filled in.
  nlohmann::json faults = nlohmann::json::object();
  nlohmann::json retry = nlohmann::json::object();
  CurveSpec curve;
};

// A role that kills itself at a named point (core/role/crash_point.h).
struct CrashSpec {
  std::string participant;
  std::string at;  // "training" | "verification" | "dispute"
  int64_t after = 1;
  bool restart = false;

  nlohmann::json ToJson() const;
};

struct Scenario {
  std::string name;
  std::string description;
  uint64_t seed = 1;
  // The "job" object with defaults filled in: name, steps, batch_size,
  // params (job-specific; checked by the job).
  nlohmann::json job = nlohmann::json::object();
  ProtocolSpec protocol;
  EconomicsSpec economics;
  int64_t tasks = 1;  // posted one after another
  // With a market, generated from its pool (market_spec.h).
  std::vector<ParticipantSpec> participants;
  std::optional<MarketSpec> market;  // the "market" block, if any
  NetworkSpec network;
  std::vector<CrashSpec> crashes;
  // "disk_faults": the bytes of checkpoints each listed solver's disk takes
  // before it is full (core/state/disk_full_env.h).
  std::map<std::string, int64_t> disk_free_bytes;
  double timeout_s = 900;
  nlohmann::json expect = nlohmann::json::array();  // see scenarios/spec/expect.h
  // Plug-in libraries with jobs, as the file names them (paths or bare
  // names; see core/train/job_environment.h), plus any --plugin paths.
  std::vector<std::string> plugins;
  // The directory of the scenario file (absolute), which relative paths in
  // it are relative to; "" when parsed from text.
  std::string source_dir;
  // The whole scenario with every default filled in (for the run manifest).
  nlohmann::json resolved = nlohmann::json::object();

  // Pointers into `participants`, in file order; valid while this Scenario
  // is alive and `participants` is not modified.
  std::vector<const ParticipantSpec*> solvers() const;
  std::vector<const ParticipantSpec*> verifiers() const;

  // The crash of participant `name`, or null.
  const CrashSpec* CrashOf(const std::string& name) const;

  // Where participants[i] is written in the file, for errors about it:
  // "/participants/<i>", or in a market the entry that generated it
  // ("/market/verifiers/<j>"). REQUIRES: i < participants.size().
  std::string ParticipantPath(size_t i) const;

  // Number of checkpoint intervals: job.steps / protocol.checkpoint_interval
  // (0 if job.steps is missing, as in a default-constructed Scenario).
  int64_t intervals() const;
};

// One problem with a scenario document.
struct ScenarioError {
  std::string path;     // JSON pointer, e.g. "/protocol/checkpoint_interval";
                        // "" for the root
  std::string message;  // names the offending value where known
};

// Behaviours the roles implement, one list per role; extend these when a
// behaviour is added.
const std::vector<std::string>& KnownBehaviours(const std::string& role);

// The built-in job names (core/train/job.cc registers them); extend when a
// job is added. Any other job.name needs a plug-in in "plugins".
const std::vector<std::string>& KnownBuiltinJobs();

// The scenario JSON Schema (draft 7), as embedded at build time.
std::string_view ScenarioSchemaText();

// Checks a scenario document: all schema violations; if there are none,
// all semantic errors. Empty when the scenario is valid.
std::vector<ScenarioError> CheckScenarioJson(const nlohmann::json& j);

// Parses and checks a scenario. On failure: InvalidArgument whose message
// lists every error, one per line, as "<source_name>: <path>: <message>"
// (the root path printed as "(root)"); invalid JSON gives one line with the
// line and column of the syntax error, or of a number beyond the range of a
// double ("1e999").
Result<Scenario> ParseScenario(std::string_view json_text,
                               const std::string& source_name);

// Reads and parses the scenario file at `path` (the path is the source
// name). NotFound naming the path if it does not exist; IOError if it
// cannot be read. `extra_plugins` (--plugin paths) are added to the file's
// "plugins" before it is checked.
Result<Scenario> LoadScenario(const std::string& path,
                              const std::vector<std::string>& extra_plugins = {});

}  // namespace veritrain
