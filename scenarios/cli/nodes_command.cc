#include "scenarios/cli/nodes_command.h"

#include <torch/types.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "core/train/job_environment.h"
#include "core/train/op_job.h"
#include "core/train/torchscript_model.h"
#include "scenarios/check/job_check.h"
#include "scenarios/check/job_graph.h"
#include "scenarios/runner/run.h"
#include "scenarios/spec/scenario.h"

namespace veritrain {
namespace {

// The torchscript job of `path` on a batch of zeros shaped `shape`: enough
// to build its graph and estimate each node's FLOPs, no dataset needed.
Result<std::unique_ptr<TrainingJob>> TorchScriptGraphJob(const std::string& path,
                                                         const std::vector<int64_t>& shape,
                                                         int64_t batch,
                                                         const std::string& dtype) {
  const torch::ScalarType type = dtype == "float64" ? torch::kFloat64 : torch::kFloat32;
  VT_ASSIGN_OR_RETURN(ScriptOps loaded,
                      LoadScriptOps(path, type, ScriptGraphMode::kAuto, "data/x"));
  int64_t features = 1;
  for (int64_t d : shape) features *= d;
  OpJobSpec spec;
  spec.ops = std::move(loaded.ops);
  spec.given_params = std::move(loaded.params);
  spec.notes = std::move(loaded.notes);
  spec.input_shape = shape;
  spec.train.x = torch::zeros({batch, features}, torch::TensorOptions().dtype(type));
  spec.train.y = torch::zeros({batch}, torch::kInt64);
  spec.train.tree = std::make_shared<const MerkleTree>(std::vector<Digest>(batch));
  spec.train.root = spec.train.tree->root();
  spec.test = spec.train;
  JobConfig config;
  config.name = "torchscript";
  config.steps = 1;
  config.batch_size = batch;
  config.dtype = dtype;
  return MakeOpJob(config, std::move(spec));
}

Result<std::vector<int64_t>> ParseShape(const std::string& text) {
  std::vector<int64_t> out;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = text.find(',', start);
    const std::string part =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (part.empty() || part.size() > 9 ||
        part.find_first_not_of("0123456789") != std::string::npos || std::stoll(part) < 1) {
      return Status::InvalidArgument("--input-shape must be positive integers separated by "
                                     "commas (one sample's shape, e.g. 1,28,28), not \"" +
                                     text + "\"");
    }
    out.push_back(std::stoll(part));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

void Print(const nlohmann::json& graph, const std::string& what, int64_t batch, bool json) {
  if (json) {
    std::cout << graph.dump(2) << "\n";
    return;
  }
  std::printf("%s: job %s, %lld step-graph nodes + %s = %lld game nodes; one step ≈ %.3g FLOPs "
              "at batch size %lld%s\n",
              what.c_str(), graph.value("job", std::string()).c_str(),
              static_cast<long long>(graph.value("graph_nodes", int64_t{0})),
              graph["nodes"].back().value("name", std::string()).c_str(),
              static_cast<long long>(graph.value("game_nodes", int64_t{0})),
              graph.value("step_flops", 0.0), static_cast<long long>(batch),
              graph.value("coarse", false) ? " (coarse: some node is a whole model)" : "");
  std::cout << NodesTable(graph);
  for (const auto& note : graph.value("notes", std::vector<std::string>())) {
    std::cout << "note: " << note << "\n";
  }
}

}  // namespace

struct NodesCommand::State {
  CLI::App* command = nullptr;
  std::string scenario;
  std::string torchscript;
  std::string input_shape;
  int64_t batch_size = 64;
  std::string dtype = "float32";
  std::vector<std::string> plugins;
  bool json = false;

  int FromScenario();
  int FromTorchScript();
};

NodesCommand::NodesCommand(CLI::App& app) : s_(new State) {
  State& s = *s_;
  s.command = app.add_subcommand(
      "nodes", "list a job's step-graph nodes (the names corrupt-node and disputes use)");
  s.command->add_option("scenario", s.scenario, "scenario file (JSON)");
  CLI::Option* model = s.command->add_option("--torchscript", s.torchscript,
                                             "a TorchScript model file instead of a scenario");
  // Only with --torchscript: a scenario sets them itself, and they were
  // ignored beside one without a word.
  s.command->add_option("--input-shape", s.input_shape,
                        "with --torchscript: one sample's shape, e.g. 1,28,28")
      ->needs(model);
  s.command->add_option("--batch-size", s.batch_size,
                        "with --torchscript: the batch size FLOPs are estimated at (default 64)")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 20))
      ->needs(model);
  s.command->add_option("--dtype", s.dtype, "with --torchscript: float32 (default) or float64")
      ->check(CLI::IsMember({"float32", "float64"}))
      ->needs(model);
  s.command->add_option("--plugin", s.plugins, "shared library with plug-in jobs (repeatable)");
  s.command->add_flag("--json", s.json, "print the graph as manifest.json records it");
}

NodesCommand::~NodesCommand() = default;

std::optional<int> NodesCommand::Dispatch() {
  if (!*s_->command) return std::nullopt;
  if (s_->scenario.empty() == s_->torchscript.empty()) {
    std::cerr << "nodes: name a scenario file or --torchscript FILE (one of them)\n";
    return kRunBadInput;
  }
  return s_->scenario.empty() ? s_->FromTorchScript() : s_->FromScenario();
}

int NodesCommand::State::FromScenario() {
  auto sc = LoadScenario(scenario, plugins);
  if (!sc.ok()) {
    std::cerr << sc.status().message() << "\n";
    return kRunBadInput;
  }
  auto env = ResolveJobEnvironment(sc->plugins, sc->source_dir);
  Status ready = env.ok() ? ApplyJobEnvironment(*env) : env.status();
  auto config = ScenarioJobConfig(*sc);
  if (ready.ok()) ready = config.status();
  if (!ready.ok()) {
    std::cerr << scenario << ": " << ready.message() << "\n";
    return kRunBadInput;
  }
  auto facts = JobFactsFor(*config);
  if (!facts.ok()) {
    std::cerr << scenario << ": " << facts.status().message() << "\n";
    return kRunBadInput;
  }
  Print(facts->graph, scenario, config->batch_size, json);
  return kRunOk;
}

int NodesCommand::State::FromTorchScript() {
  if (input_shape.empty()) {
    std::cerr << "nodes: --torchscript needs --input-shape (one sample's shape as the model "
                 "takes it, e.g. 1,28,28 or 784)\n";
    return kRunBadInput;
  }
  auto shape = ParseShape(input_shape);
  if (!shape.ok()) {
    std::cerr << "nodes: " << shape.status().message() << "\n";
    return kRunBadInput;
  }
  // Tracing runs the model on a batch of the given shape: a shape or batch
  // too large to allocate is the input's fault, said in one line.
  std::string failure;
  try {
    auto job = TorchScriptGraphJob(torchscript, *shape, batch_size, dtype);
    if (!job.ok()) {
      std::cerr << torchscript << ": " << job.status().message() << "\n";
      return kRunBadInput;
    }
    Print(DescribeJobGraph(**job), torchscript, batch_size, json);
    return kRunOk;
  } catch (const c10::Error& e) {
    failure = e.what_without_backtrace();
  } catch (const std::exception& e) {
    failure = e.what();
  }
  std::cerr << torchscript << ": cannot trace the model on a batch of " << batch_size
            << " samples of shape " << input_shape << ": " << failure.substr(0, failure.find('\n'))
            << "\n";
  return kRunBadInput;
}

}  // namespace veritrain
