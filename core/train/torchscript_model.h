// A TorchScript module cut into Ops (op_graph.h), so that veritrain's step
// graph can train it one child module at a time.
//
// The file is loaded with torch::jit::load, cast to the job's dtype and put
// in eval mode: dropout is off and batch norm uses its stored statistics,
// so every forward is a pure function of its input and parameters. Buffers
// (running statistics, constant tables) are constants of the job, not
// training state.
//
// Structure. The module's forward graph is inspected: when it does nothing
// but call its children's forward one after the other, each output feeding
// the next call (an nn.Sequential, scripted or traced, or a module written
// that way), every child is an op, named by its attribute name; a child
// that is itself such a chain is expanded the same way, its ops named
// "<child>.<grandchild>". Every parameter must belong to exactly one of
// those ops and no child may be called twice. Anything else (a residual
// connection, functional calls in forward, shared weights) becomes one op,
// "model", holding every parameter: the step graph then has one node for
// the whole forward and one for the whole backward.
//
// Each op's forward sets its parameters into the module (a mutex serialises
// that) and calls the child's forward with the graph executor's
// optimisations off, so that a call computes the same ops every time
// (no profiling runs, no fused or differentiable subgraphs).
//
// Thread-safety: the ops may be called concurrently (calls into the module
// are serialised).
#pragma once

#include <torch/types.h>

#include <optional>
#include <string>
#include <vector>

#include "core/crypto/sha256.h"
#include "core/train/op_graph.h"
#include "core/train/torch_bridge.h"
#include "core/util/status.h"

namespace veritrain {

enum class ScriptGraphMode {
  kInvalid = 0,  // deliberately not a valid mode
  kAuto = 1,     // per child when the module is a chain, else whole
  kWhole = 2,    // always one op for the whole model
};

struct ScriptOps {
  std::vector<Op> ops;   // reading `input`; the last op's output is the model's
  TensorMap params;      // the file's parameters, by ParamValue name
  bool chain = false;    // per-child ops (false: the single coarse op "model")
  Digest file_sha256;    // of the file's bytes
  // For the user (TrainingJob::Notes): why the model became one coarse op,
  // and which of its modules behave differently in eval mode (dropout,
  // batch norm), by class and attribute path.
  std::vector<std::string> notes;
};

// Loads `path`. When `expected_sha256` is given, the file's bytes are
// checked against it before LibTorch parses them. Errors name the file:
// NotFound when it does not exist; FailedPrecondition "<path> has SHA-256
// <x>, expected <y>"; InvalidArgument "<path>: not a TorchScript module:
// <reason>" when torch::jit::load refuses it, or when the module has no
// forward(x) or no parameters.
// REQUIRES: dtype is kFloat32 or kFloat64.
Result<ScriptOps> LoadScriptOps(const std::string& path,
                                torch::ScalarType dtype, ScriptGraphMode mode,
                                const std::string& input,
                                const std::optional<Digest>& expected_sha256 = {});

}  // namespace veritrain
